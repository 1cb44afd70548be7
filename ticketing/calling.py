"""Queue rules room, calling: pick the next ticket for a counter, call it or a chosen one."""

from __future__ import annotations

import datetime as dt

import statements
from errors import InvalidState, QueueEmpty
from models import Counter, Office, Ticket, utcnow
from rules import mixing
from statements import write_transaction

from .changes import Change
from .clock import business_day, day_start_utc
from .events import record_event
from .lookups import counter_active_ticket, get_counter, get_office, get_ticket, id_of


def _recent_lanes(counter: Counter, office: Office, day: dt.date) -> list[str]:
    """The lanes (rules.mixing) of this counter's latest calls today, newest first, as many as decide."""
    limit = mixing.history_needed(office.priority_ratio, office.appointment_ratio)
    if limit <= 0:
        return []
    found = statements.rows("recent_call_lanes", counter_id=counter.id, since=day_start_utc(office, day), limit=limit)
    return [mixing.lane_of(priority_id is not None, slot is not None, office.priority_ratio)
            for priority_id, slot in found]


# The statement that finds the oldest waiting ticket a counter may call in each lane of rules.mixing.
PICK_NEXT = {mixing.ANY: "pick_next_any", mixing.PRIORITY: "pick_next_priority",
             mixing.ORDINARY: "pick_next_ordinary", mixing.BOOKED: "pick_next_booked",
             mixing.WALKIN: "pick_next_walkin", mixing.UNBOOKED: "pick_next_unbooked"}


def _oldest_waiting(counter: Counter, day: dt.date, lane: str) -> Ticket | None:
    """The first waiting ticket of a lane for a counter: of its fields, or sent to it by name."""
    return statements.one(PICK_NEXT[lane], office_id=counter.office_id, day=day, counter_id=counter.id)


def _pick_next(counter: Counter, office: Office, day: dt.date) -> Ticket | None:
    """Choose the next ticket by rules.mixing: priority, on-time appointments, walk-ins, each
    capped by its ratio; the first lane that has somebody waiting."""
    recent = _recent_lanes(counter, office, day)
    for lane in mixing.call_order(office.priority_ratio, office.appointment_ratio, recent):
        ticket = _oldest_waiting(counter, day, lane)
        if ticket is not None:
            return ticket
    return None


def _take(ticket: Ticket, counter: Counter, user, now) -> Ticket | None:
    """Mark a waiting ticket called by a counter: the updated row, or None if another took it first."""
    return statements.one("take_ticket", ticket_id=ticket.id, counter_id=counter.id, clerk_id=id_of(user), now=now)


def _ensure_counter_ready(counter: Counter, now) -> bool:
    """Refuse when the counter still holds a ticket; open/resume it. True if its state changed."""
    active = counter_active_ticket(counter.id)
    if active is not None:
        raise InvalidState(
            f"Quầy đang phục vụ số {active.display_number}. Hãy kết thúc hoặc báo vắng trước.",
            code="counter_busy",
            ticket_id=active.id,
        )
    if counter.state != "open":
        counter.state, counter.pause_reason, counter.state_since = "open", "", now
        counter.save(only=[Counter.state, Counter.pause_reason, Counter.state_since])
        return True
    return False


def call_next(counter_id, user=None, now=None) -> Change:
    """Call the next ticket for a counter; QueueEmpty when nobody waits for its fields."""
    now = now or utcnow()
    for _attempt in range(20):
        with write_transaction():
            counter = get_counter(counter_id)
            office = get_office(counter.office_id)
            day = business_day(office, now)
            ticket = _pick_next(counter, office, day)
            if ticket is None:
                raise QueueEmpty("Không còn công dân nào đang chờ ở các lĩnh vực của quầy này.")
            reopened = _ensure_counter_ready(counter, now)
            ticket = _take(ticket, counter, user, now)
            if ticket is None:
                continue  # another counter won the race for this row; pick again
            record_event(ticket, "call", "waiting", now, counter=counter.id, user=id_of(user))
            return Change("called", office.id, ticket=ticket, counter=counter,
                          field_ids={ticket.field_id}, counter_state_changed=reopened, office=office)
    raise QueueEmpty("Hệ thống đang bận, xin thử lại.", code="busy", status=503)


def call_ticket(counter_id, ticket_id, user=None, now=None) -> Change:
    """Call a chosen waiting ticket to a counter."""
    now = now or utcnow()
    with write_transaction():
        counter = get_counter(counter_id)
        ticket = get_ticket(ticket_id, counter.office_id)
        if ticket.state != "waiting":
            raise InvalidState(f"Số {ticket.display_number} không ở trạng thái chờ.")
        reopened = _ensure_counter_ready(counter, now)
        taken = _take(ticket, counter, user, now)
        if taken is None:
            raise InvalidState(f"Số {ticket.display_number} vừa được quầy khác gọi.")
        ticket = taken
        record_event(ticket, "call", "waiting", now, counter=counter.id, user=id_of(user), chosen=True)
    return Change("called", counter.office_id, ticket=ticket, counter=counter,
                  field_ids={ticket.field_id}, counter_state_changed=reopened)
