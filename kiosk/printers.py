"""Kiosk room, printers: each kiosk's printer on the server's side (issue 14).

Which printer a kiosk prints on (``kiosk.printing.config``: its own setting, or PRINTER for the
first kiosk), whether issuing a ticket there queues a print job, where a reprint goes, the
bytes of a job for that kiosk's paper and profile, the print agent's three operations
(take jobs, answer one, report the printer's state), the alerts that name the kiosk, and what
the kiosk screen is told about its ticket's print. The HTTP and Socket.IO doors to these are
``kiosk.print_routes`` and ``kiosk.agent_link``; the server's own printing loop is in
``background``. Alerts go through ``realtime.publish.alert`` to the kiosk's own office only.
"""

from __future__ import annotations

import datetime as dt
import logging

from flask import current_app

import errors
import models
import statements
import ticketing
from kiosk.printing import config as printer_config
from kiosk.printing import delivery, encode, jobs, render
from kiosk.printing.config import KioskPrinter, status_name
from kiosk.printing.transport import MESSAGES, open_printer
from models import Device, PrinterStatus, PrintJob
from realtime.agents import nudge
from realtime.publish import alert
from rules import access

log = logging.getLogger("motcua.printing")

# An agent that has not reported for this long (no socket, no HTTP) is shown offline.
AGENT_SILENT_S = 45.0


# --------------------------------------------------------------------------- which printer


def first_kiosk_id() -> int | None:
    """The server's first kiosk (lowest id, not revoked): the one PRINTER belongs to."""
    return statements.scalar("first_device_of_kind", kind=access.KIOSK)


def printer_of(device: Device, config=None, first_id: int | None = -1) -> KioskPrinter:
    """The printer a kiosk device prints on."""
    config = config if config is not None else current_app.config
    if device is None or device.kind != access.KIOSK:
        return KioskPrinter()
    first = first_kiosk_id() if first_id == -1 else first_id
    return printer_config.resolve(device.settings, is_first_kiosk=device.id == first,
                                  default_url=config.get("PRINTER", "none"),
                                  default_paper_mm=config.get("PAPER_WIDTH_MM", 80),
                                  default_profile=config.get("PRINTER_PROFILE") or None)


def kiosk_printers(config, office_id: int | None = None) -> dict[int, tuple[Device, KioskPrinter]]:
    """Every active kiosk (of one office, or all) with its printer."""
    query = Device.select().where((Device.kind == access.KIOSK) & Device.revoked_at.is_null())
    if office_id is not None:
        query = query.where(Device.office == office_id)
    first = first_kiosk_id()
    return {d.id: (d, printer_of(d, config, first)) for d in query.order_by(Device.id)}


def should_queue(device: Device | None) -> bool:
    """Does a ticket issued at this kiosk become a print job (server or agent prints it)?"""
    return device is not None and printer_of(device).queues_jobs


def reprint_target(ticket, office_id: int, kiosk_id=None) -> Device:
    """The kiosk a reprint goes to: the clerk's pick, else the issuing kiosk, else the office's first printing one."""
    if kiosk_id is not None:
        if isinstance(kiosk_id, bool) or not isinstance(kiosk_id, int):
            raise errors.Invalid("“kiosk” phải là mã số kiosk.", fields={"kiosk": "integer"})
        device = Device.get_or_none((Device.id == kiosk_id) & (Device.office == office_id)
                                    & (Device.kind == access.KIOSK) & Device.revoked_at.is_null())
        if device is None:
            raise errors.NotFound("Không tìm thấy kiosk này trong đơn vị.")
    else:
        device = None
        if ticket.kiosk_id:
            device = Device.get_or_none((Device.id == ticket.kiosk_id) & Device.revoked_at.is_null())
        if device is None or not printer_of(device).queues_jobs:
            printing = [d for d, p in kiosk_printers(current_app.config, office_id).values() if p.queues_jobs]
            device = printing[0] if printing else device
    if device is None or not printer_of(device).queues_jobs:
        raise errors.DomainError("Kiosk này chưa có máy in phiếu, không in lại được.", code="printer_off")
    return device


def kiosk_choices(office_id: int) -> list[dict]:
    """The office's kiosks that can print a reprint (the counter console's choice)."""
    return [{"id": d.id, "name": d.name, "kind": p.kind}
            for d, p in kiosk_printers(current_app.config, office_id).values() if p.queues_jobs]


# --------------------------------------------------------------------------- the bytes of a job


def ticket_data(ticket, base_url: str) -> render.TicketPrint:
    """Everything printed on a ticket, read from the database here."""
    office = models.Office.get_by_id(ticket.office_id)
    field = models.Field.get_by_id(ticket.field_id)
    priority = models.PriorityCategory.get_or_none(models.PriorityCategory.id == ticket.priority_id)
    ahead = ticketing.people_ahead(ticket)
    wait_s = ticketing.estimated_wait_seconds(ahead, field.id, office)
    return render.ticket_print_from(
        ticket, office, field, priority, people_ahead=ahead, estimated_wait_min=round(wait_s / 60),
        status_url=f"{base_url}/t/{ticket.public_token}",
    )


