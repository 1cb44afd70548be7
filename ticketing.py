"""Queue rules room: issue, call, recall, start, finish, no-show, transfer, pause, rate.

Plain functions, one write transaction each, domain exceptions. No Flask, no Socket.IO, no
printer: every operation returns a ``Change`` that the caller publishes after commit.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
import zoneinfo

from peewee import fn

import models
from models import (
    Counter,
    CounterField,
    Field,
    Office,
    PriorityCategory,
    Rating,
    Ticket,
    TicketEvent,
    db,
    utcnow,
    write_transaction,
)


# --------------------------------------------------------------------------- errors


class DomainError(Exception):
    """A refusal by the queue rules; carries an error code, HTTP status and Vietnamese text."""

    code = "domain_error"
    status = 409

    def __init__(self, message: str, code: str | None = None, status: int | None = None, **extra):
        """Keep the message, optional code/status overrides and extra fields for the client."""
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status:
            self.status = status
        self.extra = extra


class NotFound(DomainError):
    """The thing asked for does not exist (in this office)."""

    code, status = "not_found", 404


class Invalid(DomainError):
    """Input that breaks a rule of its own (wrong value, out of range)."""

    code, status = "invalid", 422


class InvalidState(DomainError):
    """The ticket or counter is not in a state that allows this action."""

    code, status = "invalid_state", 409


class QueueEmpty(DomainError):
    """No ticket waits for this counter."""

    code, status = "queue_empty", 409


class OfficeClosed(DomainError):
    """Tickets are not issued now (hours, cut-off, holiday, closed field, cap)."""

    code, status = "office_closed", 409


class CapReached(DomainError):
    """The field has issued its daily number of tickets."""

    code, status = "daily_cap_reached", 409


class RatingRefused(DomainError):
    """A rating that the rules do not accept (not this counter, late, twice)."""

    code, status = "rating_refused", 409


# --------------------------------------------------------------------------- changes


@dataclasses.dataclass
class Change:
    """What an operation changed, for the caller to publish after commit."""

    kind: str
    office_id: int
    ticket: Ticket | None = None
    counter: Counter | None = None
    recall: bool = False
    field_ids: set = dataclasses.field(default_factory=set)
    previous_counter_id: int | None = None
    rating: Rating | None = None
    counter_state_changed: bool = False
    duplicate: bool = False
    office: Office | None = None  # loaded in the transaction; saves the publisher a query
    field: Field | None = None
    queue: dict = dataclasses.field(default_factory=dict)  # field id -> queue figures, set by the publisher
    print_job_id: int | None = None


# --------------------------------------------------------------------------- time


def office_tz(office: Office) -> zoneinfo.ZoneInfo:
    """The office's time zone."""
    return zoneinfo.ZoneInfo(office.timezone or "Asia/Ho_Chi_Minh")


def local_now(office: Office, now: dt.datetime | None = None) -> dt.datetime:
    """Office-local aware datetime for a naive-UTC ``now`` (default: the clock)."""
    now = now or utcnow()
    return now.replace(tzinfo=dt.timezone.utc).astimezone(office_tz(office))


def business_day(office: Office, now: dt.datetime | None = None) -> dt.date:
    """The office's business day: its local date, rolling over at local midnight."""
    return local_now(office, now).date()


def day_start_utc(office: Office, day: dt.date) -> dt.datetime:
    """Naive-UTC instant of the office's local midnight starting ``day``."""
    local = dt.datetime.combine(day, dt.time(0, 0), tzinfo=office_tz(office))
    return local.astimezone(dt.timezone.utc).replace(tzinfo=None)


def to_local(office: Office, value: dt.datetime | None) -> dt.datetime | None:
    """Convert a stored naive-UTC datetime to office-local aware time."""
    if value is None:
        return None
    return value.replace(tzinfo=dt.timezone.utc).astimezone(office_tz(office))


def _hhmm(value: str) -> dt.time:
    """Parse "HH:MM"."""
    hours, minutes = value.split(":")
    return dt.time(int(hours), int(minutes))


def parse_hhmm(value: str, name: str) -> str:
    """Validate an "HH:MM" setting and return it normalised."""
    try:
        return _hhmm(str(value)).strftime("%H:%M")
    except (ValueError, AttributeError) as exc:
        raise Invalid(f"Giờ không hợp lệ ({name}): dùng dạng HH:MM, ví dụ 07:30.", fields={name: "HH:MM"}) from exc


