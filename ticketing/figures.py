"""Queue rules room, figures: people ahead of a ticket, waiting counts, open counters, waits."""

from __future__ import annotations

import datetime as dt
import time

import statements
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
    return dict(statements.rows("open_counters_by_field", office_id=office_id))


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


def people_ahead(ticket: Ticket) -> int:
    """Waiting tickets of the same field that come before this one: every priority ticket that
    waits (for the others), the on-time appointments (for a walk-in), then everyone of its own
    kind who came earlier. The ratios of rules.mixing are not simulated: an estimate."""
    if ticket.state != "waiting":
        return 0
    if ticket.priority_id is not None:
        return statements.scalar("priority_ahead", field_id=ticket.field_id, day=ticket.day,
                                 arrival_at=ticket.arrival_at, ticket_id=ticket.id)
    if ticket.booked_slot is not None:  # an on-time appointment: after priority tickets, by slot (rules.mixing)
        return statements.scalar("booked_ahead", field_id=ticket.field_id, day=ticket.day,
                                 booked_slot=ticket.booked_slot, arrival_at=ticket.arrival_at, ticket_id=ticket.id)
    # A walk-in: everyone waiting in the field except itself and the walk-ins behind it. The
    # first count walks the field's index range without testing each entry; the second range is
    # short (a new ticket, the usual case, has nobody behind it), so reading each of its rows'
    # appointment slot costs little: about half the time of counting "earlier or priority".
    total = statements.scalar("field_waiting", field_id=ticket.field_id, day=ticket.day)
    later = statements.scalar("field_waiting_behind", field_id=ticket.field_id, day=ticket.day,
                              arrival_at=ticket.arrival_at, ticket_id=ticket.id)
    return max(0, total - 1 - later)


def estimated_wait_seconds(ahead: int, field_id: int, office: Office, now=None) -> int:
    """People ahead x recent average service time / open counters serving the field."""
    return estimate_wait(ahead, recent_service_seconds(field_id, office, now), open_counters_for_field(field_id))


# Up to this many fields changed by one event are read one by one (each from its own index
# range) rather than by a query over the whole office.
FEW_FIELDS = 3


def waiting_counts(office: Office, now=None, field_ids=None) -> dict[int, int]:
    """Waiting tickets per field id for today (of every field, or only of ``field_ids``)."""
    day = business_day(office, now)
    if field_ids is not None and len(field_ids) <= FEW_FIELDS:
        return {fid: statements.scalar("field_waiting", field_id=fid, day=day) for fid in field_ids}
    return dict(statements.rows("waiting_counts", office_id=office.id, day=day))
