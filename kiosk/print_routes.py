"""Kiosk room, print routes: what the kiosk screen asks about printing.

- ``GET /api/print-jobs/<id>``: how far a ticket's print is (the screen says "Đang in phiếu",
  printed, or "Máy in hết giấy, vui lòng ghi nhớ số");
- ``GET /kiosk/tickets/<token>/ticket.png`` and ``/print``: the server-rendered ticket image and
  the one-page document a kiosk with browser printing prints (static/css/ticket-print.css:
  the page is the paper's width, no margins).
"""

from __future__ import annotations

import io

from flask import Response, current_app, g, render_template

import baseurl
import errors
import security
from api import openapi
from kiosk import printers
from kiosk.printing import render
from models import Device, PrintJob, Ticket
from rules import access
from security import require

from .blueprint import bp

openapi.register(
    ("get", "/api/print-jobs/{job_id}", "How far a ticket's print is: outcome printing | printed | paper_out | "
     "not_printed, with the kiosk printer's state", "the kiosk that queued it, staff",
     None, 200, {"type": "object", "properties": {
         "id": {"type": "integer"}, "state": {"type": "string"}, "outcome": {"type": "string"},
         "printer": {"type": ["object", "null"]}}}),
)

DOTS_PER_MM = 8  # 203 dpi, the resolution render.PAPER_DOTS is drawn for


def _caller_office() -> int:
    """The office of the kiosk or staff member asking."""
    office_id = security.current_office_id()
    if office_id is None:
        raise errors.Forbidden("Tài khoản không thuộc đơn vị nào.")
    return office_id


@bp.get("/api/print-jobs/<int:job_id>")
@require(roles=access.STAFF, devices=("kiosk",))
def print_job(job_id):
    """A print job's progress, for the kiosk that queued it (or staff of the office)."""
    job = PrintJob.get_or_none((PrintJob.id == job_id) & (PrintJob.office == _caller_office()))
    device = g.get("device")
    if job is None or (g.get("user") is None and device is not None and job.kiosk_id != device.id):
        raise errors.NotFound("Không tìm thấy lệnh in.")
    return printers.job_view(job)


def _ticket_and_printer(token: str):
    """The caller's office's ticket with this public token, and the paper it prints on."""
    ticket = Ticket.get_or_none(Ticket.public_token == token)
    if ticket is None or ticket.office_id != _caller_office():
        raise errors.NotFound("Không tìm thấy số thứ tự.")
    device = g.get("device")
    if device is None and ticket.kiosk_id:
        device = Device.get_or_none(Device.id == ticket.kiosk_id)
    printer = printers.printer_of(device) if device is not None else None
    paper_mm = printer.paper_mm if printer is not None else current_app.config.get("PAPER_WIDTH_MM", 80)
    return ticket, paper_mm


def _ticket_image(ticket, paper_mm: int):
    """The ticket exactly as a thermal printer prints it (1-bit, 8 dots a millimetre)."""
    return render.render_ticket(printers.ticket_data(ticket, baseurl.public_base_url(current_app)),
                                paper_mm=paper_mm)


@bp.get("/kiosk/tickets/<token>/ticket.png")
@require(roles=access.STAFF, devices=("kiosk",))
def ticket_png(token):
    """The ticket's image, drawn by the server (the same picture the thermal printers print)."""
    ticket, paper_mm = _ticket_and_printer(token)
    buffer = io.BytesIO()
    _ticket_image(ticket, paper_mm).save(buffer, format="PNG", optimize=True)
    return Response(buffer.getvalue(), mimetype="image/png", headers={"Cache-Control": "no-store"})


@bp.get("/kiosk/tickets/<token>/print")
@require(roles=access.STAFF, devices=("kiosk",))
def ticket_print_page(token):
    """One page, one ticket: what a kiosk with browser printing sends to its default printer."""
    ticket, paper_mm = _ticket_and_printer(token)
    image = _ticket_image(ticket, paper_mm)
    return render_template(
        "kiosk/print.html", ticket=ticket, paper_mm=paper_mm,
        image_mm=(image.width / DOTS_PER_MM, image.height / DOTS_PER_MM),
    )