def opening_state(office: Office, now: dt.datetime | None = None) -> dict:
    """Whether tickets can be issued now; if not, why and when the office opens again."""
    local = local_now(office, now)
    today = local.date()
    minute = local.time().replace(second=0, microsecond=0)  # the cut-off minute itself still issues
    holidays = set(office.holidays or [])
    days = set(office.working_days or [])
    open_t, cutoff_t = _hhmm(office.open_time), _hhmm(office.cutoff_time)
    hours = f"{office.open_time}–{office.close_time}"

    def next_open(start: dt.date) -> dict:
        day = start
        for _ in range(31):
            if day.isoweekday() in days and day.isoformat() not in holidays:
                return {"date": day.isoformat(), "time": office.open_time}
            day += dt.timedelta(days=1)
        return None

    if today.isoformat() in holidays:
        return {"open": False, "reason": "holiday", "message": "Hôm nay là ngày nghỉ lễ.",
                "next_open": next_open(today + dt.timedelta(days=1)), "hours": hours}
    if today.isoweekday() not in days:
        return {"open": False, "reason": "day_off", "message": "Hôm nay không phải ngày làm việc.",
                "next_open": next_open(today + dt.timedelta(days=1)), "hours": hours}
    if minute < open_t:
        return {"open": False, "reason": "not_yet_open",
                "message": f"Chưa đến giờ làm việc. Bắt đầu cấp số lúc {office.open_time}.",
                "next_open": {"date": today.isoformat(), "time": office.open_time}, "hours": hours}
    if minute > cutoff_t:
        return {"open": False, "reason": "after_cutoff",
                "message": f"Đã hết giờ cấp số hôm nay (sau {office.cutoff_time}).",
                "next_open": next_open(today + dt.timedelta(days=1)), "hours": hours}
    lunch = _hhmm(office.lunch_start) <= minute < _hhmm(office.lunch_end)
    return {"open": True, "reason": "lunch" if lunch else "open", "message": "", "hours": hours,
            "lunch": lunch, "next_open": None}


# --------------------------------------------------------------------------- lookups


def _get(model, row_id, office_id, message):
    """A row by id (of this office when given) or NotFound; another office's row is not found."""
    row = models.fetch_by_id(model, row_id)
    if row is None or (office_id is not None and getattr(row, "office_id", office_id) != office_id):
        raise NotFound(message)
    return row


def get_office(office_id: int) -> Office:
    """The office or NotFound."""
    return _get(Office, office_id, None, "Không tìm thấy đơn vị.")


def get_ticket(ticket_id: int, office_id: int | None = None) -> Ticket:
    """A ticket (of this office when given) or NotFound."""
    return _get(Ticket, ticket_id, office_id, "Không tìm thấy số thứ tự.")


def get_counter(counter_id: int, office_id: int | None = None) -> Counter:
    """A counter (of this office when given) or NotFound."""
    return _get(Counter, counter_id, office_id, "Không tìm thấy quầy.")


def get_field(field_id: int, office_id: int | None = None) -> Field:
    """A field (of this office when given) or NotFound."""
    return _get(Field, field_id, office_id, "Không tìm thấy lĩnh vực.")


def counter_active_ticket(counter_id: int) -> Ticket | None:
    """The ticket a counter has called or is serving, if any."""
    sql = models.prepared_sql(
        "counter_active_ticket",
        lambda: Ticket.select()
        .where((Ticket.counter == 0) & ((Ticket.state == "called") | (Ticket.state == "serving")))
        .order_by(Ticket.called_at.desc())
        .limit(1),
    )
    return next(iter(Ticket.raw(sql, counter_id, "called", "serving", 1)), None)


def _event(ticket: Ticket, kind: str, from_state, now, counter=None, user=None, device=None, **detail):
    """Append one audit row for a ticket transition."""
    models.insert_row(
        TicketEvent,
        ticket=ticket.id,
        office=ticket.office_id,
        kind=kind,
        from_state=from_state,
        to_state=ticket.state,
        counter=counter,
        user=user,
        device=device,
        at=now,
        detail=detail,
    )


def _id(obj):
    """Id of a model or the value itself."""
    return getattr(obj, "id", obj)


# --------------------------------------------------------------------------- issuing


def format_number(field: Field, number: int) -> str:
    """Printed number: '2001' for a numeric range, 'A001' for a letter prefix."""
    return f"{field.prefix}{number:03d}" if field.prefix else str(number)


