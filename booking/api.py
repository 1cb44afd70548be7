"""Booking room, JSON routes: the join code and a number from the phone, the public booking API,
the kiosk's check-in, and the staff's list, move and cancel (docs/API.md, "Numbers from the phone
and appointments"). Each view checks who asks, calls the queue rules, then publishes."""

from __future__ import annotations

import datetime as dt

from flask import current_app, g, jsonify, request

import errors
import realtime
import security
import ticketing
from admin.access import reader
from admin.store import audit
from api import openapi
from api.validation import int_value, json_body, str_value
from kiosk import printers
from models import Appointment, Field, Ticket
from rules import access
from rules import booking as rules
from security import require
from statements import write_transaction
from ticketing import appointments, remote

from . import bp, figures, web


def _office_id() -> int:
    """The caller's office (staff or device)."""
    office_id = security.current_office_id()
    if office_id is None:
        raise errors.Forbidden("Tài khoản không thuộc đơn vị nào.")
    return office_id


def _day(value, name: str = "day") -> dt.date:
    """A "YYYY-MM-DD" day from a body or query string."""
    if isinstance(value, str) and len(value) == 10:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise errors.Invalid("Ngày phải có dạng năm-tháng-ngày, ví dụ 2026-12-01.", fields={name: "date"})


def _ticket_answer(change, kiosk=None, printer=None) -> dict:
    """What a new number's answer says (the same status as POST /api/tickets answers)."""
    from api.routes import status_url, ticket_status  # one definition of the public status

    body = ticket_status(change.ticket, change.office, change.field, change.queue.get(change.ticket.field_id))
    body.update(public_token=change.ticket.public_token, status_url=status_url(change.ticket),
                duplicate=change.duplicate)
    if kiosk is not None:
        body["print"] = printers.issue_print(change.ticket, kiosk, printer)
    return body


# --------------------------------------------------------------------------- a number from the phone


@bp.get("/api/join/code")
@require(roles=access.STAFF, devices=(access.DISPLAY,))
def join_code():
    """The office's current join code and what its QR holds (a display shows it; it changes every minute)."""
    office_id = _office_id()
    settings = appointments.settings_for(office_id)
    if not settings.join_enabled:
        return jsonify({"enabled": False})
    current = remote.current_join(current_app.secret_key, office_id, settings.join_rotate_s)
    return jsonify(dict(current, enabled=True, url=web.join_url(office_id, current["code"])))


@bp.post("/api/join/tickets")
def join_ticket():
    """A citizen who scanned the join QR takes a number (the page's pass; the phone's daily limits)."""
    data = json_body()
    office_id, phone = web.read_pass(data.get("pass"))
    if not appointments.settings_for(office_id).join_enabled:
        raise errors.OfficeClosed("Văn phòng hiện không cấp số qua điện thoại.", code="join_off")
    priority = data.get("priority")
    if priority is not None and not isinstance(priority, str):
        raise errors.Invalid("Trường “priority” phải là mã đối tượng ưu tiên.", fields={"priority": "string"})
    change = remote.issue_from_phone(office_id, int_value(data, "field", minimum=1, label="Lĩnh vực"), remote.holder_key(phone),
                                     priority=priority or None)
    realtime.publish(change)
    return jsonify(_ticket_answer(change)), 201


# --------------------------------------------------------------------------- public booking


@bp.get("/api/public/offices/<int:office_id>/booking")
def booking_info(office_id):
    """What the booking page offers: the bookable fields, and with ``?field=ID`` that field's free slots."""
    office = ticketing.get_office(office_id)
    settings = appointments.settings_for(office.id)
    fields = appointments.bookable_fields(office, settings) if settings.booking_enabled else []
    body = {"office": {"id": office.id, "name": office.name, "address": office.address},
            "enabled": bool(settings.booking_enabled), "booking_days": settings.booking_days,
            "slot_minutes": settings.slot_minutes, "early_min": settings.early_min,
            "fields": [{"id": f.id, "name": f.name, "name_en": f.name_en} for f in fields]}
    wanted = request.args.get("field", type=int)
    if wanted is not None:
        field = next((f for f in fields if f.id == wanted), None)
        if field is None:
            raise errors.NotFound("Lĩnh vực này không nhận đặt lịch hẹn.")
        body["field"] = {"id": field.id, "name": field.name}
        body["days"] = appointments.availability(office, settings, field)
    return jsonify(body)


