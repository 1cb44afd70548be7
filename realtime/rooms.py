"""Realtime room, rooms: the event names, the role rooms of an office and who goes in which.

Every live screen of an office is in exactly one role room, ``<role>:<office id>``, and so in
exactly one numbered stream:

- ``staff``   clerks' consoles: the full view (waiting list with notes, counters, printers);
- ``leaders`` admins and leaders (the live monitor): the staff view plus each rating's verdict;
- ``display`` hall boards: counters with their current call, calls with their words and clips,
  queue figures, the office's voice recordings;
- ``kiosk``   ticket kiosks: queue figures, opening hours, priority categories;
- ``tablet``  rating tablets: counters (clerk on duty) and the rating request of a finished ticket;
- ``public``  citizens' phones: numbers, counters and waits only (no notes, no clerk names).

Every change of an office sends one ``update`` to each of its six rooms with the one office-wide
``seq``, also when the role has nothing to learn from it: so the numbers a screen receives are
consecutive, and a missing one is a message really lost.
"""

from __future__ import annotations

from rules import access

UPDATE = "update"
SNAPSHOT = "snapshot"
SNAPSHOT_REQUEST = "snapshot_request"

STAFF, LEADERS, DISPLAY, KIOSK, TABLET, PUBLIC = "staff", "leaders", "display", "kiosk", "tablet", "public"
ROLES = (STAFF, LEADERS, DISPLAY, KIOSK, TABLET, PUBLIC)

# Device kind -> role (a device of another kind has no live screen).
DEVICE_ROLES = {access.DISPLAY: DISPLAY, access.KIOSK: KIOSK, access.TABLET: TABLET}


def room(role: str, office_id: int) -> str:
    """Name of an office's room for a role, e.g. ``display:3``."""
    return f"{role}:{office_id}"


def user_role(user) -> str | None:
    """The room of a logged-in person: leaders and admins see ratings, clerks do not."""
    if user is None or not user.office_id:
        return None
    if access.may(user, access.READ_ADMIN):  # rating details are the leaders' to read
        return LEADERS
    if access.may(user, access.STAFF):
        return STAFF
    return None


def device_role(device) -> str | None:
    """The room of a paired device, by its kind."""
    return DEVICE_ROLES.get(device.kind) if device is not None else None
