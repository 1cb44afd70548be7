"""Migrations room tests: a database made by the schema-version-4 release (frozen in v4.<dialect>.sql by
make_v4_fixture.py, with a day of tickets, ratings and settings) upgrades on SQLite and PostgreSQL and
keeps every row."""

from __future__ import annotations

import datetime as dt
import pathlib

import pytest

import migrations
import models
from tests.conftest import make_app

HERE = pathlib.Path(__file__).resolve().parent


def _load(dialect: str) -> None:
    """Run the frozen v4 fixture (DDL and rows) on the bound, empty database."""
    body = (HERE / f"v4.{dialect}.sql").read_text().split("\n", 1)[1]
    with models.connection(), models.db.atomic():
        for statement in filter(str.strip, body.split(";\n")):
            models.db.execute_sql(statement)


def _normal(value):
    """One stored value in a form both engines and both releases agree on."""
    if isinstance(value, memoryview):
        return bytes(value)
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _snapshot() -> dict[str, dict[str, list]]:
    """Every table's rows by column, read raw (no model in between), ordered by id."""
    tables = {}
    with models.connection():
        for table in models.db.get_tables():
            cursor = models.db.execute_sql(f'SELECT * FROM "{table}" ORDER BY id')
            names = [c[0] for c in cursor.description]
            rows = cursor.fetchall()
            tables[table] = {name: [_normal(row[i]) for row in rows] for i, name in enumerate(names)}
    return tables


@pytest.fixture(params=["sqlite", "postgres"])
def v4_db(request, tmp_path):
    """A database as the v4 release left it after a working day (SQLite file or fresh PostgreSQL)."""
    url = f"sqlite:///{tmp_path / 'v4.db'}" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    models.db.initialize(models.make_database(url))
    _load(request.param)
    yield url
    if not models.db.is_closed():
        models.db.close()


def test_fixture_is_the_v4_release_with_a_day_of_data(v4_db):
    """The fixture really is version 4 with tickets in every end state, ratings and changed settings."""
    with models.connection():
        assert migrations.current_version() == 4
        states = {row[0] for row in models.db.execute_sql("SELECT DISTINCT state FROM ticket").fetchall()}
        assert {"waiting", "called", "done", "no_show", "cancelled"} <= states
        assert models.db.execute_sql("SELECT COUNT(*) FROM rating").fetchone()[0] == 4


def test_every_row_survives_the_upgrade(v4_db):
    """Every row of every v4 table has the same values after the upgrade (columns added since are extra)."""
    before = _snapshot()
    migrations.upgrade()
    after = _snapshot()
    with models.connection():
        assert migrations.current_version() == models.SCHEMA_VERSION
    for table, columns in before.items():
        assert table in after, f"table {table} lost"
        for name, values in columns.items():
            assert name in after[table], f"column {table}.{name} lost"
            if table == "schema_version":
                continue  # the upgrade appends its history
            assert after[table][name] == values, f"{table}.{name} changed"


def test_upgraded_data_reads_through_todays_models(v4_db):
    """Tickets, ratings, settings and people read back through today's models as the v4 day left them."""
    migrations.upgrade()
    with models.connection():
        for model in models.ALL_MODELS:
            list(model.select())  # every row of every table converts to Python
        office = models.Office.get()
        assert (office.code, office.region, office.rating_levels, office.priority_ratio) == ("03268", "south", 5, 3)
        assert office.holidays == ["2026-04-30", "2026-05-01", "2026-09-02"]
        assert office.rating_reasons == ["Thái độ phục vụ", "Thời gian chờ lâu", "Khác"]
        assert bytes(office.logo).startswith(b"\x89PNG")
        assert models.Field.get(models.Field.code == "CT").daily_cap == 80
        assert models.Field.get(models.Field.code == "YT").active is False
        assert models.Ticket.select().count() == 16
        ratings = list(models.Rating.select().order_by(models.Rating.id))
        assert [r.level for r in ratings] == [3, 5, 4, 1]
        assert {r.ticket.state for r in ratings} == {"done"}
        assert ratings[1].comment == "Cán bộ hướng dẫn tận tình, chu đáo"
        moved = models.Ticket.get(models.Ticket.transfer_count == 1)
        assert moved.note == "Chuyển sang hộ tịch (ghi chú của cán bộ)"
        assert models.Device.get(models.Device.kind == "display").settings == {"counters": [1, 2], "fields": []}
        assert bytes(models.VoiceClip.get().data) == b"ID3\x03\x00fake-mp3-bytes"


def test_v4_staff_still_log_in_after_the_upgrade(v4_db, tmp_path):
    """The demo admin made by the v4 release logs in with its password once the app upgraded the database."""
    client = make_app(v4_db, tmp_path).test_client()
    response = client.post("/api/session", json={"username": "admin", "password": "motcua2026"})
    assert response.status_code == 200, response.get_json()