def _next_number(field: Field, day: dt.date) -> int:
    """Take the next number of a field for a day (atomic upsert, inside the caller's transaction)."""
    p = db.obj.param
    cursor = db.execute_sql(
        "INSERT INTO daily_sequence (field_id, day, last_number) "
        f"VALUES ({p}, {p}, {p}) "
        "ON CONFLICT (field_id, day) DO UPDATE SET last_number = daily_sequence.last_number + 1 "
        "RETURNING last_number",
        (field.id, day, field.number_start),
    )
    return cursor.fetchone()[0]


def issue_ticket(office_id, field_id, priority=None, kiosk=None, client_ref=None, print_ticket=False,
                 now=None) -> Change:
    """Issue a new ticket for a field: numbered per field per business day, never reused.

    A repeated ``client_ref`` from the same kiosk returns the ticket already issued for it.
    With ``print_ticket`` a print job is queued in the same transaction (the worker prints later).
    """
    now = now or utcnow()
    if client_ref is not None and (not isinstance(client_ref, str) or not 1 <= len(client_ref) <= 64):
        raise Invalid("Mã yêu cầu không hợp lệ.", fields={"client_ref": "1-64 chars"})
    with write_transaction():
        if kiosk is not None and client_ref:
            existing = (
                Ticket.select()
                .where((Ticket.kiosk == _id(kiosk)) & (Ticket.client_ref == client_ref))
                .first()
            )
            if existing is not None:
                return Change("issued", existing.office_id, ticket=existing,
                              field_ids={existing.field_id}, duplicate=True)
        office = get_office(office_id)
        field = get_field(field_id, office.id)
        if not field.active:
            raise OfficeClosed("Lĩnh vực này tạm ngừng tiếp nhận.", code="field_closed")
        state = opening_state(office, now)
        if not state["open"]:
            raise OfficeClosed(state["message"], next_open=state["next_open"], reason=state["reason"])
        category = None
        if priority:
            category = (
                PriorityCategory.select()
                .where(
                    (PriorityCategory.office == office.id)
                    & (PriorityCategory.code == str(priority))
                    & (PriorityCategory.active == True)  # noqa: E712
                )
                .first()
            )
            if category is None:
                raise Invalid("Đối tượng ưu tiên không hợp lệ.", fields={"priority": "unknown"})
        day = business_day(office, now)
        number = _next_number(field, day)
        if field.daily_cap and number - field.number_start + 1 > field.daily_cap:
            # Raising rolls the transaction back, so the number is not consumed.
            raise CapReached(
                f"Lĩnh vực {field.name} đã cấp đủ {field.daily_cap} số trong ngày hôm nay."
            )
        ticket = models.insert_row(
            Ticket,
            office=office.id,
            field=field.id,
            issued_field=field.id,
            day=day,
            number=number,
            display_number=format_number(field, number),
            priority=category,
            state="waiting",
            arrival_at=now,
            issued_at=now,
            kiosk=_id(kiosk),
            client_ref=client_ref if kiosk is not None else None,
        )
        _event(ticket, "issue", None, now, device=_id(kiosk))
        if print_ticket:
            models.PrintJob.create(office=office.id, ticket=ticket.id, kiosk=_id(kiosk), created_at=now,
                                   next_attempt_at=now)
    return Change("issued", office.id, ticket=ticket, field_ids={field.id}, office=office, field=field)


# --------------------------------------------------------------------------- calling


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
    params = ("called", counter.id, Ticket.called_at.db_value(now), _id(user), ticket.id, "waiting")
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
            _event(ticket, "call", "waiting", now, counter=counter.id, user=_id(user))
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
        _event(ticket, "call", "waiting", now, counter=counter.id, user=_id(user), chosen=True)
    return Change("called", counter.office_id, ticket=ticket, counter=counter,
                  field_ids={ticket.field_id}, counter_state_changed=reopened)


