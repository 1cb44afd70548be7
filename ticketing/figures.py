"""Queue rules room, figures: people ahead of a ticket, waiting counts, open counters, waits."""

from __future__ import annotations

import datetime as dt
import time

from peewee import fn

import models
from models import Counter, CounterField, Office, Ticket, db, utcnow

from .clock import business_day


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
