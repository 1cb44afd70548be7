"""Admin room, kiosk printers (issue 14): each kiosk's printer on the devices page.

Set a kiosk's printer (kind, address, paper width, python-escpos profile), print a test page on
it, and read every kiosk printer's live state. The printer lives in the kiosk's
``Device.settings["printer"]``; a kiosk without one shows what it inherits (PRINTER for the
server's first kiosk, nothing otherwise). Changes are audited like every device change.
"""

from __future__ import annotations

from flask import current_app, g, jsonify

from api.openapi import register
from api.validation import json_body
from errors import Invalid
from kiosk import printers
from kiosk.printing import config as printer_config
from kiosk.printing.encode import profile_names
from models import Device, PrinterStatus, write_transaction

from . import bp, store
from .access import office_id, reader, writer

_PRINTER = {"type": "object", "properties": {
    "kind": {"type": "string", "enum": list(printer_config.KINDS)}, "url": {"type": "string"},
    "paper_mm": {"type": "integer", "enum": [80, 58]}, "profile": {"type": ["string", "null"]}}}
register(
    ("get", "/api/admin/printers", "Every kiosk's printer and its live state", "admin, leader", None, 200, None),
    ("put", "/api/admin/devices/{device_id}/printer", "Set a kiosk's printer (kind none|network|agent|browser, url, "
     "paper_mm, profile)", "admin", _PRINTER, 200, None),
    ("post", "/api/admin/devices/{device_id}/printer/test", "Print a test page on a kiosk's printer; follow it with "
     "GET /api/print-jobs/{job_id}", "admin", None, 202, None),
)


def _kiosk(device_id: int) -> Device:
    """A kiosk of the admin's office, or 404 / 422 for another kind of device."""
    device = store.get_device(office_id(), device_id)
    if device.kind != "kiosk":
        raise Invalid("Chỉ kiosk cấp số mới có máy in phiếu.", fields={"kind": "kiosk"})
    return device


def row(device: Device, statuses: dict | None = None) -> dict:
    """A kiosk's printer as the devices page shows it: setting, inherited or own, live state."""
    printer = printers.printer_of(device)
    if statuses is None:
        statuses = _statuses(device.office_id)
    state = statuses.get(printer_config.status_name(device.id))
    return {
        "device_id": device.id,
        "printer": printer.as_dict(),
        "kind_name": printer_config.KIND_SHORT[printer.kind],
        "own": isinstance((device.settings or {}).get("printer"), dict),
        "state": state,
    }


def _statuses(office: int) -> dict[str, dict]:
    """PrinterStatus rows of an office by name."""
    return {p.name: {"online": p.online, "paper": p.paper, "message": p.message,
                     "checked_at": p.checked_at.isoformat(timespec="seconds") + "Z"}
            for p in PrinterStatus.select().where(PrinterStatus.office == office)}


def page_context() -> dict:
    """What the devices page needs for the printer dialog."""
    return {"printer_kinds": printer_config.KIND_NAMES, "printer_profiles": profile_names(),
            "printer_default": current_app.config.get("PRINTER", "none")}


@bp.get("/api/admin/printers")
@reader
def list_printers():
    """Every active kiosk's printer and its live state (the devices page refreshes from this)."""
    statuses = _statuses(office_id())
    kiosks = [d for d in store.devices(office_id()) if d.kind == "kiosk" and d.revoked_at is None]
    return jsonify({"printers": [row(d, statuses) for d in kiosks]})


@bp.put("/api/admin/devices/<int:device_id>/printer")
@writer
def put_printer(device_id):
    """Set a kiosk's printer; the print supervisor picks it up within seconds."""
    clean, errors = printer_config.validate(json_body())
    if errors:
        raise Invalid("Cấu hình máy in chưa hợp lệ: " + "; ".join(errors.values()), fields=errors)
    with write_transaction():
        device = _kiosk(device_id)
        before = (device.settings or {}).get("printer")
        settings = dict(device.settings or {}, printer=clean)
        Device.update(settings=settings).where(Device.id == device.id).execute()
        if before != clean:
            store.audit(office_id(), g.user, "device.printer", f"{store.KIND_NAMES[device.kind]}: {device.name}",
                        {"printer": before}, {"printer": clean})
    return jsonify(row(Device.get_by_id(device_id)))


@bp.post("/api/admin/devices/<int:device_id>/printer/test")
@writer
def test_printer(device_id):
    """Queue a test page for this kiosk's printer only."""
    job_id = printers.queue_test(_kiosk(device_id))
    return jsonify({"job_id": job_id}), 202