def job_bytes(job, printer: KioskPrinter, base_url: str, now: dt.datetime | None = None) -> bytes:
    """ESC/POS bytes of a job for a kiosk's paper width and printer profile."""
    now = now or models.utcnow()
    if job.kind == "test":
        office_tz = (models.Office.select(models.Office.timezone).where(models.Office.id == job.office_id).scalar()
                     or "Asia/Ho_Chi_Minh")
        return encode.build_test_page(printer.paper_mm, printer.profile,
                                      printed_at=render.format_local_time(now, office_tz))
    ticket = models.Ticket.get_by_id(job.ticket_id)
    return encode.ticket_bytes(ticket_data(ticket, base_url), paper_mm=printer.paper_mm, profile=printer.profile)


def open_for(kiosk_id: int, printer: KioskPrinter, config):
    """The transport the server prints a kiosk's jobs on."""
    return open_printer(printer.url, config.get("PRINTER_TIMEOUT", 3), profile=printer.profile,
                        paper_mm=printer.paper_mm, name=status_name(kiosk_id))


def queue_test(device: Device) -> int:
    """Queue a test page for a kiosk's printer (admin's "In thử"); the job id."""
    printer = printer_of(device)
    if not printer.queues_jobs:
        raise errors.DomainError(
            "Máy in của kiosk này không nhận lệnh in từ máy chủ (chưa cấu hình, hoặc in qua trình duyệt: "
            "hãy in thử ngay trên kiosk).", code="printer_off")
    job_id = jobs.enqueue_test(device.office_id, kiosk_id=device.id)
    queued(device.id, printer)
    return job_id


def queued(kiosk_id: int | None, printer: KioskPrinter | None = None) -> None:
    """A job was queued for a kiosk (after commit): its agent is told at once."""
    if kiosk_id is None:
        return
    if printer is None:
        device = Device.get_or_none(Device.id == kiosk_id)
        printer = printer_of(device) if device is not None else KioskPrinter()
    if printer.kind == "agent":
        nudge(kiosk_id)


# --------------------------------------------------------------------------- alerts


PAPER_ALERTS = {
    "out": ("paper_out", "error", "Máy in phiếu đã hết giấy ({kiosk}). Hãy thay cuộn giấy."),
    "low": ("paper_low", "warning", "Máy in phiếu sắp hết giấy ({kiosk})."),
}


def printer_alert(status: dict, kiosk_name: str = "kiosk") -> tuple[str, str, str]:
    """(kind, level, Vietnamese message naming the kiosk) for a printer status; level "ok" clears it."""
    # A printer out of paper also reports itself offline: name the cause staff can fix.
    if status.get("paper") in PAPER_ALERTS:
        kind, level, text = PAPER_ALERTS[status["paper"]]
        return kind, level, text.format(kiosk=kiosk_name)
    if not status.get("online"):
        return ("printer_offline", "error",
                f"Máy in phiếu không phản hồi ({kiosk_name}): mất kết nối hoặc tắt nguồn.")
    return "printer_ok", "ok", f"Máy in phiếu đã hoạt động bình thường ({kiosk_name})."


def announce(office_id: int, kiosk_id: int | None, name: str, poll) -> None:
    """Tell the office's staff and monitor that a printer's state changed, naming its kiosk."""
    kiosk = Device.get_or_none(Device.id == kiosk_id) if kiosk_id is not None else None
    kiosk_name = kiosk.name if kiosk is not None else "kiosk"
    kind, level, message = printer_alert(poll.status, kiosk_name)
    alert(office_id, kind, message, level=level,
          printer=dict(poll.status, name=name, kiosk_id=kiosk_id, kiosk_name=kiosk_name))


def record(device: Device, status: dict) -> None:
    """Store a kiosk printer's state; an alert when online or paper changed."""
    poll = jobs.record_status(device.office_id, status_name(device.id), status)
    if poll:
        announce(device.office_id, device.id, status_name(device.id), poll)


# --------------------------------------------------------------------------- the print agent


def clean_status(data) -> dict:
    """A printer state sent by an agent, checked: {online, paper, message}."""
    if not isinstance(data, dict) or not isinstance(data.get("online"), bool):
        raise errors.Invalid("Trạng thái máy in cần “online” (true/false).", fields={"online": "boolean"})
    paper = data.get("paper", "unknown")
    if paper not in ("ok", "low", "out", "unknown"):
        raise errors.Invalid("“paper” là ok, low, out hoặc unknown.", fields={"paper": "ok|low|out|unknown"})
    message = data.get("message") or ""
    if not isinstance(message, str):
        raise errors.Invalid("“message” phải là chuỗi.", fields={"message": "string"})
    return {"online": data["online"], "paper": paper, "message": message[:300]}


