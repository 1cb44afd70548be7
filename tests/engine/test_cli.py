"""CLI: init-db, create-admin, seed-demo, backup (SQLite online backup)."""

import sqlite3

import models
from conftest import make_ticket


def run(app, *args, input=None):
    """Invoke a CLI command of the app."""
    return app.test_cli_runner().invoke(args=list(args), input=input)


def test_seed_demo_creates_the_demo_office_and_pairing_links(app, tmp_path):
    result = run(app, "seed-demo")
    assert result.exit_code == 0, result.output
    assert models.Field.select().count() == 11
    assert models.Counter.select().count() == 4
    assert models.Device.select().where(models.Device.kind == "tablet").count() == 4
    assert "/pair/" in result.output and "canbo1" in result.output


def test_seed_demo_refuses_a_database_with_an_office(app, office):
    result = run(app, "seed-demo")
    assert result.exit_code != 0 and "already has an office" in result.output


def test_create_admin_makes_a_login_that_works(app, client):
    result = run(app, "create-admin", "--username", "quantri", "--password", "Mk-123456",
                  "--office-name", "UBND xã Thanh Xương")
    assert result.exit_code == 0, result.output
    response = client.post("/api/session", json={"username": "quantri", "password": "Mk-123456"})
    assert response.status_code == 200 and response.get_json()["user"]["role"] == "admin"


def test_backup_copies_every_ticket(app, office, tmp_path):
    make_ticket(office.f1)
    make_ticket(office.f2)
    target = tmp_path / "backup.db"
    result = run(app, "backup", str(target))
    assert result.exit_code == 0, result.output
    with sqlite3.connect(target) as conn:
        assert sorted(r[0] for r in conn.execute("SELECT display_number FROM ticket")) == ["1001", "2001"]


def test_init_db_is_idempotent(app):
    assert run(app, "init-db").exit_code == 0
    assert run(app, "init-db").exit_code == 0
    assert models.SchemaVersion.select().count() >= 1