def _transition(ticket_id, allowed, to_state, kind, office_id=None, user=None, now=None, **updates):
    """Move a ticket between states inside one transaction, with its audit row."""
    now = now or utcnow()
    with write_transaction():
        ticket = get_ticket(ticket_id, office_id)
        if ticket.state not in allowed:
            raise InvalidState(
                f"Không thể thực hiện: số {ticket.display_number} đang ở trạng thái "
                f"“{STATE_LABELS.get(ticket.state, ticket.state)}”.",
                state=ticket.state,
            )
        from_state = ticket.state
        previous_counter = ticket.counter_id
        for key, value in updates.items():
            setattr(ticket, key, value(ticket, now) if callable(value) else value)
        ticket.state = to_state
        models.update_row(ticket, "state", *sorted(updates))
        _event(ticket, kind, from_state, now, counter=previous_counter, user=_id(user))
    return Change(kind, ticket.office_id, ticket=ticket, field_ids={ticket.field_id},
                  previous_counter_id=previous_counter)


STATE_LABELS = {
    "waiting": "đang chờ",
    "called": "đã gọi",
    "serving": "đang phục vụ",
    "done": "đã xong",
    "no_show": "vắng mặt",
    "cancelled": "đã hủy",
}


def recall(ticket_id, office_id=None, user=None, now=None) -> Change:
    """Call the same ticket again (counted)."""
    now = now or utcnow()
    with write_transaction():
        ticket = get_ticket(ticket_id, office_id)
        if ticket.state != "called":
            raise InvalidState(f"Chỉ gọi lại được số đã gọi mà chưa phục vụ (số {ticket.display_number}).")
        Ticket.update(recall_count=Ticket.recall_count + 1).where(Ticket.id == ticket.id).execute()
        ticket = models.fetch_by_id(Ticket, ticket.id)
        _event(ticket, "recall", "called", now, counter=ticket.counter_id, user=_id(user), count=ticket.recall_count)
    counter = models.fetch_by_id(Counter, ticket.counter_id) if ticket.counter_id else None
    return Change("called", ticket.office_id, ticket=ticket, counter=counter, recall=True,
                  field_ids={ticket.field_id})


def start(ticket_id, office_id=None, user=None, now=None) -> Change:
    """The citizen has come to the counter: service starts."""
    return _transition(ticket_id, ("called",), "serving", "start", office_id, user, now,
                       started_at=lambda t, n: n)


def finish(ticket_id, office_id=None, user=None, now=None) -> Change:
    """Service is over; the ticket becomes ratable at its counter."""
    return _transition(
        ticket_id, ("called", "serving"), "done", "finish", office_id, user, now,
        started_at=lambda t, n: t.started_at or t.called_at,
        finished_at=lambda t, n: n,
        clerk=lambda t, n: _id(user) or t.clerk_id,
    )


def no_show(ticket_id, office_id=None, user=None, now=None) -> Change:
    """The called citizen did not come."""
    return _transition(ticket_id, ("called",), "no_show", "no_show", office_id, user, now)


def cancel(ticket_id, office_id=None, user=None, now=None) -> Change:
    """Cancel an open ticket."""
    return _transition(ticket_id, models.OPEN_STATES, "cancelled", "cancel", office_id, user, now)


def reactivate(ticket_id, office_id=None, user=None, now=None) -> Change:
    """Put a no-show ticket of today back in the queue at its original place."""
    now = now or utcnow()
    ticket = get_ticket(ticket_id, office_id)
    office = get_office(ticket.office_id)
    if ticket.state == "no_show" and ticket.day != business_day(office, now):
        raise InvalidState("Chỉ kích hoạt lại được số vắng mặt trong ngày.", code="ticket_expired")
    return _transition(ticket_id, ("no_show",), "waiting", "reactivate", office_id, user, now,
                       counter=None, called_at=None)


def transfer(ticket_id, field_id=None, counter_id=None, note="", office_id=None, user=None, now=None) -> Change:
    """Send a ticket to another field and/or a named counter, keeping its place by arrival."""
    now = now or utcnow()
    if field_id is None and counter_id is None:
        raise Invalid("Chọn lĩnh vực hoặc quầy để chuyển đến.", fields={"field": "required"})
    with write_transaction():
        ticket = get_ticket(ticket_id, office_id)
        if ticket.state not in models.OPEN_STATES:
            raise InvalidState(f"Không thể chuyển số {ticket.display_number} đã kết thúc.")
        field = get_field(field_id, ticket.office_id) if field_id is not None else None
        target = get_counter(counter_id, ticket.office_id) if counter_id is not None else None
        from_state, previous_counter, old_field = ticket.state, ticket.counter_id, ticket.field_id
        ticket.state = "waiting"
        ticket.counter = None
        ticket.called_at = None
        ticket.started_at = None
        ticket.target_counter = target.id if target else None
        if field is not None:
            ticket.field = field.id
        ticket.transfer_count += 1
        ticket.note = (note or "")[:500]
        ticket.save()
        _event(ticket, "transfer", from_state, now, counter=previous_counter, user=_id(user),
               from_field=old_field, to_field=ticket.field_id,
               to_counter=target.id if target else None, note=ticket.note)
    return Change("transferred", ticket.office_id, ticket=ticket, field_ids={old_field, ticket.field_id},
                  previous_counter_id=previous_counter, counter=target)


