"""Migrations room tests: a database made by schema version 1 upgrades in place and keeps its data,
on SQLite and on PostgreSQL; the upgraded schema is exactly what the models declare."""

from __future__ import annotations

import datetime as dt
import pathlib
import threading
import zoneinfo

import pytest

import migrations
import models
import ticketing

HERE = pathlib.Path(__file__).resolve().parent
TODAY = dt.datetime.now(zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")).date().isoformat()
NOW = models.utcnow().strftime("%Y-%m-%d %H:%M:%S")

# Rows as version 1 stored them (no office.code); every NOT NULL column is given, as peewee did.
V1_ROWS = [
    ("office", {"id": 1, "name": "UBND xã Tân Lập", "address": "Thôn 3", "timezone": "Asia/Ho_Chi_Minh", "logo_type": "",
                    "region": "north", "open_time": "00:00", "close_time": "23:59", "lunch_start": "11:30", "lunch_end": "13:30",
                    "cutoff_time": "23:59", "working_days": "[1, 2, 3, 4, 5, 6, 7]", "holidays": "[]", "priority_ratio": 2,
                    "rating_levels": 3, "rating_reasons": '["Thái độ phục vụ", "Khác"]', "rating_window_s": 120,
                    "phone_rating": True, "notices": "", "ticket_footer": "Xin cảm ơn!", "default_service_s": 300,
                    "kiosk_ticket_seconds": 15, "event_seq": 7, "created_at": NOW}),
    ("field", {"id": 1, "office_id": 1, "name": "Tư pháp - Hộ tịch", "name_en": "Civil status", "code": "HT", "prefix": "",
                   "number_start": 1001, "sort_order": 1, "active": True}),
    ("counter", {"id": 1, "office_id": 1, "number": 1, "name": "Quầy 1", "state": "open", "pause_reason": "", "state_since": NOW}),
    ("counter_field", {"id": 1, "counter_id": 1, "field_id": 1}),
    ("user", {"id": 1, "office_id": 1, "username": "canbo_v1", "full_name": "Trần Thị Hoa", "role": "clerk",
                  "password_hash": "x", "active": True, "failed_logins": 0, "created_at": NOW}),
    ("daily_sequence", {"id": 1, "field_id": 1, "day": TODAY, "last_number": 1002}),
    ("ticket", {"id": 1, "office_id": 1, "field_id": 1, "issued_field_id": 1, "day": TODAY, "number": 1001, "display_number": "1001",
                    "state": "done", "public_token": "tok-1001", "arrival_at": NOW, "issued_at": NOW, "called_at": NOW,
                    "started_at": NOW, "finished_at": NOW, "counter_id": 1, "clerk_id": 1, "recall_count": 0, "transfer_count": 0,
                    "note": ""}),
    ("ticket", {"id": 2, "office_id": 1, "field_id": 1, "issued_field_id": 1, "day": TODAY, "number": 1002, "display_number": "1002",
                    "state": "waiting", "public_token": "tok-1002", "arrival_at": NOW, "issued_at": NOW, "recall_count": 0,
                    "transfer_count": 0, "note": ""}),
    ("ticket_event", {"id": 1, "ticket_id": 1, "office_id": 1, "kind": "issue", "to_state": "waiting", "at": NOW, "detail": "{}"}),
    ("ticket_event", {"id": 2, "ticket_id": 2, "office_id": 1, "kind": "issue", "to_state": "waiting", "at": NOW, "detail": "{}"}),
    ("rating", {"id": 1, "ticket_id": 1, "office_id": 1, "field_id": 1, "counter_id": 1, "clerk_id": 1, "level": 3, "scale": 3,
                    "reasons": "[]", "comment": "Cán bộ nhiệt tình", "source": "tablet", "created_at": NOW}),
    ("schema_version", {"id": 1, "version": 1, "applied_at": NOW}),
]


@pytest.fixture(params=["sqlite", "postgres"])
def v1_url(request, tmp_path):
    """A database holding the version-1 schema and a little data (SQLite file or fresh PostgreSQL)."""
    url = f"sqlite:///{tmp_path / 'v1.db'}" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    models.db.initialize(models.make_database(url))
    ddl = (HERE / f"schema_v1.{request.param}.sql").read_text().split("\n", 1)[1]
    with models.connection(), models.db.atomic():
        for statement in filter(str.strip, ddl.split(";\n")):
            models.db.execute_sql(statement)
        p = models.db.obj.param
        for table, row in V1_ROWS:
            columns = ", ".join(f'"{c}"' for c in row)
            models.db.execute_sql(f'INSERT INTO "{table}" ({columns}) VALUES ({", ".join([p] * len(row))})',
                                  tuple(row.values()))
        if request.param == "postgres":  # explicit ids: move the sequences past them, as a real database would be
            for table in {t for t, _ in V1_ROWS}:
                models.db.execute_sql(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                                      f'(SELECT MAX(id) FROM "{table}"))')
    yield url
    if not models.db.is_closed():
        models.db.close()


def test_v1_fixture_lacks_the_new_column(v1_url):
    """The fixture really is the old schema: office has no code column and version 1 is recorded."""
    with models.connection():
        assert "code" not in {c.name for c in models.db.get_columns("office")}
        assert migrations.current_version() == 1


def test_v1_database_upgrades_and_keeps_its_data(v1_url):
    """After the upgrade every row is still there, linked as before, and the new column has its default."""
    migrations.upgrade()
    with models.connection():
        assert migrations.current_version() == models.SCHEMA_VERSION
        office = models.Office.get_by_id(1)
        assert (office.name, office.code, office.event_seq) == ("UBND xã Tân Lập", "", 7)
        assert office.rating_reasons == ["Thái độ phục vụ", "Khác"]
        assert [t.display_number for t in models.Ticket.select().order_by(models.Ticket.id)] == ["1001", "1002"]
        assert models.TicketEvent.select().count() == 2
        rating = models.Rating.get()
        assert (rating.ticket.display_number, rating.clerk.username, rating.comment) == ("1001", "canbo_v1",
                                                                                         "Cán bộ nhiệt tình")
        assert models.Counter.get_by_id(1).field_ids() == [1]


def test_upgraded_schema_matches_the_models(v1_url):
    """Every table has exactly the columns (and nullability) and indexes the models declare."""
    migrations.upgrade()
    with models.connection():
        for model in models.ALL_MODELS:
            table = model._meta.table_name
            actual = {(c.name, c.null) for c in models.db.get_columns(table)}
            expected = {(f.column_name, f.null) for f in model._meta.sorted_fields}
            assert actual == expected, table
            indexes = {i.name for i in models.db.get_indexes(table) if not i.name.endswith("_pkey")}
            assert indexes == {i._name for i in model._meta.fields_to_index()}, table


def test_upgraded_database_keeps_numbering_and_serves(v1_url):
    """The queue carries on where version 1 stopped: next number 1003, the waiting ticket is called."""
    migrations.upgrade()
    with models.connection():
        assert ticketing.issue_ticket(1, 1).ticket.display_number == "1003"
        called = ticketing.call_next(1)
        assert called.ticket.display_number == "1002"


def test_upgrade_twice_changes_nothing(v1_url):
    """A second start does not re-run steps: the history is 1, 2, 3 once each."""
    migrations.upgrade()
    migrations.upgrade()
    with models.connection():
        versions = [v.version for v in models.SchemaVersion.select().order_by(models.SchemaVersion.id)]
    assert versions == [1, *range(2, models.SCHEMA_VERSION + 1)]


def test_newer_schema_is_refused(v1_url):
    """Old code never runs on a database a newer release already upgraded."""
    migrations.upgrade()
    with models.connection():
        models.SchemaVersion.create(version=models.SCHEMA_VERSION + 1)
    with pytest.raises(RuntimeError, match="newer than this code"):
        migrations.upgrade()


def test_fresh_database_is_created_at_current_version(tmp_path):
    """An empty database gets every table at once and one version row."""
    models.db.initialize(models.make_database(f"sqlite:///{tmp_path / 'new.db'}"))
    migrations.upgrade()
    with models.connection():
        assert [v.version for v in models.SchemaVersion.select()] == [models.SCHEMA_VERSION]
        assert "code" in {c.name for c in models.db.get_columns("office")}


def test_processes_starting_together_upgrade_once(pg_url):
    """Eight threads (own connections) upgrading one PostgreSQL v1 database at once: one upgrade, no error."""
    models.db.initialize(models.make_database(pg_url))
    ddl = (HERE / "schema_v1.postgres.sql").read_text().split("\n", 1)[1]
    with models.connection(), models.db.atomic():
        for statement in filter(str.strip, ddl.split(";\n")):
            models.db.execute_sql(statement)
        models.db.execute_sql("INSERT INTO schema_version (version, applied_at) VALUES (1, now())")
    errors, barrier = [], threading.Barrier(8)

    def run():
        """Upgrade once the others are ready."""
        try:
            barrier.wait(timeout=10)
            migrations.upgrade()
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    with models.connection():
        assert sorted(v.version for v in models.SchemaVersion.select()) == [1, *range(2, models.SCHEMA_VERSION + 1)]
