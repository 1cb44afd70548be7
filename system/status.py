"""System room: what the status page and /api/health report, gathered from the database, the disk,
the backups and the screens' own reports of their clocks.

Screens post their clock every minute (heartbeat.js -> ``record_clock``); the offsets are kept on
the screen's Device row, so the status page of every server process shows every screen. A device is
"online now" when it was seen within ``ONLINE_S``; its clock is flagged when it differs from the
server's by more than ``CLOCK_SKEW_S``: wrong clocks break day rollover and waiting times.
"""

from __future__ import annotations

import datetime as dt
import os
import pathlib
import shutil
import subprocess
import time
import zoneinfo

import backups
import dbcheck
import migrations
import models
from models import Counter, Device, Office, PrinterStatus, utcnow

RELEASE = "1.0"
ONLINE_S = 150  # heartbeats come every 60 s; two missed ones mean the screen is gone
_VERSION: dict = {}


def version() -> str:
    """This program's release and, in a git checkout, its commit."""
    if "text" not in _VERSION:
        root = pathlib.Path(__file__).resolve().parent.parent
        commit = ""
        if (root / ".git").exists():
            try:
                commit = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True,
                                        text=True, timeout=5).stdout.strip()
            except (OSError, subprocess.SubprocessError):
                commit = ""
        _VERSION["text"] = f"{RELEASE} ({commit})" if commit else RELEASE
    return _VERSION["text"]


def record_clock(device_id: int, client_ms: int, tz_offset_min: int | None, now: dt.datetime | None = None) -> dict:
    """Keep a screen's report of its own clock; returns its offset from the server in seconds."""
    now = now or utcnow()
    server_ms = (now - dt.datetime(1970, 1, 1)).total_seconds() * 1000
    entry = {"offset_s": round((client_ms - server_ms) / 1000, 1), "tz_offset_min": tz_offset_min, "at": now}
    # One write a minute per screen; it also counts as the screen being seen.
    (Device.update(clock_offset_s=entry["offset_s"], clock_tz_min=tz_offset_min, clock_at=now, last_seen=now)
     .where(Device.id == device_id)
     .execute())
    return entry


def _database() -> dict:
    """Kind, size and durability of the database."""
    url = models.db.obj.database
    if models.is_sqlite():
        path = pathlib.Path(url)
        size = sum(p.stat().st_size for p in (path, path.with_name(path.name + "-wal")) if p.exists())
        pragmas = dbcheck.pragma_values(models.db.connection())
        return {"kind": "sqlite", "path": str(path), "size": size, **pragmas}
    size = models.db.execute_sql("SELECT pg_database_size(current_database())").fetchone()[0]
    return {"kind": "postgresql", "name": url, "size": int(size)}


def _disk(config) -> dict:
    """Free space on the volume of the database (SQLite) or the instance folder."""
    path = dbcheck.sqlite_path(config["DATABASE_URL"])
    folder = path.parent if path is not None else pathlib.Path(config["INSTANCE_DIR"])
    usage = shutil.disk_usage(folder)
    return {"path": str(folder), "total": usage.total, "free": usage.free,
            "used_percent": round(100 * (usage.total - usage.free) / usage.total, 1) if usage.total else 0}


def _backups(config) -> dict:
    """Backup settings, the last run and the files kept."""
    if dbcheck.sqlite_path(config["DATABASE_URL"]) is None:
        return {"kind": "postgresql", "enabled": False,
                "message": "PostgreSQL: máy chủ không tự sao lưu; dùng pg_dump hằng ngày (docs/DEPLOY.md, mục 3) / "
                           "back up with pg_dump daily."}
    files = backups.listing(config)
    return {"kind": "sqlite", "enabled": bool(config.get("BACKUP_ENABLED", True)), "time": config.get("BACKUP_TIME"),
            "dir": str(backups.backup_dir(config)), "keep": config.get("BACKUP_KEEP"), "last": backups.last_result(config),
            "files": [dict(f, taken_at=f["taken_at"].isoformat(timespec="seconds")) for f in files[:10]],
            "count": len(files)}


