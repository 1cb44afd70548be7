"""Database-care room: durable SQLite connections, integrity checks, files created private.

Every SQLite connection the program opens (the pool in ``models.make_database``, backups and
restores here) runs with the same pragmas: WAL with ``synchronous=FULL``, so a commit the server
answered is on disk before the answer leaves (in WAL with NORMAL, a power cut can roll back the
last commits: a printed number would be issued again). ``check`` runs at start-up and before a
backup is kept or restored; a damaged database is refused with a message saying what to do.
"""

from __future__ import annotations

import contextlib
import os
import pathlib
import sqlite3
from urllib.parse import urlparse

# One list for every connection: models.make_database reads it too.
SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "synchronous": "full",
    "busy_timeout": 30000,
    "foreign_keys": 1,
    "cache_size": -16000,
}
PRIVATE_UMASK = 0o077  # directories 0700, files 0600: the database holds citizens' details


class DatabaseDamaged(Exception):
    """The database file fails SQLite's integrity check (or is not a database at all)."""


def sqlite_path(url: str) -> pathlib.Path | None:
    """The file of a sqlite:/// URL (None for PostgreSQL)."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        return pathlib.Path(url[len("sqlite:///"):])
    if parsed.scheme == "":
        return pathlib.Path(url)
    return None


def private_files() -> int:
    """Make every file and directory this process creates private to its user; returns the old umask."""
    return os.umask(PRIVATE_UMASK)


def apply_pragmas(conn: sqlite3.Connection) -> sqlite3.Connection:
    """Run the durable pragmas on a raw sqlite3 connection (as the pool does on each of its own)."""
    for name, value in SQLITE_PRAGMAS.items():
        conn.execute(f"PRAGMA {name} = {value}")
    return conn


@contextlib.contextmanager
def open_sqlite(path, readonly: bool = False):
    """A raw sqlite3 connection with the durable pragmas (read-only: no pragma that writes)."""
    if readonly:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    else:
        conn = apply_pragmas(sqlite3.connect(str(path), timeout=30))
    try:
        yield conn
    finally:
        conn.close()


def integrity(path, full: bool = False) -> list[str]:
    """Problems SQLite finds in the file (empty when it is sound). ``full``: integrity_check, else quick_check."""
    path = pathlib.Path(path)
    if not path.exists():
        return []
    try:
        # A plain connection (no pragmas, nothing written): read-only URIs cannot open a WAL file whose
        # -shm is missing, which is exactly the state after a crash.
        conn = sqlite3.connect(str(path), timeout=30)
        try:
            rows = conn.execute(f"PRAGMA {'integrity_check' if full else 'quick_check'}").fetchall()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    problems = [row[0] for row in rows]
    return [] if problems == ["ok"] else problems


def check(url: str, full: bool = False) -> None:
    """Refuse a damaged SQLite database with a message that says what to do; PostgreSQL checks itself."""
    path = sqlite_path(url)
    if path is None:
        return
    problems = integrity(path, full)
    if problems:
        raise DatabaseDamaged(
            f"Cơ sở dữ liệu {path} bị hỏng, máy chủ không phục vụ để tránh làm hỏng thêm dữ liệu.\n"
            f"The database {path} is damaged; the server refuses to serve it rather than damage it further.\n"
            f"SQLite: {'; '.join(problems[:5])}\n"
            "Khôi phục bản sao lưu gần nhất / restore the latest backup:\n"
            "  .venv/bin/python server.py restore INSTANCE_DIR/backups/<file>.db"
        )


def pragma_values(conn) -> dict:
    """The durability settings a connection actually runs with (journal mode, synchronous level)."""
    journal = conn.execute("PRAGMA journal_mode").fetchone()[0]
    level = conn.execute("PRAGMA synchronous").fetchone()[0]
    return {"journal_mode": journal, "synchronous": {0: "off", 1: "normal", 2: "full", 3: "extra"}.get(level, level)}