def agent_device(device: Device | None) -> Device:
    """The kiosk an agent speaks for (a kiosk device token), or 403."""
    if device is None or device.kind != access.KIOSK:
        raise errors.Forbidden("Chương trình in phải dùng liên kết ghép nối của một kiosk.")
    return device


def agent_take(device: Device, holding, base_url: str, config=None) -> dict:
    """Hand the kiosk's due jobs to its agent: ``{jobs: [...], printer: {...}}``."""
    config = config if config is not None else current_app.config
    printer = printer_of(device, config)
    if not isinstance(holding, list):
        raise errors.Invalid("“holding” là danh sách mã lệnh in.", fields={"holding": "list"})
    if printer.kind != "agent":
        return {"jobs": [], "printer": printer.as_dict()}
    max_age = float(config.get("PRINT_MAX_AGE_S", jobs.MAX_AGE_S))
    deliveries, failed = delivery.take(device.id, lambda job: job_bytes(job, printer, base_url),
                                       holding=holding, max_age_s=max_age)
    for result in failed:
        log.warning("print job %s for %s not printed: %s", result.job_id, device.name, result.error)
    return {"jobs": deliveries, "printer": printer.as_dict()}


def agent_ack(device: Device, job_id, result, error="") -> dict:
    """The agent's answer for one job; ``{job: {id, state}}``."""
    if isinstance(job_id, bool) or not isinstance(job_id, int):
        raise errors.Invalid("Mã lệnh in không hợp lệ.", fields={"job": "integer"})
    if result not in delivery.RESULTS:
        raise errors.Invalid("“result” là printed, stale hoặc failed.", fields={"result": "printed|stale|failed"})
    if not isinstance(error, str):
        raise errors.Invalid("“error” phải là chuỗi.", fields={"error": "string"})
    done = delivery.acknowledge(device.id, job_id, result, error)
    if done is None:
        raise errors.NotFound("Không có lệnh in này cho kiosk.")
    if done.state == "failed":
        log.warning("print job %s on %s failed: %s", job_id, device.name, done.error)
    return {"job": {"id": done.job_id, "state": done.state}}


def agent_gone(device: Device) -> None:
    """The agent's connection closed: its printer cannot be reached any more."""
    record(device, {"online": False, "paper": "unknown",
                    "message": "Mất kết nối với chương trình in trên kiosk"})


def sweep(config, now: dt.datetime | None = None) -> None:
    """Jobs nobody will print in time fail as too late; agents silent too long show offline."""
    now = now or models.utcnow()
    for result in delivery.expire_stale(now, float(config.get("PRINT_MAX_AGE_S", jobs.MAX_AGE_S))):
        log.warning("print job %s not printed: %s", result.job_id, result.error)
    silent_since = now - dt.timedelta(seconds=AGENT_SILENT_S)
    for device, printer in kiosk_printers(config).values():
        if printer.kind != "agent":
            continue
        row = (PrinterStatus.select()
               .where((PrinterStatus.office == device.office_id) & (PrinterStatus.name == status_name(device.id)))
               .first())
        if row is not None and row.online and row.checked_at < silent_since:
            record(device, {"online": False, "paper": row.paper,
                            "message": "Chương trình in trên kiosk không báo trạng thái"})


# --------------------------------------------------------------------------- the kiosk screen


def job_view(job: PrintJob) -> dict:
    """What the kiosk screen says about a print: ``outcome`` printing | printed | paper_out | not_printed."""
    row = None
    if job.kiosk_id is not None:
        row = (PrinterStatus.select()
               .where((PrinterStatus.office == job.office_id) & (PrinterStatus.name == status_name(job.kiosk_id)))
               .first())
    paper_out = (row is not None and row.paper == "out") or MESSAGES["out"].lower() in (job.last_error or "").lower()
    if job.state == "done":
        outcome = "printed"
    elif paper_out:
        outcome = "paper_out"
    elif job.state == "failed" or (row is not None and not row.online):
        outcome = "not_printed"
    else:
        outcome = "printing"
    return {"id": job.id, "state": job.state, "outcome": outcome, "attempts": job.attempts,
            "error": job.last_error,
            "printer": ({"online": row.online, "paper": row.paper, "message": row.message} if row else None)}


def issue_print(ticket, device: Device | None, printer: KioskPrinter | None = None) -> dict | None:
    """The print part of an issue answer at a kiosk: how this ticket gets printed, and how far it is."""
    if device is None or device.kind != access.KIOSK:
        return None
    printer = printer or printer_of(device)
    if printer.kind == "browser":
        return {"kind": "browser", "paper_mm": printer.paper_mm,
                "url": f"/kiosk/tickets/{ticket.public_token}/print"}
    if not printer.queues_jobs:
        return {"kind": "none"}
    job = (PrintJob.select().where((PrintJob.ticket == ticket.id) & (PrintJob.kiosk == device.id))
           .order_by(PrintJob.id.desc()).first())
    if job is None:
        return {"kind": printer.kind}
    return dict(job_view(job), kind=printer.kind, job_id=job.id)
