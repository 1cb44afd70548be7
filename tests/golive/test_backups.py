"""Go-live room tests: the server's own daily backup is taken at its time, verified, listed in the
admin, downloadable, and ``server.py restore`` puts it back (refusing while the server runs); a
failed backup raises an alert on the monitor."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import subprocess
import sys
import time
import zoneinfo

import pytest

import backups
import migrations
import models
import realtime
from tests.conftest import ROOT, LiveServer, make_ticket, seed_test_office

TABLES = ("office", "field", "counter", "user", "device", "ticket", "ticket_event", "rating")


def _dump(path) -> dict:
    """Every row of the tables that matter, as plain tuples."""
    with sqlite3.connect(path) as conn:
        return {t: conn.execute(f'SELECT * FROM "{t}" ORDER BY id').fetchall() for t in TABLES}


@pytest.mark.slow
def test_scheduled_backup_is_taken_verified_listed_and_restored(tmp_path):
    """BACKUP_TIME a few seconds ahead: the backup appears, verified and 0600; the admin lists and serves it;
    after more tickets, ``server.py restore`` (refused while serving) brings the database back to it."""
    db = tmp_path / "live.db"
    url = f"sqlite:///{db}"
    models.db.initialize(models.make_database(url))
    migrations.upgrade()
    with models.connection():
        bag = seed_test_office()
        for _ in range(3):
            make_ticket(bag.f1)
    models.db.obj.close_all()
    due = dt.datetime.now(zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")) + dt.timedelta(seconds=4)
    instance = tmp_path / "instance"
    srv = LiveServer(url, instance, {"BACKUP_TIME": due.strftime("%H:%M:%S")}).start()
    folder = instance / "backups"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (folder / "last-backup.json").exists():
            time.sleep(0.2)
        result = json.loads((folder / "last-backup.json").read_text())
        assert result["ok"] is True and result["tickets"] == 3, result
        taken = folder / result["file"]
        assert oct(taken.stat().st_mode & 0o777) == "0o600"
        assert oct(folder.stat().st_mode & 0o777) == "0o700"
        with sqlite3.connect(taken) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        at_backup = _dump(taken)

        admin = srv.session("admin1")
        page = admin.get(srv.url + "/admin/system", timeout=10)
        assert page.status_code == 200 and result["file"] in page.text and "Lần cuối: thành công" in page.text
        download = admin.get(srv.url + f"/admin/system/backups/{result['file']}", timeout=10)
        assert download.status_code == 200 and download.content == taken.read_bytes()
        assert srv.session("lanhdao1").get(srv.url + f"/admin/system/backups/{result['file']}", timeout=10).status_code == 403

        admin.post(srv.url + "/api/tickets", json={"field": bag.f1.id}, timeout=10).raise_for_status()
        refused = subprocess.run([sys.executable, "server.py", "restore", str(taken)], cwd=ROOT, env=srv.env,
                                 capture_output=True, text=True, timeout=60)
        assert refused.returncode != 0 and "đang chạy" in refused.stderr
    finally:
        srv.stop()
    assert len(_dump(db)["ticket"]) == 4
    done = subprocess.run([sys.executable, "server.py", "restore", str(taken)], cwd=ROOT, env=srv.env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert _dump(db) == at_backup
    assert oct(db.stat().st_mode & 0o777) == "0o600"
    kept = list(instance.parent.glob("replaced-*/live.db"))
    assert len(kept) == 1 and len(_dump(kept[0])["ticket"]) == 4


def test_retention_keeps_the_newest(tmp_path, app):
    """Only BACKUP_KEEP backups stay; the oldest go first."""
    config = dict(app.config, BACKUP_DIR=str(tmp_path / "b"), BACKUP_KEEP=2)
    names = []
    for minute in range(4):
        result = backups.take(config, now=dt.datetime(2026, 3, 2, 5, minute, tzinfo=dt.timezone.utc))
        assert result["ok"], result
        names.append(result["file"])
    assert [row["name"] for row in backups.listing(config)] == names[:1:-1]


def test_next_run_is_today_or_tomorrow_at_backup_time():
    """The due time is the next BACKUP_TIME in the offices' zone."""
    config = {"BACKUP_TIME": "12:30"}
    morning = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.timezone.utc)  # 08:00 in Hà Nội
    evening = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.timezone.utc)  # 17:00
    assert backups.next_run(config, morning).strftime("%d %H:%M") == "02 12:30"
    assert backups.next_run(config, evening).strftime("%d %H:%M") == "03 12:30"


def test_a_failed_backup_alerts_the_monitor(app, office, tmp_path):
    """A backup that cannot be written is recorded as failed and every staff screen gets an error alert."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    config = dict(app.config, BACKUP_DIR=str(blocker / "backups"))
    flask_client = app.test_client()
    flask_client.post("/api/session", json={"username": "admin1", "password": "mat-khau-thu-123"})
    sock = realtime.socketio.test_client(app, flask_test_client=flask_client)
    try:
        sock.get_received()
        result = backups.take(config)
        assert result["ok"] is False and "thất bại" in result["message"]
        backups.alert_failure(result)
        alerts = []
        for message in sock.get_received():  # an "alert" event, or the "alerts" of an update (protocol v2)
            body = message["args"][0] if message["args"] else {}
            if message["name"] == "alert":
                alerts.append(body)
            elif isinstance(body, dict):
                alerts.extend(body.get("alerts") or [])
        assert [(a["kind"], a["level"]) for a in alerts] == [("backup_failed", "error")]
    finally:
        sock.disconnect()


def test_restore_refuses_what_is_not_a_motcua_backup(app, tmp_path):
    """A damaged or foreign file is refused before anything is moved."""
    foreign = tmp_path / "foreign.db"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE t (x)")
    with pytest.raises(backups.BackupError, match="motcua"):
        backups.restore(app.config, str(foreign))
    (tmp_path / "junk.db").write_bytes(b"not a database at all" * 100)
    with pytest.raises(backups.BackupError):
        backups.restore(app.config, str(tmp_path / "junk.db"))


def test_postgres_installs_are_told_to_use_pg_dump(pg_url, tmp_path):
    """On PostgreSQL the server takes no backup and the status says pg_dump."""
    from tests.conftest import make_app
    from system import status

    app = make_app(pg_url, tmp_path)
    assert "pg_dump" in backups.take(app.config)["message"]
    with app.app_context(), models.connection():
        assert "pg_dump" in status.system(app.config)["backups"]["message"]
    models.db.obj.close_all()


def test_two_backups_in_one_second_both_succeed(tmp_path, app):
    """A backup by hand in the same second as another gets its own name (the first is never overwritten)."""
    config = dict(app.config, BACKUP_DIR=str(tmp_path / "b"))
    now = dt.datetime(2026, 3, 2, 5, 30, tzinfo=dt.timezone.utc)
    first, second = backups.take(config, now=now), backups.take(config, now=now)
    assert first["ok"] and second["ok"], (first, second)
    assert (first["file"], second["file"]) == ("motcua-20260302-123000.db", "motcua-20260302-123000-1.db")
    assert {row["name"] for row in backups.listing(config)} == {first["file"], second["file"]}
