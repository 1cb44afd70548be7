"""System room: the status page, its JSON, the screens' clock heartbeat, backups taken and downloaded."""

from __future__ import annotations

import hmac

from flask import current_app, g, jsonify, render_template, send_file

import backups
import errors
import ticketing
from admin.access import office_id, page, reader, writer
from api.openapi import register
from api.validation import int_value, json_body, str_value
from rules import access
from security import require

from . import bp, status


def may_see_details() -> bool:
    """An admin's session or the MONITOR_TOKEN (Authorization: Bearer ...) sees /api/health's details."""
    user = g.get("user")
    if access.may(user, access.WRITE_ADMIN):
        return True
    from flask import request

    token = current_app.config.get("MONITOR_TOKEN") or ""
    sent = request.headers.get("Authorization", "")
    return bool(token) and hmac.compare_digest(sent.encode(), f"Bearer {token}".encode())


@bp.get("/admin/system")
@page
def system_page():
    """The status page for the office's IT person."""
    office = ticketing.get_office(office_id())
    data = status.office_status(current_app.config, office.id)
    return render_template("system/status.html", office=office, data=data, can_write=access.may(g.user, access.WRITE_ADMIN),
                           local=lambda iso: _local(office, iso))


def _local(office, iso_text):
    """An ISO UTC text as the office's local "HH:MM dd/mm/yyyy"."""
    import datetime as dt

    if not iso_text:
        return ""
    value = dt.datetime.fromisoformat(iso_text.rstrip("Z"))
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return ticketing.to_local(office, value).strftime("%H:%M %d/%m/%Y")


@bp.get("/api/admin/system")
@reader
def system_json():
    """The status page's data as JSON."""
    return jsonify(status.office_status(current_app.config, office_id()))


@bp.post("/api/admin/system/backup")
@writer
def backup_now():
    """Take a backup now (the daily one runs by itself); 409 with the reason when it fails (disk full, ...)."""
    result = backups.take(current_app.config)
    if not result["ok"]:
        raise errors.DomainError(result["message"], code="backup_failed", status=409)
    return jsonify({"backup": result}), 201


@bp.get("/admin/system/backups/<name>")
@writer
def download_backup(name):
    """Download one backup file (admins only: it holds every citizen's ticket)."""
    if not backups.NAME.match(name):
        raise errors.NotFound("Không có bản sao lưu này.")
    path = backups.backup_dir(current_app.config) / name
    if not path.is_file():
        raise errors.NotFound("Không có bản sao lưu này.")
    return send_file(path, mimetype="application/vnd.sqlite3", as_attachment=True, download_name=name)


@bp.post("/api/heartbeat")
@require(devices=("kiosk", "display", "tablet"))
def heartbeat():
    """A screen reports its clock (ms since 1970 by its own clock); the answer gives its offset."""
    data = json_body()
    clock_ms = data.get("clock_ms")
    if isinstance(clock_ms, bool) or not isinstance(clock_ms, (int, float)) or not 0 < clock_ms < 2**53:
        raise errors.Invalid("Trường “clock_ms” phải là số mili giây.", fields={"clock_ms": "number"})
    tz_offset = int_value(data, "tz_offset_min", required=False, minimum=-900, maximum=900)
    str_value(data, "page", required=False, max_length=40)
    entry = status.record_clock(g.device.id, clock_ms, tz_offset)
    return jsonify({"offset_s": entry["offset_s"], "skew_limit_s": current_app.config.get("CLOCK_SKEW_S", 120)})


register(
    ("get", "/api/admin/system", "Status for the IT person: database, disk, backups, clocks, devices, printers",
     "admin or leader of the office", None, 200, None),
    ("post", "/api/admin/system/backup", "Take a verified backup now (SQLite)", "admin of the office", None, 201, None),
    ("post", "/api/heartbeat", "A screen reports its clock (ms since 1970); answers its offset", "kiosk, display or tablet",
     {"type": "object", "required": ["clock_ms"], "additionalProperties": True,
      "properties": {"clock_ms": {"type": "number"}, "tz_offset_min": {"type": "integer"}, "page": {"type": "string"}}},
     200, None),
)