# --------------------------------------------------------------------------- counters


def set_counter_state(counter_id, state, reason="", office_id=None, user=None, now=None) -> Change:
    """Open, pause (with a reason) or close a counter; refuse while it holds a ticket."""
    now = now or utcnow()
    if state not in models.COUNTER_STATES:
        raise Invalid("Trạng thái quầy không hợp lệ.")
    reason = (reason or "").strip()[:120]
    if state == "paused" and not reason:
        raise Invalid("Hãy chọn lý do tạm dừng.", fields={"reason": "required"})
    with write_transaction():
        counter = get_counter(counter_id, office_id)
        if state != "open":
            active = counter_active_ticket(counter.id)
            if active is not None:
                raise InvalidState(
                    f"Quầy đang phục vụ số {active.display_number}. Hãy kết thúc trước khi "
                    f"{'tạm dừng' if state == 'paused' else 'đóng quầy'}.",
                    code="counter_busy",
                )
        counter.state = state
        counter.pause_reason = reason if state == "paused" else ""
        counter.state_since = now
        if user is not None and state == "open":
            counter.clerk = _id(user)
        if state == "closed":
            counter.clerk = None
        counter.save()
    return Change("counter", counter.office_id, counter=counter)


# --------------------------------------------------------------------------- ratings


def rate(ticket_id, level, reasons=None, comment="", counter_id=None, device=None, source="tablet", now=None) -> Change:
    """Store a citizen's rating: once per ticket, just finished at this counter, within the window."""
    now = now or utcnow()
    reasons = reasons or []
    comment = (comment or "").strip()
    if not isinstance(reasons, list) or not all(isinstance(r, str) for r in reasons):
        raise Invalid("Lý do phải là danh sách.", fields={"reasons": "list"})
    if len(comment) > 1000:
        raise Invalid("Góp ý quá dài (tối đa 1000 ký tự).", fields={"comment": "too_long"})
    with write_transaction():
        ticket = get_ticket(ticket_id)
        office = get_office(ticket.office_id)
        if not isinstance(level, int) or isinstance(level, bool) or not 1 <= level <= office.rating_levels:
            raise Invalid(f"Mức đánh giá phải từ 1 đến {office.rating_levels}.", fields={"level": "range"})
        unknown = [r for r in reasons if r not in (office.rating_reasons or [])]
        if unknown:
            raise Invalid("Lý do không có trong danh sách.", fields={"reasons": unknown})
        if ticket.state != "done":
            raise RatingRefused("Chỉ đánh giá được sau khi cán bộ kết thúc phục vụ.")
        if Rating.select().where(Rating.ticket == ticket.id).exists():
            raise RatingRefused("Số thứ tự này đã được đánh giá. Xin cảm ơn!", code="already_rated")
        if (now - ticket.finished_at).total_seconds() > office.rating_window_s:
            raise RatingRefused("Đã quá thời gian đánh giá cho số thứ tự này.", code="rating_expired")
        if source == "tablet":
            if counter_id is None or ticket.counter_id != counter_id:
                raise RatingRefused("Máy đánh giá chỉ đánh giá được số vừa phục vụ tại quầy của mình.",
                                    code="wrong_counter")
            last = (
                Ticket.select(Ticket.id)
                .where((Ticket.counter == counter_id) & (Ticket.state == "done"))
                .order_by(Ticket.finished_at.desc(), Ticket.id.desc())
                .first()
            )
            if last is None or last.id != ticket.id:
                raise RatingRefused("Quầy đã phục vụ số khác sau số này.", code="not_latest")
        elif not office.phone_rating:
            raise RatingRefused("Đơn vị không nhận đánh giá qua điện thoại.", code="phone_rating_off")
        rating = Rating.create(
            ticket=ticket.id,
            office=office.id,
            field=ticket.field_id,
            counter=ticket.counter_id,
            clerk=ticket.clerk_id,
            level=level,
            scale=office.rating_levels,
            reasons=reasons,
            comment=comment,
            source=source,
            device=_id(device),
            created_at=now,
        )
    return Change("rated", office.id, ticket=ticket, rating=rating)