@bp.post("/api/public/bookings")
def make_booking():
    """Book a slot: ``{office, field, day, slot, name, phone}`` -> the booking's own view, with its link."""
    data = json_body()
    booking = appointments.book(
        int_value(data, "office", minimum=1), int_value(data, "field", minimum=1, label="Lĩnh vực"),
        _day(data.get("day")), str_value(data, "slot", max_length=5, label="Khung giờ"),
        str_value(data, "name", max_length=appointments.NAME_MAX, label="Họ và tên"),
        str_value(data, "phone", max_length=20, label="Số điện thoại"),
    )
    return jsonify(dict(web.public_view(booking), token=booking.token)), 201


@bp.get("/api/public/bookings/<token>")
def booking_status(token):
    """A booking as its holder sees it (the token is in its link and QR)."""
    return jsonify(web.public_view(appointments.by_token(token)))


@bp.delete("/api/public/bookings/<token>")
def cancel_own_booking(token):
    """The holder cancels their booking from its link: the place is free again."""
    return jsonify(web.public_view(appointments.cancel(appointments.by_token(token), "citizen")))


# --------------------------------------------------------------------------- check-in at the kiosk


@bp.post("/api/bookings/check-in")
@require(roles=access.STAFF, devices=(access.KIOSK,))
def check_in():
    """Check a booking in by its code or scanned link: its ticket (ahead of walk-ins when on time)."""
    data = json_body()
    kiosk = g.device if g.get("device") is not None and g.get("user") is None else None
    if kiosk is not None:
        # A check-in issues a ticket: it counts against the kiosk's rate, and so do wrong codes, so a
        # stolen kiosk token cannot try codes until one matches somebody's booking.
        security.check_issue_rate(kiosk)
    printer = printers.printer_of(kiosk) if kiosk is not None else None
    prints = printer is not None and printer.queues_jobs
    done = appointments.check_in(_office_id(), data.get("code"), kiosk=kiosk, print_ticket=prints)
    realtime.publish(done.change)
    if prints and not done.again:
        printers.queued(kiosk.id, printer)
    settings = appointments.settings_for(done.appointment.office_id)
    reason = done.verdict["reason"]
    body = _ticket_answer(done.change, kiosk, printer)
    body["booking"] = {
        "code": done.appointment.code, "slot": done.appointment.slot, "on_time": bool(done.appointment.on_time),
        "reason": reason, "minutes": done.verdict["minutes"],
        "message": rules.checkin_message(reason, done.appointment.slot, settings.early_min, settings.late_min),
        "message_en": rules.checkin_message(reason, done.appointment.slot, settings.early_min, settings.late_min,
                                            "en"),
    }
    return jsonify(body), 200 if done.again else 201


# --------------------------------------------------------------------------- staff


def day_list(office_id: int, day: dt.date) -> dict:
    """A day's bookings as staff see them, and the count per slot (booked, checked in, cancelled)."""
    rows = appointments.day_bookings(office_id, day)
    fields = {f.id: f for f in Field.select().where(Field.office == office_id)}
    ticket_ids = [r.ticket_id for r in rows if r.ticket_id]
    tickets = {t.id: t for t in Ticket.select().where(Ticket.id.in_(ticket_ids))} if ticket_ids else {}
    slots: dict[str, dict] = {}
    for row in rows:
        slot = slots.setdefault(row.slot, {"slot": row.slot, "booked": 0, "checked_in": 0, "cancelled": 0})
        slot[row.state] += 1
    return {"day": day.isoformat(), "day_label": appointments.day_label(day),
            "bookings": [web.staff_view(r, fields, tickets) for r in rows],
            "slots": [slots[k] for k in sorted(slots)]}


@bp.get("/api/bookings")
@require(roles=access.STAFF)
def list_bookings():
    """The office's bookings of a day (``?day=YYYY-MM-DD``, default today), with names and phone numbers."""
    office = ticketing.get_office(_office_id())
    day = _day(request.args["day"]) if request.args.get("day") else ticketing.business_day(office)
    return jsonify(day_list(office.id, day))


