"""Migrations room tests: scripts/sqlite_to_pg.py moves an office from a SQLite file into a
PostgreSQL database that already hosts another office, keeping tokens, numbering and links."""

from __future__ import annotations

import subprocess
import sys

import pytest

import migrations
import models
import security
import ticketing
from models import Device, Office, Rating, Ticket, TicketEvent, User
from tests.conftest import ROOT, make_field, make_office, make_ticket, seed_test_office

sys.path.insert(0, str(ROOT / "scripts"))
import sqlite_to_pg


@pytest.fixture
def source(tmp_path):
    """A SQLite office with a day's work: 3 tickets, one served and rated, one transferred."""
    url = f"sqlite:///{tmp_path / 'office.db'}"
    models.db.initialize(models.make_database(url))
    migrations.upgrade()
    with models.connection():
        bag = seed_test_office()
        Office.update(code="25993").where(Office.id == bag.office.id).execute()
        served = make_ticket(bag.f1)
        ticketing.call_next(bag.c1.id, user=bag.clerk1)
        ticketing.finish(served.id)
        ticketing.rate(served.id, 3, counter_id=bag.c1.id, source="tablet")
        moved = make_ticket(bag.f1)
        ticketing.transfer(moved.id, counter_id=bag.c2.id)
        make_ticket(bag.f2)
        counts = {m: m.select().count() for m in (Ticket, TicketEvent, Rating, User, Device)}
    models.db.close()
    return url, bag, counts


@pytest.fixture
def target(pg_url):
    """A PostgreSQL database already serving another office (so ids collide)."""
    models.db.initialize(models.make_database(pg_url))
    migrations.upgrade()
    with models.connection():
        other = make_office(name="UBND xã Đã Có")
        make_ticket(make_field(other, code="HT"))
    models.db.obj.close_all()
    return pg_url, other.id


def _moved_office():
    """The office moved in (code 25993)."""
    return Office.get(Office.code == "25993")


def test_office_moves_with_all_rows_and_links(source, target):
    """Every row arrives, references point inside the moved office, the other office is untouched."""
    src_url, bag, counts = source
    pg_url, other_id = target
    sqlite_to_pg.move(src_url, pg_url)
    with models.connection():
        office = _moved_office()
        assert bag.office.id == other_id != office.id  # the ids collided: the moved office was renumbered
        for model in (Ticket, TicketEvent, Rating, User, Device):
            assert model.select().where(model.office == office.id).count() == counts[model], model
        field_ids = {f.id for f in office.fields}
        assert {t.field_id for t in Ticket.select().where(Ticket.office == office.id)} <= field_ids
        rating = Rating.get(Rating.office == office.id)
        assert (rating.clerk.username, rating.ticket.office_id) == ("canbo1", office.id)
        transferred = Ticket.get((Ticket.office == office.id) & (Ticket.transfer_count == 1))
        assert transferred.target_counter.office_id == office.id and transferred.target_counter.number == 2
        assert Ticket.select().where(Ticket.office == other_id).count() == 1


def test_moved_office_keeps_working(source, target):
    """Device tokens still identify the office's screens; numbering and event sequence carry on."""
    src_url, bag, _counts = source
    pg_url, _other = target
    sqlite_to_pg.move(src_url, pg_url)
    with models.connection():
        office = _moved_office()
        assert security.device_from_token(bag.kiosk_token).office_id == office.id
        field = office.fields.where(models.Field.code == "HT").get()
        assert ticketing.issue_ticket(office.id, field.id).ticket.display_number == "1003"
        assert office.event_seq == bag.office.event_seq


def test_moving_twice_is_refused_and_writes_nothing(source, target):
    """A second run finds the usernames taken: refused, and no row is added."""
    src_url, _bag, _counts = source
    pg_url, _other = target
    sqlite_to_pg.move(src_url, pg_url)
    with models.connection():
        before = Ticket.select().count()
    with pytest.raises(sqlite_to_pg.MoveRefused, match="canbo1"):
        sqlite_to_pg.move(src_url, pg_url)
    with models.connection():
        assert Ticket.select().count() == before and Office.select().count() == 2


def test_command_line_moves_and_reports(source, target):
    """``python scripts/sqlite_to_pg.py SRC DST`` exits 0 and prints the rows moved."""
    src_url, _bag, _counts = source
    pg_url, _other = target
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "sqlite_to_pg.py"), src_url, pg_url],
                          capture_output=True, text=True, timeout=120, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr
    assert "ticket 3" in done.stdout and "rating 1" in done.stdout