def ratable_ticket(counter_id, now=None) -> Ticket | None:
    """The ticket a counter's tablet may rate now: its latest finished one, unrated, within the window."""
    now = now or utcnow()
    last = (
        Ticket.select()
        .where((Ticket.counter == counter_id) & (Ticket.state == "done"))
        .order_by(Ticket.finished_at.desc(), Ticket.id.desc())
        .first()
    )
    if last is None:
        return None
    office = get_office(last.office_id)
    if (now - last.finished_at).total_seconds() > office.rating_window_s:
        return None
    if Rating.select().where(Rating.ticket == last.id).exists():
        return None
    return last


def reprint(ticket_id, office_id=None, user=None, now=None) -> Change:
    """Queue one more print of an open ticket of today; a print already pending is not doubled."""
    now = now or utcnow()
    with write_transaction():
        ticket = get_ticket(ticket_id, office_id)
        office = get_office(ticket.office_id)
        if ticket.state not in models.OPEN_STATES or ticket.day != business_day(office, now):
            raise InvalidState(
                f"Chỉ in lại được số còn hiệu lực trong ngày; số {ticket.display_number} "
                f"đang ở trạng thái “{STATE_LABELS.get(ticket.state, ticket.state)}”.",
                state=ticket.state,
            )
        pending = (
            models.PrintJob.select()
            .where((models.PrintJob.ticket == ticket.id) & (models.PrintJob.state.in_(("pending", "printing"))))
            .first()
        )
        if pending is not None:
            return Change("reprint", office.id, ticket=ticket, print_job_id=pending.id, duplicate=True)
        job = models.PrintJob.create(office=office.id, ticket=ticket.id, kiosk=ticket.kiosk_id,
                                     created_at=now, next_attempt_at=now)
        _event(ticket, "reprint", ticket.state, now, counter=ticket.counter_id, user=_id(user), print_job=job.id)
    return Change("reprint", office.id, ticket=ticket, print_job_id=job.id)


# --------------------------------------------------------------------------- queue figures


_SERVICE_CACHE: dict = {}
SERVICE_CACHE_S = 30.0


def recent_service_seconds(field_id: int, office: Office, now=None) -> float:
    """Average service time of the field's last 20 finished tickets (7 days), or the default.

    It is an estimate, so the clock-driven path caches it for 30 s per field (a busy kiosk
    would otherwise recompute it on every ticket); an explicit ``now`` always recomputes.
    """
    key = (id(db.obj), field_id)
    if now is None:
        hit = _SERVICE_CACHE.get(key)
        if hit and hit[0] > time.monotonic():
            return hit[1]
    current = now or utcnow()
    rows = (
        Ticket.select(Ticket.started_at, Ticket.finished_at)
        .where(
            (Ticket.field == field_id)
            & (Ticket.state == "done")
            & (Ticket.finished_at >= current - dt.timedelta(days=7))
        )
        .order_by(Ticket.finished_at.desc())
        .limit(20)
        .tuples()
    )
    spans = [(f - s).total_seconds() for s, f in rows if s and f and f >= s]
    value = sum(spans) / len(spans) if spans else float(office.default_service_s)
    if now is None:
        _SERVICE_CACHE[key] = (time.monotonic() + SERVICE_CACHE_S, value)
    return value


def open_counters_by_field(office_id: int) -> dict[int, int]:
    """Number of open counters serving each field of an office (one query, on every event)."""
    sql = models.prepared_sql(
        "open_counters_by_field",
        lambda: CounterField.select(CounterField.field, fn.COUNT(CounterField.id))
        .join(Counter, on=(CounterField.counter == Counter.id))
        .where((Counter.office == 0) & (Counter.state == "open"))
        .group_by(CounterField.field),
    )
    return dict(db.execute_sql(sql, (office_id, "open")).fetchall())


def open_counters_for_field(field_id: int) -> int:
    """Number of open counters that serve a field."""
    return (
        Counter.select()
        .join(CounterField, on=(CounterField.counter == Counter.id))
        .where((CounterField.field == field_id) & (Counter.state == "open"))
        .count()
    )