def _clock(config, office: Office | None) -> dict:
    """The server's clock: UTC, the office's local time, the machine's own zone."""
    now = utcnow()
    zone = office.timezone if office is not None else "Asia/Ho_Chi_Minh"
    local = now.replace(tzinfo=dt.timezone.utc).astimezone(zoneinfo.ZoneInfo(zone))
    return {"utc": now.isoformat(timespec="seconds") + "Z", "office_time": local.strftime("%H:%M:%S %d/%m/%Y"),
            "office_timezone": zone, "system_timezone": time.tzname[0] if time.tzname else "",
            "system_utc_offset_min": -time.timezone // 60}


def _devices(config, office_id: int) -> list[dict]:
    """Every device of an office: last seen, online now, and its clock against the server's."""
    now = utcnow()
    skew = float(config.get("CLOCK_SKEW_S", 120))
    counters = {c.id: c.number for c in Counter.select().where(Counter.office == office_id)}
    rows = []
    for device in Device.select().where(Device.office == office_id).order_by(Device.kind, Device.name):
        clock = {"offset_s": device.clock_offset_s, "at": device.clock_at} if device.clock_at else None
        seen = device.last_seen
        if clock and (seen is None or clock["at"] > seen):
            seen = clock["at"]
        online = device.revoked_at is None and seen is not None and (now - seen).total_seconds() <= ONLINE_S
        rows.append({
            "id": device.id, "kind": device.kind, "name": device.name, "counter": counters.get(device.counter_id),
            "revoked": device.revoked_at is not None,
            "last_seen": seen.isoformat(timespec="seconds") + "Z" if seen else None, "online": online,
            "clock_offset_s": clock["offset_s"] if clock else None,
            "clock_reported_at": clock["at"].isoformat(timespec="seconds") + "Z" if clock else None,
            "clock_wrong": bool(clock and abs(clock["offset_s"]) > skew),
        })
    return rows


def _printers(config, office_id: int) -> dict:
    """Each kiosk's printer (its own setting, or the PRINTER default the first kiosk inherits) and its
    last known health; a health row of no current kiosk (an older install's) is listed after them."""
    from kiosk.printers import kiosk_printers  # the module, not the kiosk blueprint (it imports the API)
    from kiosk.printing import config as printer_config

    health = {p.name: p for p in PrinterStatus.select().where(PrinterStatus.office == office_id)}
    rows = []
    for device, printer in kiosk_printers(config, office_id).values():
        state = health.pop(printer_config.status_name(device.id), None)
        rows.append(_printer_row(state, kiosk=device.name, kind=printer.kind, url=printer.url,
                                 paper_mm=printer.paper_mm, inherited=printer.inherited))
    for state in sorted(health.values(), key=lambda p: p.name):
        rows.append(_printer_row(state, kiosk=None, kind="network", url="", paper_mm=None, inherited=False))
    return {"setting": config.get("PRINTER", "none"), "printers": rows}


def _printer_row(state, **printer) -> dict:
    """One printer line of the status page: what it is, and its health if it was ever checked."""
    from kiosk.printing import config as printer_config

    return dict(printer, kind_name=printer_config.KIND_SHORT.get(printer["kind"], printer["kind"]),
                checked=state is not None, name=state.name if state else None,
                online=state.online if state else None, paper=state.paper if state else "unknown",
                message=state.message if state else "",
                checked_at=state.checked_at.isoformat(timespec="seconds") + "Z" if state else None)


def system(config) -> dict:
    """What is true of the whole server (no office's details): for /api/health and the status page."""
    import background

    return {
        "version": version(),
        "schema": {"version": migrations.current_version(), "code_version": models.SCHEMA_VERSION},
        "database": _database(),
        "disk": _disk(config),
        "backups": _backups(config),
        "clock": _clock(config, Office.select().order_by(Office.id).first()),
        "background": background.status(),
        "pid": os.getpid(),
    }


def office_status(config, office_id: int) -> dict:
    """The status page's data for one office: the server's, plus its devices and printers."""
    data = system(config)
    office = Office.get_by_id(office_id)
    data["clock"] = _clock(config, office)
    data["clock"]["skew_limit_s"] = float(config.get("CLOCK_SKEW_S", 120))
    data["devices"] = _devices(config, office_id)
    data["printers"] = _printers(config, office_id)
    return data


def health(config) -> dict:
    """/api/health's details for monitoring: the server's status and each office's devices online."""
    data = system(config)
    offices = []
    for office in Office.select().order_by(Office.id):
        devices = _devices(config, office.id)
        offices.append({"id": office.id, "name": office.name, "devices": len(devices),
                        "online": sum(d["online"] for d in devices),
                        "clock_wrong": sum(d["clock_wrong"] for d in devices)})
    data["offices"] = offices
    return data
