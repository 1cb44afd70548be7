"""Queue rules room, calling: pick the next ticket for a counter, call it or a chosen one."""

from __future__ import annotations

import datetime as dt

import models
from errors import InvalidState, QueueEmpty
from models import Counter, CounterField, Office, Ticket, TicketEvent, db, utcnow, write_transaction

from .changes import Change
from .clock import business_day, day_start_utc
from .events import record_event
from .lookups import counter_active_ticket, get_counter, get_office, get_ticket, id_of


def _priority_streak_reached(counter: Counter, office: Office, day: dt.date) -> bool:
    """True when this counter's last ``priority_ratio`` calls today were all priority tickets."""
    ratio = office.priority_ratio
    if ratio <= 0:
        return True
    sql = models.prepared_sql(
        "recent_call_priorities",
        lambda: TicketEvent.select(Ticket.priority)
        .join(Ticket, on=(TicketEvent.ticket == Ticket.id))
        .where((TicketEvent.counter == 0) & (TicketEvent.kind == "call") & (TicketEvent.at >= dt.datetime(2000, 1, 1)))
        .order_by(TicketEvent.id.desc())
        .limit(1),  # a parameter: the office's ratio
    )
    since = TicketEvent.at.db_value(day_start_utc(office, day))
    flags = [row[0] is not None for row in db.execute_sql(sql, (counter.id, "call", since, ratio)).fetchall()]
    return len(flags) == ratio and all(flags)


def waiting_for_counter(counter: Counter, day: dt.date):
    """Waiting tickets this counter may call: its fields, or transferred to it by name."""
    field_ids = CounterField.select(CounterField.field).where(CounterField.counter == counter.id)
    return Ticket.select().where(
        (Ticket.office == counter.office_id)
        & (Ticket.day == day)
        & (Ticket.state == "waiting")
        & (
            ((Ticket.field.in_(field_ids)) & (Ticket.target_counter.is_null()))
            | (Ticket.target_counter == counter.id)
        )
    )


def _pick_next_query(kind: str, lock: bool):
    """The oldest waiting ticket a counter may call: of any kind, only priority, or only ordinary.

    Arrival order (then id) is the order of the ticket index on (office, day, state, arrival_at),
    so the database walks the index and stops at the first match instead of sorting the list.
    """
    query = waiting_for_counter(Counter(id=0, office=0), dt.date(2000, 1, 1))
    if kind == "priority":
        query = query.where(Ticket.priority.is_null(False))
    elif kind == "ordinary":
        query = query.where(Ticket.priority.is_null())
    query = query.order_by(Ticket.arrival_at, Ticket.id).limit(1)
    return query.for_update("FOR UPDATE SKIP LOCKED") if lock else query


def _oldest_waiting(counter: Counter, day: dt.date, kind: str) -> Ticket | None:
    """The oldest waiting ticket of ``kind`` (any / priority / ordinary) for a counter."""
    lock = not models.is_sqlite()
    sql = models.prepared_sql(("pick_next", kind, lock), lambda: _pick_next_query(kind, lock))
    params = (counter.office_id, Ticket.day.db_value(day), "waiting", counter.id, counter.id, 1)
    return next(iter(Ticket.raw(sql, *params)), None)


def _pick_next(counter: Counter, office: Office, day: dt.date) -> Ticket | None:
    """Choose the next ticket: priority first, at most ``priority_ratio`` in a row, FIFO else."""
    if office.priority_ratio <= 0:
        return _oldest_waiting(counter, day, "any")
    # Priority tickets go first until this counter has called ``priority_ratio`` of them in a
    # row; then the oldest ordinary ticket does. Whichever kind is missing, the oldest of any.
    first = "ordinary" if _priority_streak_reached(counter, office, day) else "priority"
    return _oldest_waiting(counter, day, first) or _oldest_waiting(counter, day, "any")


def _take(ticket: Ticket, counter: Counter, user, now) -> bool:
    """Mark a waiting ticket called by a counter; False if someone else took it first."""
    p = db.obj.param
    sql = (
        f'UPDATE "ticket" SET "state" = {p}, "counter_id" = {p}, "called_at" = {p}, "clerk_id" = {p}, '
        f'"target_counter_id" = NULL WHERE "id" = {p} AND "state" = {p}'
    )
    params = ("called", counter.id, Ticket.called_at.db_value(now), id_of(user), ticket.id, "waiting")
    return db.execute_sql(sql, params).rowcount == 1


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
        models.update_row(counter, "state", "pause_reason", "state_since")
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
            if not _take(ticket, counter, user, now):
                continue  # another counter won the race for this row; pick again
            ticket = models.fetch_by_id(Ticket, ticket.id)
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
        if not _take(ticket, counter, user, now):
            raise InvalidState(f"Số {ticket.display_number} vừa được quầy khác gọi.")
        ticket = models.fetch_by_id(Ticket, ticket.id)
        record_event(ticket, "call", "waiting", now, counter=counter.id, user=id_of(user), chosen=True)
    return Change("called", counter.office_id, ticket=ticket, counter=counter,
                  field_ids={ticket.field_id}, counter_state_changed=reopened)
