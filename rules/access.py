"""Rules room, access: the roles of people and who may do what.

One table says which roles may do each kind of thing; views, socket handlers and pages name
the thing, not the roles (``@require(roles=access.STAFF)``, ``access.may(user, access.READ_ADMIN)``).
Devices (kiosk, display, tablet) are not people and have no role: views list the device kinds
they serve beside the roles (``OFFICE_DEVICES`` for every kind).

=================  ===========================================================================
ability            who
=================  ===========================================================================
STAFF              admin, leader, clerk: the office's queue, counters and live staff screens
ANY_COUNTER        admin, leader: work at any counter of their office (a clerk only at the
                   counters the admin assigned)
ANY_TICKET         admin, leader: act on any ticket of their office (call, recall, start, finish,
                   no-show, cancel, reactivate, transfer, reprint); a clerk only on a ticket at one
                   of their counters, sent to one of them, or sent nowhere and of a field their
                   counters serve (security.may_act_on_ticket, the one check of every action)
READ_ADMIN         admin, leader: the administration area, reports, monitor, rating details
WRITE_ADMIN        admin: change settings, devices, users
PROVINCE_VIEW      province: today's figures of every office, nothing inside an office
=================  ===========================================================================

Pure Python.
"""

from __future__ import annotations

ADMIN, LEADER, CLERK, PROVINCE = "admin", "leader", "clerk", "province"

KIOSK, DISPLAY, TABLET = "kiosk", "display", "tablet"
# Every kind of paired screen of an office.
OFFICE_DEVICES = (KIOSK, DISPLAY, TABLET)

# Roles of people who belong to one office, in the order lists show them.
OFFICE_ROLES = (ADMIN, LEADER, CLERK)
ROLES = (*OFFICE_ROLES, PROVINCE)
ROLE_NAMES = {ADMIN: "Quản trị viên", LEADER: "Lãnh đạo", CLERK: "Cán bộ một cửa", PROVINCE: "Lãnh đạo cấp tỉnh"}
ROLE_NAMES_EN = {ADMIN: "Administrator", LEADER: "Leader", CLERK: "One-stop clerk", PROVINCE: "Province leader"}

STAFF = (ADMIN, LEADER, CLERK)
ANY_COUNTER = (ADMIN, LEADER)
ANY_TICKET = (ADMIN, LEADER)
READ_ADMIN = (ADMIN, LEADER)
WRITE_ADMIN = (ADMIN,)
PROVINCE_VIEW = (PROVINCE,)
# Staff who work only at the counters the admin assigned them (the others: at any counter).
COUNTER_ASSIGNED = tuple(role for role in STAFF if role not in ANY_COUNTER)


def may(user, ability: tuple[str, ...]) -> bool:
    """True when ``user`` (a User, or None for nobody) has a role that ``ability`` allows."""
    return user is not None and getattr(user, "role", None) in ability


def office_role_names() -> dict[str, str]:
    """Roles an admin may give a person of the office -> Vietnamese name, in list order."""
    return {role: ROLE_NAMES[role] for role in OFFICE_ROLES}


def role_order(role: str) -> int:
    """Sort key of a role in lists of people: admins, leaders, clerks, then anything else."""
    return ROLES.index(role) if role in ROLES else len(ROLES)


def assigned_counters_only(role: str) -> bool:
    """True when a person of this role works only at the counters assigned to them."""
    return role in COUNTER_ASSIGNED
