"""Go-live room tests: every CLI command line in README.md and docs/DEPLOY.md runs as typed.

Each line is read from the documents (never copied here), run with bash as a subprocess from a
scratch folder that holds the checkout (symlinks to its files, ``.venv`` included), with
``INSTANCE_DIR``/``DATABASE_URL`` pointing at a scratch instance. What a line says about the
machine it runs on is mapped to the scratch instance: a leading ``cd /opt/motcua &&``, ``sudo -u
motcua`` and ``INSTANCE_DIR=...`` are dropped and ``/var/lib/motcua`` becomes the scratch instance.
Then the command's effect is checked: an admin who can log in, a backup that opens, ...
"""

from __future__ import annotations

import os
import pathlib
import re
import socket
import sqlite3
import subprocess
import threading

import pytest

import models
from tests.conftest import ROOT, make_app

COMMANDS = ("init-db", "create-admin", "seed-demo", "backup", "restore", "check-db", "print-test")
LINE = re.compile(r"\.venv/bin/python server\.py (" + "|".join(COMMANDS) + r")\b[^\n#`]*")
DOCS = ("README.md", "docs/DEPLOY.md")
PASSWORD = "Mk-thanh-xuong 2026"  # with a space: kept as typed, by the CLI and at login


def documented() -> list[tuple[str, str, str]]:
    """(document, command name, command line as written) for every CLI line in the documents."""
    found = []
    for doc in DOCS:
        for match in LINE.finditer((ROOT / doc).read_text()):
            found.append((doc, match.group(1), match.group(0).strip()))
    return found


def test_the_documents_name_every_command():
    """README documents every command, and DEPLOY at least the go-live ones (create-admin, backup, restore)."""
    readme = {name for doc, name, _ in documented() if doc == "README.md"}
    deploy = {name for doc, name, _ in documented() if doc == "docs/DEPLOY.md"}
    assert readme == set(COMMANDS)
    assert {"create-admin", "backup", "restore"} <= deploy


class FakeNetworkPrinter:
    """A TCP port 9100-style printer on loopback: accepts connections and keeps the bytes."""

    def __init__(self):
        """Listen on a free loopback port, serving in a thread."""
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.data = bytearray()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        """Take connections until closed; answer status queries with "online, paper ok" (zero bytes)."""
        self.sock.settimeout(60)
        try:
            while True:
                conn, _ = self.sock.accept()
                with conn:
                    conn.settimeout(10)
                    while chunk := conn.recv(65536):
                        self.data += chunk
                        conn.sendall(b"\x12" * chunk.count(b"\x10\x04"))  # DLE EOT n: "online, paper ok"
        except OSError:
            return

    def received(self) -> bytes:
        """What the printer received so far."""
        self.sock.close()
        return bytes(self.data)


class Scratch:
    """A scratch folder and instance where documented lines run."""

    def __init__(self, tmp_path: pathlib.Path):
        """Link the program into a scratch working folder; the instance lives beside it."""
        self.cwd = tmp_path / "work"
        self.cwd.mkdir()
        # The checkout as the commands see it from their folder (Python looks for modules beside the
        # script as named, not where a symlink points), with a fresh place for relative file names.
        for entry in ROOT.iterdir():
            if entry.name not in ("instance", ".git", "tests") and not entry.name.endswith(".db"):
                (self.cwd / entry.name).symlink_to(entry)
        self.instance = tmp_path / "instance"
        self.db = self.instance / "motcua.db"
        self.env = dict(os.environ, INSTANCE_DIR=str(self.instance), DATABASE_URL=f"sqlite:///{self.db}",
                        PRINTER="none", LOG_LEVEL="WARNING")
        self.env.pop("PYTHONPATH", None)

    def run(self, line: str, stdin: str = "", env: dict | None = None) -> subprocess.CompletedProcess:
        """Run one documented line with bash, mapped to this scratch instance."""
        line = line.replace("/var/lib/motcua", str(self.instance))
        done = subprocess.run(["bash", "-c", line], cwd=self.cwd, env=dict(self.env, **(env or {})), input=stdin,
                              capture_output=True, text=True, timeout=120, start_new_session=True)
        return done

    def seed_demo(self) -> None:
        """The demo office, made by the program's own command."""
        done = self.run(".venv/bin/python server.py seed-demo")
        assert done.returncode == 0, done.stderr


