"""Go-live room tests: durable commits (WAL + synchronous=FULL on every connection), a crash under
load loses no answered ticket and repeats no number, and a damaged database is refused at start."""

from __future__ import annotations

import pathlib
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time

import pytest
import requests

import dbcheck
import models
from tests.conftest import MONITOR_HEADERS, ROOT, LiveServer


def test_every_pooled_connection_is_durable(tmp_path):
    """Eight threads, each with its own pooled connection: all run WAL with synchronous=FULL."""
    models.db.initialize(models.make_database(f"sqlite:///{tmp_path / 'd.db'}"))
    seen, barrier = [], threading.Barrier(8)

    def work():
        """Open this thread's connection and read its pragmas while the others hold theirs."""
        with models.connection():
            barrier.wait(timeout=10)
            seen.append(dbcheck.pragma_values(models.db.connection()))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    models.db.obj.close_all()
    assert seen == [{"journal_mode": "wal", "synchronous": "full"}] * 8


def test_no_sqlite_connection_bypasses_the_durable_pragmas():
    """Program code opens SQLite only through dbcheck (which applies the pragmas) or the pool."""
    offenders = []
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in (".venv", "tests", "bench") or relative.name in ("dbcheck.py", "sqlite_to_pg.py"):
            continue
        if re.search(r"sqlite3\.connect\(", path.read_text()):
            offenders.append(str(relative))
    assert offenders == []


@pytest.fixture
def live_office_db(live_office):
    """The standard test office in a SQLite file, its pooled connections closed (servers open their own)."""
    models.db.obj.close_all()
    return live_office


@pytest.mark.slow
def test_the_running_server_commits_durably(live_office_db, live_server_factory):
    """The real server's own connections report WAL + FULL (its health details, read as the monitor)."""
    url, _bag = live_office_db
    srv = live_server_factory(db_url=url, env={"BACKGROUND_TASKS": "0"})
    for _ in range(5):
        body = requests.get(srv.url + "/api/health", headers=MONITOR_HEADERS, timeout=10).json()
        assert (body["database"]["journal_mode"], body["database"]["synchronous"]) == ("wal", "full")


@pytest.mark.slow
def test_sigkill_under_load_loses_no_answered_ticket(live_office_db, tmp_path):
    """Kiosk threads issue tickets; the server is killed mid-load. After a restart every ticket whose 201
    the kiosk saw is there, with its number, and no number of a field is ever given twice."""
    url, bag = live_office_db
    srv = LiveServer(url, tmp_path / "instance", {"BACKGROUND_TASKS": "0"}).start()
    answered, stop = [], threading.Event()

    def kiosk(username, field_id):
        """Issue tickets until stopped (or 200 each); keep what the server confirmed.

        Staff issue on a citizen's behalf here: a kiosk token's own issue rate is limited (issue 13 row 4).
        """
        session = srv.session(username)
        for _ in range(200):
            if stop.is_set():
                return
            try:
                response = session.post(srv.url + "/api/tickets", json={"field": field_id}, timeout=5)
            except requests.RequestException:
                return
            if response.status_code == 201:
                body = response.json()
                answered.append((body["ticket"]["id"], field_id, body["number"]))

    threads = [threading.Thread(target=kiosk, args=args) for args in
               (("canbo1", bag.f1.id), ("canbo2", bag.f2.id), ("admin1", bag.f1.id), ("lanhdao1", bag.f2.id))]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 60
    while len(answered) < 60 and time.monotonic() < deadline:  # well into the load, then the power cut
        time.sleep(0.01)
    srv.stop(signal.SIGKILL)
    stop.set()
    for t in threads:
        t.join(timeout=30)
    assert len(answered) >= 60
    assert dbcheck.integrity(pathlib.Path(url[len("sqlite:///"):]), full=True) == []
    srv = LiveServer(url, tmp_path / "instance", {"BACKGROUND_TASKS": "0"}).start()
    try:
        models.db.initialize(models.make_database(url))
        with models.connection():
            stored = {t.id: (t.field_id, t.display_number) for t in models.Ticket.select()}
            numbers = [(t.issued_field_id, t.number) for t in models.Ticket.select()]
        models.db.obj.close_all()
        for ticket_id, field_id, number in answered:
            assert stored.get(ticket_id) == (field_id, number)
        assert len(numbers) == len(set(numbers))
        after = srv.session("canbo1").post(srv.url + "/api/tickets", json={"field": bag.f1.id}, timeout=10).json()["number"]
        assert after not in {n for _, f, n in answered if f == bag.f1.id}
    finally:
        srv.stop()


def _damage(path: pathlib.Path) -> None:
    """Overwrite the middle of a database file with noise (a disk that lost pages)."""
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode = delete")  # one file: what is damaged is the database itself
    data = bytearray(path.read_bytes())
    page = 4096
    for start in range(2 * page, len(data) - page, 3 * page):
        data[start + 100:start + 900] = bytes((i * 37) % 251 for i in range(800))
    path.write_bytes(bytes(data))


def test_integrity_check_finds_damage(live_office_db):
    """The check the server runs at start finds noise in a database's pages."""
    url, _bag = live_office_db
    path = pathlib.Path(url[len("sqlite:///"):])
    assert dbcheck.integrity(path) == []
    _damage(path)
    assert dbcheck.integrity(path) != []
    with pytest.raises(dbcheck.DatabaseDamaged, match="restore"):
        dbcheck.check(url)


@pytest.mark.slow
def test_server_refuses_to_serve_a_damaged_database(live_office_db, tmp_path):
    """Started on a damaged file, the server says so, names the restore command and exits (code 3)."""
    url, _bag = live_office_db
    _damage(pathlib.Path(url[len("sqlite:///"):]))
    srv = LiveServer(url, tmp_path / "instance", {"BACKGROUND_TASKS": "0"})
    srv.instance_dir.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([sys.executable, str(ROOT / "server.py"), "--no-demo"], cwd=ROOT, env=srv.env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 3
    assert "bị hỏng" in done.stderr and "server.py restore" in done.stderr
    with pytest.raises(requests.RequestException):
        requests.get(srv.url + "/api/health", timeout=1)