@bp.post("/api/bookings/<int:booking_id>/cancel")
@require(roles=access.STAFF)
def staff_cancel(booking_id):
    """Staff cancel a booking not yet checked in (audited)."""
    office_id = _office_id()
    with write_transaction():  # the change and its audit row together
        before = appointments.get_booking(booking_id, office_id)
        if before.state == "cancelled":
            return jsonify({"booking": _one(before)})
        booking = appointments.cancel(before, "staff")
        audit(office_id, g.user, "booking.cancel", f"Lịch hẹn {rules.format_code(booking.code)}",
              {"state": "booked"}, {"state": "cancelled"})
    return jsonify({"booking": _one(booking)})


@bp.post("/api/bookings/<int:booking_id>/move")
@require(roles=access.STAFF)
def staff_move(booking_id):
    """Staff move a booking to another day and slot (capacity holds; audited)."""
    office_id = _office_id()
    data = json_body()
    day, slot = _day(data.get("day")), str_value(data, "slot", max_length=5, label="Khung giờ")
    with write_transaction():  # the change and its audit row together
        before = appointments.get_booking(booking_id, office_id)
        booking = appointments.move(before, day, slot)
        audit(office_id, g.user, "booking.move", f"Lịch hẹn {rules.format_code(booking.code)}",
              {"day": before.day.isoformat(), "slot": before.slot}, {"day": booking.day.isoformat(), "slot": booking.slot})
    return jsonify({"booking": _one(booking)})


def _one(booking: Appointment) -> dict:
    """One booking's staff view."""
    fields = {booking.field_id: Field.get_by_id(booking.field_id)}
    tickets = {booking.ticket_id: Ticket.get_by_id(booking.ticket_id)} if booking.ticket_id else {}
    return web.staff_view(booking, fields, tickets)


_DAY = {"type": "string", "format": "date"}
openapi.register(
    ("get", "/api/join/code", "The join QR's current code and URL (changes every minute)", "staff, display",
     None, 200, None),
    ("post", "/api/join/tickets", "Take a number from the phone (the join page's pass)", "anyone with a pass",
     openapi._obj(["pass", "field"], **{"pass": openapi.STR, "field": openapi.INT, "priority": openapi.STR}), 201,
     openapi.STATUS),
    ("get", "/api/public/offices/{office_id}/booking", "Bookable fields; with ?field= that field's free slots",
     "anyone", None, 200, None),
    ("post", "/api/public/bookings", "Book a slot", "anyone",
     openapi._obj(["office", "field", "day", "slot", "name", "phone"], office=openapi.INT, field=openapi.INT, day=_DAY,
                  slot={"type": "string", "example": "09:00"}, name=openapi.STR, phone=openapi.STR), 201, None),
    ("get", "/api/public/bookings/{token}", "A booking as its holder sees it", "anyone with the link", None, 200, None),
    ("delete", "/api/public/bookings/{token}", "Cancel one's own booking", "anyone with the link", None, 200, None),
    ("post", "/api/bookings/check-in", "Check a booking in (code or scanned link): its ticket", "kiosk device, staff",
     openapi._obj(["code"], code=openapi.STR), 201, openapi.STATUS),
    ("get", "/api/bookings", "A day's bookings with names and phone numbers (?day=)", "staff", None, 200, None),
    ("post", "/api/bookings/{booking_id}/cancel", "Cancel a booking", "staff", None, 200, None),
    ("post", "/api/bookings/{booking_id}/move", "Move a booking to another day and slot", "staff",
     openapi._obj(["day", "slot"], day=_DAY, slot=openapi.STR), 200, None),
)


# --------------------------------------------------------------------------- reports


@bp.get("/api/reports/booking")
@reader
def booking_report():
    """Numbers by channel and appointments kept, cancelled, missed, and when people came, for the period
    in the query string (``period=day|range|month|quarter|year`` as ``/api/reports``)."""
    from reports.compute import period_from_args  # the reports' one reading of a period

    office = ticketing.get_office(_office_id())
    today = ticketing.business_day(office)
    period = period_from_args(dict(request.args.items()), today)
    return jsonify(dict(figures.report(office, period.start, period.end, today), period={
        "kind": period.kind, "start": period.start.isoformat(), "end": period.end.isoformat(), "label": period.label}))


openapi.register(("get", "/api/reports/booking", "Tickets by channel; appointments kept, cancelled, missed; arrival "
                  "times (?period= as /api/reports)", "admin, leader", None, 200, None))