def _rows(db: pathlib.Path, sql: str) -> list:
    """Rows of a query on a database file."""
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def _check(name: str, scratch: Scratch, line: str, tmp_path: pathlib.Path) -> None:
    """Run ``line`` (command ``name``) on a prepared scratch instance and check what it did."""
    if name in ("backup", "restore"):
        scratch.seed_demo()
    if name == "restore":
        backup_file = scratch.cwd / "prepared-backup.db"
        done = scratch.run(f".venv/bin/python server.py backup {backup_file}")
        assert done.returncode == 0, done.stderr
        # The documented source path holds that backup; afterwards the live database changes.
        source = pathlib.Path(line.split("restore", 1)[1].split()[0].replace("/var/lib/motcua", str(scratch.instance)))
        source = source if source.is_absolute() else scratch.cwd / source
        source.parent.mkdir(parents=True, exist_ok=True)
        if source != backup_file:
            source.write_bytes(backup_file.read_bytes())
        with sqlite3.connect(scratch.db) as conn:
            conn.execute("DELETE FROM procedure")
    stdin = f"{PASSWORD}\n{PASSWORD}\n" if name == "create-admin" and "--password" not in line else ""
    env, printer = None, None
    if name == "print-test":  # a network receipt printer on loopback that keeps what it receives
        printer = FakeNetworkPrinter()
        env = {"PRINTER": f"network://127.0.0.1:{printer.port}", "PRINTER_TIMEOUT": "5"}
    done = scratch.run(line, stdin=stdin, env=env)
    assert done.returncode == 0, f"{line}\n{done.stdout}\n{done.stderr}"
    if name == "init-db":
        assert _rows(scratch.db, "SELECT MAX(version) FROM schema_version") == [(models.SCHEMA_VERSION,)]
    elif name == "create-admin":
        username = re.search(r"--username (\S+)", line).group(1)
        office = re.search(r'--office-name "([^"]+)"', line).group(1)
        assert _rows(scratch.db, "SELECT name FROM office") == [(office,)]
        client = make_app(f"sqlite:///{scratch.db}", tmp_path).test_client()
        response = client.post("/api/session", json={"username": username, "password": PASSWORD})
        assert response.status_code == 200 and response.get_json()["user"]["role"] == "admin"
    elif name == "seed-demo":
        assert _rows(scratch.db, "SELECT COUNT(*) FROM field") == [(11,)]
        assert "/pair/" in done.stdout
    elif name == "backup":
        target = pathlib.Path(line.split("backup", 1)[1].split()[0].replace("/var/lib/motcua", str(scratch.instance)))
        target = target if target.is_absolute() else scratch.cwd / target
        assert _rows(target, "PRAGMA integrity_check") == [("ok",)]
        assert _rows(target, "SELECT COUNT(*) FROM field") == [(11,)]
        assert oct(target.stat().st_mode & 0o777) == "0o600"
    elif name == "restore":
        assert _rows(scratch.db, "SELECT COUNT(*) FROM procedure") == [(17,)]  # the demo's, back from the backup
        assert list(scratch.instance.glob("replaced-*/motcua.db"))
    elif name == "check-db":
        assert "Database ok" in done.stdout
    elif name == "print-test":
        data = printer.received()
        page = data[data.index(b"\x1b@"):]  # after the status queries: ESC @, a raster image (GS v 0), a cut
        assert b"\x1dv0" in page and b"\x1dV" in page


@pytest.mark.slow
@pytest.mark.parametrize("doc, name, line", documented(), ids=lambda v: v if isinstance(v, str) else "")
def test_documented_command_runs_as_typed(tmp_path, doc, name, line):
    """The line as written works on a scratch instance and does what the document says."""
    _check(name, Scratch(tmp_path), line, tmp_path)
    if models.db.obj is not None and not models.db.is_closed():
        models.db.close()
