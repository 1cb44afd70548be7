"""Concurrency, proven with real threads on SQLite and PostgreSQL: no number twice, no ticket
called by two counters."""

import collections
import threading

import pytest

import errors
import models
import ticketing
from conftest import make_counter, make_field, make_office
from models import Ticket, TicketEvent

KIOSKS, TICKETS_EACH, COUNTERS = 8, 100, 8


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request):
    """Run each test on a SQLite file and on a fresh PostgreSQL database."""
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")


@pytest.fixture
def hall(app):
    """An office with two fields and eight counters serving both."""
    office = make_office(priority_ratio=2)
    fields = [make_field(office, number_start=1001), make_field(office, number_start=2001)]
    counters = [make_counter(office, fields, number=n + 1) for n in range(COUNTERS)]
    models.db.close()  # the threads open their own connections
    yield office, fields, counters
    models.db.connect(reuse_if_open=True)


def run_threads(count, target):
    """Start ``count`` threads on ``target(index)`` at once; re-raise the first error."""
    errors = []
    barrier = threading.Barrier(count)

    def body(index):
        try:
            with models.connection():
                barrier.wait()
                target(index)
        except Exception as exc:  # collected and re-raised in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=body, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a worker thread hung"
    if errors:
        raise errors[0]


def test_eight_kiosks_never_get_the_same_number(hall):
    office, fields, _ = hall

    def kiosk(index):
        for i in range(TICKETS_EACH):
            ticketing.issue_ticket(office.id, fields[(index + i) % 2].id)

    run_threads(KIOSKS, kiosk)
    with models.connection():
        rows = list(Ticket.select(Ticket.issued_field, Ticket.number).tuples())
    assert len(rows) == KIOSKS * TICKETS_EACH
    assert len(set(rows)) == len(rows)
    per_field = collections.Counter(field for field, _ in rows)
    for field in fields:  # numbers are contiguous: none skipped, none reused
        numbers = sorted(n for f, n in rows if f == field.id)
        assert numbers == list(range(field.number_start, field.number_start + per_field[field.id]))


def test_eight_counters_never_call_the_same_ticket(hall):
    office, fields, counters = hall
    with models.connection():
        for i in range(200):
            ticketing.issue_ticket(office.id, fields[i % 2].id)
    served = collections.defaultdict(list)

    def counter(index):
        while True:
            try:
                ticket = ticketing.call_next(counters[index].id).ticket
            except errors.QueueEmpty:
                return
            served[index].append(ticket.id)
            ticketing.finish(ticket.id)

    run_threads(COUNTERS, counter)
    all_served = [t for ids in served.values() for t in ids]
    assert len(all_served) == 200 and len(set(all_served)) == 200
    with models.connection():
        calls = collections.Counter(
            e.ticket_id for e in TicketEvent.select().where(TicketEvent.kind == "call")
        )
        assert set(calls.values()) == {1}
        assert Ticket.select().where(Ticket.state != "done").count() == 0


def test_kiosks_and_counters_at_once_lose_nothing(hall):
    office, fields, counters = hall
    issued = collections.defaultdict(list)
    stop = threading.Event()
    served = collections.defaultdict(list)

    def worker(index):
        if index < 4:  # kiosks
            for i in range(50):
                issued[index].append(ticketing.issue_ticket(office.id, fields[i % 2].id).ticket.id)
            return
        idle = 0
        while idle < 40:
            try:
                ticket = ticketing.call_next(counters[index].id).ticket
            except errors.QueueEmpty:
                idle += 1
                stop.wait(0.01)
                continue
            idle = 0
            served[index].append(ticket.id)
            ticketing.finish(ticket.id)

    run_threads(8, worker)
    with models.connection():  # drain what the counters left after the kiosks stopped
        while True:
            try:
                ticket = ticketing.call_next(counters[0].id).ticket
            except errors.QueueEmpty:
                break
            served["drain"].append(ticket.id)
            ticketing.finish(ticket.id)
    all_issued = sorted(t for ids in issued.values() for t in ids)
    all_served = sorted(t for ids in served.values() for t in ids)
    assert len(all_issued) == 200
    assert all_served == all_issued
