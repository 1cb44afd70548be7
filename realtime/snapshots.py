"""Realtime room, snapshots: the whole state a screen of each role needs, and nothing more.

A snapshot is what a screen starts from (on connect, after a real gap, on a settings change).
Each carries ``seq``, the office's sequence number read *before* the state: every change up to
``seq`` is in it, and a later change may be too (applying it again changes nothing), so a screen
applies only the updates numbered above ``seq``.

- kiosk:   office, opening, fields (waits), priority categories
- tablet:  office, its counter, the rating it should ask now (``pending``)
- display: office, fields, counters with their call, recent calls, the office's voice clips
- public:  office, fields, counters (public view), recent calls (public view)
- staff, leaders: office, opening, fields, counters, the waiting list, printers

Built with a fixed number of queries (``OfficeRows`` preloads what payloads refer to); the
waiting list costs one query whatever its length.
"""

from __future__ import annotations

import models
import ticketing
from models import Counter, Office, Ticket, User
from rules import rating

from . import payloads
from .rooms import DISPLAY, KIOSK, LEADERS, PUBLIC, STAFF, TABLET


def waiting_list(office: Office, rows: payloads.OfficeRows) -> list[dict]:
    """Today's waiting tickets, priority first then by arrival: one query for any number."""
    day = ticketing.business_day(office)
    waiting = (
        Ticket.select()
        .where((Ticket.office == office.id) & (Ticket.day == day) & (Ticket.state == "waiting"))
        .order_by(Ticket.priority.is_null(), Ticket.arrival_at, Ticket.id)
    )
    waiting = list(waiting)
    bookings = rows.bookings if any(t.channel == "appointment" for t in waiting) else {}
    return [payloads.ticket_payload(t, rows.fields, rows.counters, rows.categories, bookings) for t in waiting]


def snapshot(office_id: int, role: str = STAFF, counter_id: int | None = None) -> dict:
    """The state a screen of ``role`` starts from (a tablet: of its counter ``counter_id``)."""
    # The office row first: its sequence number is read before the rest of the state, so the
    # state is at least as new as the number.
    office = Office.get_by_id(office_id)
    data = {"seq": office.event_seq, "role": role, "office": payloads.office_payload(office)}
    if role == TABLET:
        return _tablet(data, office, counter_id)
    data["fields"] = payloads.fields_payload(office)
    if role == KIOSK:
        data["opening"] = ticketing.opening_state(office)
        data["categories"] = payloads.categories_payload(office_id)
        return data
    rows = payloads.OfficeRows(office)
    staff_counters = [payloads.counter_payload(c, rows=rows) for c in rows.ordered_counters()]
    if role in (STAFF, LEADERS):
        data["opening"] = ticketing.opening_state(office)
        data["counters"] = staff_counters
        data["waiting"] = waiting_list(office, rows)
        data["printers"] = payloads.printer_payload(office_id)
        return data
    calls = payloads.recent_calls(office, rows)
    if role == DISPLAY:
        data["counters"] = [payloads.board_counter(c) for c in staff_counters]
        data["recent_calls"] = calls
        # Boards that missed a voice change (offline during the upload) catch up here.
        data["voice"] = payloads.voice_payload(office_id)
        return data
    if role == PUBLIC:
        data["counters"] = [payloads.public_counter(c) for c in staff_counters]
        data["recent_calls"] = [payloads.public_call(c) for c in calls]
        return data
    raise ValueError(f"unknown role {role!r}")


def _tablet(data: dict, office: Office, counter_id: int | None) -> dict:
    """A tablet's snapshot: its counter (the clerk on duty) and the rating it should ask now."""
    counter = models.fetch_by_id(Counter, counter_id) if counter_id else None
    data["counters"] = []
    data["pending"] = None
    if counter is None or counter.office_id != office.id:
        return data
    clerk = models.fetch_by_id(User, counter.clerk_id) if counter.clerk_id else None
    data["counters"] = [{
        "id": counter.id, "number": counter.number, "name": counter.name, "state": counter.state,
        "pause_reason": counter.pause_reason, "clerk_name": clerk.full_name if clerk else None,
    }]
    ticket = ticketing.ratable_ticket(counter.id)
    if ticket is not None:
        rater = models.fetch_by_id(User, ticket.clerk_id) if ticket.clerk_id else None
        data["pending"] = rating.rating_request(ticket, office, rater.full_name if rater else None, models.utcnow())
    return data


def settings_snapshots(office_id: int) -> dict[str, dict]:
    """Every role's snapshot after a settings change, each built once for its whole room.

    A tablet's part lists every counter (each tablet picks its own) and no pending rating.
    """
    result = {}
    for role in (STAFF, DISPLAY, KIOSK, PUBLIC):
        result[role] = snapshot(office_id, role)
    result[LEADERS] = dict(result[STAFF], role=LEADERS)
    office = Office.get_by_id(office_id)
    rows = payloads.OfficeRows(office, active=False)
    result[TABLET] = {
        "seq": result[STAFF]["seq"], "role": TABLET, "office": payloads.office_payload(office),
        "counters": [
            payloads.tablet_counter(payloads.counter_payload(c, rows=rows)) for c in rows.ordered_counters()
        ],
    }
    return result
