"""Beyond one box: the queue's whole flow and its concurrency rules on PostgreSQL
(psycopg2, pooled connections, FOR UPDATE SKIP LOCKED for call-next)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

import errors
import models
import ticketing
from models import Rating, Ticket, TicketEvent
from tests.conftest import make_counter, make_ticket


@pytest.fixture
def db_url(pg_url):
    """These tests run on a fresh PostgreSQL database."""
    return pg_url


def test_app_runs_on_pooled_postgres(app):
    """DATABASE_URL=postgresql://... binds a pooled PostgreSQL database."""
    from playhouse.pool import PooledPostgresqlDatabase

    assert isinstance(models.db.obj, PooledPostgresqlDatabase) and not models.is_sqlite()


def test_issue_call_transfer_finish_rate_over_the_api(office, api):
    """Kiosk issues, clerk 1 calls and transfers, clerk 2 calls and finishes, the tablet rates: on PostgreSQL."""
    kiosk, clerk1, clerk2 = api(device=office.kiosk_token), api(username="canbo1"), api(username="canbo2")
    first = kiosk.post("/api/tickets", json={"field": office.f1.id}).get_json()
    assert first["number"] == "1001"
    assert clerk1.post(f"/api/counters/{office.c1.id}/call-next").get_json()["ticket"]["number"] == "1001"
    moved = clerk1.post(f"/api/tickets/{first['ticket']['id']}/transfer", json={"counter": office.c2.id})
    assert moved.status_code == 200 and moved.get_json()["ticket"]["state"] == "waiting"
    assert clerk2.post(f"/api/counters/{office.c2.id}/call-next").get_json()["ticket"]["number"] == "1001"
    assert clerk2.post(f"/api/tickets/{first['ticket']['id']}/finish").status_code == 200
    second = kiosk.post("/api/tickets", json={"field": office.f2.id}).get_json()
    assert clerk1.post(f"/api/counters/{office.c1.id}/call-next").get_json()["ticket"]["number"] == "2001"
    assert clerk1.post(f"/api/tickets/{second['ticket']['id']}/finish").status_code == 200
    rated = api(device=office.tablet1_token).post("/api/ratings", json={"ticket": second["ticket"]["id"], "level": 3})
    assert rated.status_code == 201
    kinds = [e.kind for e in TicketEvent.select().where(TicketEvent.ticket == first["ticket"]["id"]).order_by(TicketEvent.id)]
    assert kinds == ["issue", "call", "transfer", "call", "finish"]
    assert Rating.get().ticket_id == second["ticket"]["id"]


def test_event_sequence_comes_from_the_database(office):
    """Sequence numbers are reserved in the office row, so every process shares one sequence."""
    assert models.bump_event_seq(office.office.id, 3) == 3
    assert models.bump_event_seq(office.office.id) == 4
    assert models.Office.get_by_id(office.office.id).event_seq == 4


def _in_threads(count, fn):
    """Run ``fn(i)`` in ``count`` threads, each with its own pooled connection; return the results."""
    def run(i):
        with models.connection():
            return fn(i)
    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def test_concurrent_issues_get_unique_numbers(office):
    """8 threads x 25 tickets on one field: 200 distinct numbers, 1001..1200, none reused."""
    office_id, field_id = office.office.id, office.f1.id
    results = _in_threads(8, lambda _i: [ticketing.issue_ticket(office_id, field_id).ticket.number for _ in range(25)])
    numbers = sorted(n for batch in results for n in batch)
    assert numbers == list(range(1001, 1201))


def test_concurrent_call_next_calls_each_ticket_once(office):
    """6 counters calling at once (FOR UPDATE SKIP LOCKED): 60 tickets, each called exactly once."""
    for _ in range(60):
        make_ticket(office.f1)
    counters = [make_counter(office.office, [office.f1], number=10 + i).id for i in range(6)]
    lock = threading.Lock()
    called = []

    def drain(i):
        """Call, finish, repeat until the queue is empty."""
        while True:
            try:
                change = ticketing.call_next(counters[i])
            except errors.QueueEmpty:
                return
            ticketing.finish(change.ticket.id)
            with lock:
                called.append(change.ticket.id)

    _in_threads(6, drain)
    assert len(called) == 60 and len(set(called)) == 60
    assert Ticket.select().where(Ticket.state == "done").count() == 60
    assert TicketEvent.select().where(TicketEvent.kind == "call").count() == 60
