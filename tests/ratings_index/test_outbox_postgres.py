"""Ratings room tests on PostgreSQL: outbox numbers follow commit order (two real transactions in
two threads), so a reader's cursor never passes a record that commits late; and the index SQL."""

import threading

import pytest

import models
import statements
import ticketing
from models import Office, OutboxItem
from reports import compute, dossier_index
from ticketing import handoff

from .conftest import served


@pytest.fixture
def db_url(pg_url):
    """Run this module's tests on a fresh PostgreSQL database."""
    return pg_url


def test_a_writer_waits_for_the_one_before_it_so_numbers_follow_commits(app, office):
    ticket = served(office, codes=("000.00.15.H42-250915-0008", "000.00.15.H42-250915-0009"))
    dossiers = dict(zip("ab", ticketing.dossiers_of(ticket.id), strict=True))
    office_row = Office.get_by_id(office.office.id)
    start = OutboxItem.select().count()
    a_holds, a_go = threading.Event(), threading.Event()
    seen = {}

    def writer(name, before_commit):
        try:
            with models.connection(), statements.write_transaction():
                [item] = handoff.dossier_record(office_row, ticket, dossiers[name], models.utcnow(), removed=True)
                seen[name] = item.seq
                # B gets here only after A committed (it waited on A's OutboxSeq row lock), so under
                # READ COMMITTED it already sees A's record.
                seen[name + "_sees_a"] = OutboxItem.select().where(OutboxItem.seq == seen.get("a", -1)).exists()
                before_commit()
        except Exception as exc:  # shown by the assertion below instead of dying silently in the thread
            seen[name + "_error"] = repr(exc)
        finally:
            a_holds.set()

    a = threading.Thread(target=writer, args=("a", lambda: (a_holds.set(), a_go.wait(20))))
    a.start()
    assert a_holds.wait(20) and "a" in seen, seen
    b = threading.Thread(target=writer, args=("b", lambda: None))
    b.start()
    a_go.set()
    a.join(20)
    b.join(20)
    assert (seen["a"], seen["b"]) == (start + 1, start + 2)
    assert seen["b_sees_a"] is True


def test_the_index_reads_the_same_on_postgres(office):
    for level in (1, 3):
        ticketing.rate(served(office).id, level, ["Khác"] if level == 1 else [], counter_id=office.c1.id)
    office_row = Office.get_by_id(office.office.id)
    day = compute.day_period(ticketing.business_day(office_row))
    figures = dossier_index.index(office_row, day)
    assert figures["total"] == {"dossiers": 2, "rated": 2, "unrated": 0, "against": 2, "index_pct": 0.0}
    assert dossier_index.alerts(office_row, day)["raised"] == 1