def estimate_wait(ahead: int, service_s: float, open_counters: int) -> int:
    """People ahead x recent average service time / open counters (at least one)."""
    return int(round(ahead * service_s / max(1, open_counters)))


def _field_waiting(behind: bool = False) -> str:
    """SQL counting a field's waiting tickets of a day (field, state, day); with ``behind``, only
    the ordinary ones after a given (arrival, id). Both walk the field's index range."""
    p = db.obj.param
    sql = f'SELECT COUNT(*) FROM "ticket" WHERE "field_id" = {p} AND "state" = {p} AND "day" = {p}'
    if behind:
        sql += f' AND "priority_id" IS NULL AND ("arrival_at" > {p} OR ("arrival_at" = {p} AND "id" > {p}))'
    return sql


def _priority_ahead_query():
    """Count of the waiting priority tickets of a field and day that came before a given one."""
    at, day = dt.datetime(2000, 1, 1), dt.date(2000, 1, 1)
    earlier = (Ticket.arrival_at < at) | ((Ticket.arrival_at == at) & (Ticket.id < 0))
    return Ticket.select(fn.COUNT(Ticket.id)).where(
        (Ticket.field == 0) & (Ticket.day == day) & (Ticket.state == "waiting") & (Ticket.id != 0)
        & earlier & Ticket.priority.is_null(False)
    )


def people_ahead(ticket: Ticket) -> int:
    """Waiting tickets of the same field that come before this one: every priority ticket that
    waits (for an ordinary ticket), then everyone of its own kind who arrived earlier."""
    if ticket.state != "waiting":
        return 0
    arrival = Ticket.arrival_at.db_value(ticket.arrival_at)
    day = Ticket.day.db_value(ticket.day)
    if ticket.priority_id is not None:
        sql = models.prepared_sql("priority_ahead", _priority_ahead_query)
        params = (ticket.field_id, day, "waiting", ticket.id, arrival, arrival, ticket.id)
        return db.execute_sql(sql, params).fetchone()[0]
    # An ordinary ticket: everyone waiting in the field except itself and the ordinary tickets
    # behind it. Both counts walk the field's index range without testing each entry, and the
    # second range is short (a new ticket, the usual case, has nobody behind it): about half the
    # time of counting "earlier or priority" entry by entry.
    total = db.execute_sql(_field_waiting(), (ticket.field_id, "waiting", day)).fetchone()[0]
    later = db.execute_sql(_field_waiting(behind=True),
                           (ticket.field_id, "waiting", day, arrival, arrival, ticket.id)).fetchone()[0]
    return max(0, total - 1 - later)


def estimated_wait_seconds(ahead: int, field_id: int, office: Office, now=None) -> int:
    """People ahead x recent average service time / open counters serving the field."""
    return estimate_wait(ahead, recent_service_seconds(field_id, office, now), open_counters_for_field(field_id))


# Up to this many fields changed by one event are read one by one (each from its own index
# range) rather than by a query over the whole office.
FEW_FIELDS = 3


def waiting_counts(office: Office, now=None, field_ids=None) -> dict[int, int]:
    """Waiting tickets per field id for today (of every field, or only of ``field_ids``)."""
    day = Ticket.day.db_value(business_day(office, now))
    if field_ids is not None and len(field_ids) <= FEW_FIELDS:
        return {fid: db.execute_sql(_field_waiting(), (fid, "waiting", day)).fetchone()[0] for fid in field_ids}
    sql = models.prepared_sql(
        "waiting_counts",
        lambda: Ticket.select(Ticket.field, fn.COUNT(Ticket.id))
        .where((Ticket.office == 0) & (Ticket.day == dt.date(2000, 1, 1)) & (Ticket.state == "waiting"))
        .group_by(Ticket.field),
    )
    return dict(db.execute_sql(sql, (office.id, day, "waiting")).fetchall())


def close_past_days(office_id, now=None) -> int:
    """Day rollover: cancel tickets of earlier business days still open; returns how many."""
    now = now or utcnow()
    with write_transaction():
        office = get_office(office_id)
        today = business_day(office, now)
        stale = list(
            Ticket.select()
            .where((Ticket.office == office.id) & (Ticket.day < today) & (Ticket.state.in_(models.OPEN_STATES)))
        )
        for ticket in stale:
            from_state = ticket.state
            ticket.state = "cancelled"
            ticket.save(only=[Ticket.state])
            _event(ticket, "expire", from_state, now)
    return len(stale)

