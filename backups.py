"""Backup room: the server's own daily online backups, their verification and the restore command.

SQLite only: PostgreSQL installs back up with ``pg_dump`` (docs/DEPLOY.md), and the admin's system
page says so. Each backup is SQLite's online backup (safe while serving), written into
``BACKUP_DIR`` as ``motcua-YYYYMMDD-HHMMSS.db`` with mode 0600, then checked with
``PRAGMA integrity_check``; only the newest ``BACKUP_KEEP`` are kept. The outcome of the last run
(good or bad) is kept in ``BACKUP_DIR/last-backup.json`` for the system page; a failure raises an
alert on every staff screen. ``restore`` refuses while a server holds the instance lock.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import logging
import os
import pathlib
import re
import shutil
import sys
import threading
import zoneinfo

import dbcheck
import models

log = logging.getLogger(__name__)

NAME = re.compile(r"^motcua-\d{8}-\d{6}(-\d{1,3})?\.db$")
SERVER_LOCK = "server.lock"


class BackupError(Exception):
    """A backup or restore that could not be done; the message says why and what to do."""


def backup_dir(config) -> pathlib.Path:
    """Where backups go: the BACKUP_DIR setting, else INSTANCE_DIR/backups."""
    return pathlib.Path(config.get("BACKUP_DIR") or pathlib.Path(config["INSTANCE_DIR"]) / "backups")


def _tz(config) -> zoneinfo.ZoneInfo:
    """The zone BACKUP_TIME is read in (the offices' zone)."""
    return zoneinfo.ZoneInfo(config.get("BACKUP_TZ") or "Asia/Ho_Chi_Minh")


def parse_time(text: str) -> dt.time:
    """BACKUP_TIME as HH:MM or HH:MM:SS."""
    return dt.time.fromisoformat(text)


def next_run(config, now: dt.datetime) -> dt.datetime:
    """The next moment (aware) the daily backup is due after ``now`` (aware)."""
    local = now.astimezone(_tz(config))
    due = dt.datetime.combine(local.date(), parse_time(config.get("BACKUP_TIME") or "12:30"), tzinfo=local.tzinfo)
    if due <= local:
        due += dt.timedelta(days=1)
    return due


def listing(config) -> list[dict]:
    """The backups on disk, newest first: name, size, time taken."""
    folder = backup_dir(config)
    if not folder.is_dir():
        return []
    rows = []
    for path in folder.iterdir():
        if NAME.match(path.name):
            stat = path.stat()
            rows.append({"name": path.name, "size": stat.st_size,
                         "taken_at": dt.datetime.fromtimestamp(stat.st_mtime, dt.timezone.utc)})
    return sorted(rows, key=lambda r: r["name"], reverse=True)


def last_result(config) -> dict | None:
    """The outcome of the last backup run (None when none ran yet)."""
    path = backup_dir(config) / "last-backup.json"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _record(config, result: dict) -> None:
    """Keep the outcome of this run for the system page (written whole, then renamed)."""
    folder = backup_dir(config)
    tmp = folder / ".last-backup.json.tmp"
    tmp.write_text(json.dumps(result, ensure_ascii=False))
    os.replace(tmp, folder / "last-backup.json")


def copy_database(source: pathlib.Path, target: pathlib.Path) -> None:
    """SQLite's online backup of ``source`` into a new private file ``target`` (readers and writers go on)."""
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    with dbcheck.open_sqlite(source) as src, dbcheck.open_sqlite(target) as dest:
        # A few hundred pages at a time: writers get the database between steps.
        src.backup(dest, pages=256)
        dest.execute("PRAGMA journal_mode = delete")  # one self-contained file, no -wal beside it


def take(config, now: dt.datetime | None = None) -> dict:
    """Take, verify and rotate one backup now; returns the result (also recorded). Never raises."""
    now = now or dt.datetime.now(dt.timezone.utc)
    result = {"at": now.isoformat(timespec="seconds"), "ok": False, "file": None, "size": 0, "message": ""}
    source = dbcheck.sqlite_path(config["DATABASE_URL"])
    if source is None:
        result["message"] = "PostgreSQL: sao lưu bằng pg_dump (xem docs/DEPLOY.md) / back up with pg_dump."
        return result
    folder = backup_dir(config)
    stem = f"motcua-{now.astimezone(_tz(config)):%Y%m%d-%H%M%S}"
    target = folder / f"{stem}.db"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        for n in range(1, 1000):  # two backups in one second (by hand, beside the daily one) get -1, -2...
            if not target.exists():
                break
            target = folder / f"{stem}-{n}.db"
        _run_blocking(copy_database, source, target)
        problems = dbcheck.integrity(target, full=True)
        if problems:
            raise BackupError(f"bản sao lưu không đạt kiểm tra toàn vẹn / failed its integrity check: {problems[:3]}")
        with dbcheck.open_sqlite(target, readonly=True) as conn:
            tickets = conn.execute("SELECT COUNT(*) FROM ticket").fetchone()[0]
        result.update(ok=True, file=target.name, size=target.stat().st_size, tickets=tickets,
                      message=f"Đã sao lưu và kiểm tra / backed up and verified ({tickets} tickets)")
        prune(config)
    except Exception as exc:  # noqa: BLE001 - any failure is reported on the monitor, never kills the loop
        log.exception("Backup failed")
        try:
            target.unlink(missing_ok=True)  # no half-written copy left to be mistaken for a backup
        except OSError:
            pass  # the folder itself is what failed
        result["message"] = f"Sao lưu thất bại / backup failed: {exc}"
    try:
        _record(config, result)
    except OSError:
        log.exception("Could not record the backup result")
    return result


def _run_blocking(fn, *args):
    """Run ``fn`` in a native thread under eventlet (SQLite's backup would stop every request meanwhile)."""
    eventlet = sys.modules.get("eventlet")  # never imported here: only the served process has it
    if eventlet is not None:
        from eventlet import patcher, tpool

        if patcher.is_monkey_patched("thread"):
            return tpool.execute(fn, *args)
    return fn(*args)


def prune(config) -> list[str]:
    """Delete the oldest backups beyond BACKUP_KEEP; returns the names removed."""
    keep = int(config.get("BACKUP_KEEP", 14))
    removed = []
    for row in listing(config)[keep:]:
        (backup_dir(config) / row["name"]).unlink(missing_ok=True)
        removed.append(row["name"])
    return removed


def alert_failure(result: dict) -> None:
    """Tell every office's staff screens that the backup failed (the monitor shows it)."""
    import realtime

    with models.connection():
        for office in models.Office.select(models.Office.id):
            realtime.alert(office.id, "backup_failed", result["message"], level="error")


def backup_loop(app, stop=None) -> None:
    """Background task: take the daily backup at BACKUP_TIME; alert on the monitor when one fails."""
    stop = stop or threading.Event()
    config = app.config
    if not config.get("BACKUP_ENABLED", True) or dbcheck.sqlite_path(config["DATABASE_URL"]) is None:
        return
    while not stop.is_set():
        due = next_run(config, dt.datetime.now(dt.timezone.utc))
        # Wait in short steps: a clock changed by NTP or by hand moves the due time with it.
        while not stop.is_set() and dt.datetime.now(dt.timezone.utc) < due:
            remaining = (due - dt.datetime.now(dt.timezone.utc)).total_seconds()
            stop.wait(max(0.05, min(remaining, 30)))
        if stop.is_set():
            return
        result = take(config)
        log.info("Backup: %s", result["message"])
        if not result["ok"]:
            try:
                with app.app_context():
                    alert_failure(result)
            except Exception:  # noqa: BLE001 - the failure is already logged and recorded
                log.exception("Could not send the backup alert")


# --------------------------------------------------------------------------- the server lock and restore


def hold_server_lock(instance_dir) -> object:
    """Taken (shared) by every serving process for its lifetime: ``restore`` needs it exclusively."""
    path = pathlib.Path(instance_dir) / SERVER_LOCK
    handle = open(path, "a")  # noqa: SIM115 - held open for the life of the process
    fcntl.flock(handle, fcntl.LOCK_SH)
    return handle


def restore(config, source: str, now: dt.datetime | None = None) -> pathlib.Path:
    """Replace the SQLite database by backup ``source``; the replaced files go aside. Returns where."""
    target = dbcheck.sqlite_path(config["DATABASE_URL"])
    if target is None:
        raise BackupError("PostgreSQL: khôi phục bằng pg_restore (docs/DEPLOY.md) / restore with pg_restore.")
    source = pathlib.Path(source)
    if not source.is_file():
        raise BackupError(f"Không tìm thấy tệp / no such file: {source}")
    problems = dbcheck.integrity(source, full=True)
    if problems:
        raise BackupError(f"{source} không phải bản sao lưu hợp lệ / is not a sound backup: {problems[:3]}")
    with dbcheck.open_sqlite(source, readonly=True) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "office" not in tables or "ticket" not in tables:
        raise BackupError(f"{source} không phải cơ sở dữ liệu motcua / is not a motcua database")
    instance = pathlib.Path(config["INSTANCE_DIR"])
    instance.mkdir(mode=0o700, parents=True, exist_ok=True)
    lock = open(instance / SERVER_LOCK, "a")  # noqa: SIM115 - closed below
    try:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BackupError("Máy chủ đang chạy: hãy dừng trước khi khôi phục (systemctl stop motcua) / "
                              "the server is running: stop it before restoring.") from None
        now = now or dt.datetime.now(dt.timezone.utc)
        aside = target.parent / f"replaced-{now.astimezone(_tz(config)):%Y%m%d-%H%M%S}"
        aside.mkdir(mode=0o700, parents=True, exist_ok=False)
        for suffix in ("", "-wal", "-shm"):
            current = target.with_name(target.name + suffix)
            if current.exists():
                shutil.move(str(current), aside / current.name)
        copy_database(source, target)
        problems = dbcheck.integrity(target, full=True)
        if problems:
            raise BackupError(f"bản khôi phục không đạt kiểm tra / restored copy failed its check: {problems[:3]}")
        return aside
    finally:
        lock.close()
