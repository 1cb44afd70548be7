"""Booking room, web helpers: the phone's cookie id, the join pass, public URLs and the JSON views of
a booking (the citizen's own view and the staff's view)."""

from __future__ import annotations

import secrets

from flask import after_this_request, current_app, g, request
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

import baseurl
import errors
from models import Appointment, Field, Office, Ticket
from rules import booking as rules
from ticketing import appointments

PHONE_COOKIE = "motcua_phone"
PHONE_COOKIE_DAYS = 400
PASS_MAX_AGE_S = 900  # a join page opened from a valid code may take a number for this long


def base_url() -> str:
    """The base of links and QR codes (the setting or the first-run choice, never a request's Host)."""
    return baseurl.public_base_url(current_app).rstrip("/")


def phone_id(create: bool = False) -> str | None:
    """This browser's own id (a signed long-lived cookie); with ``create`` one is made and set."""
    cached = g.get("phone_id")
    if cached:
        return cached
    serializer = URLSafeSerializer(current_app.secret_key, salt="phone-id")
    raw = request.cookies.get(PHONE_COOKIE)
    if raw:
        try:
            found = serializer.loads(raw)
            if isinstance(found, str) and 16 <= len(found) <= 64:
                g.phone_id = found
                return found
        except BadSignature:
            pass
    if not create:
        return None
    g.phone_id = secrets.token_urlsafe(18)
    value = serializer.dumps(g.phone_id)

    @after_this_request
    def _set(response):
        response.set_cookie(PHONE_COOKIE, value, max_age=PHONE_COOKIE_DAYS * 86400, httponly=True, samesite="Lax",
                            secure=current_app.config.get("SESSION_COOKIE_SECURE", False))
        return response

    return g.phone_id


def make_pass(office_id: int, phone: str) -> str:
    """The pass a valid join code gives the page: this phone may take a number here for a while."""
    return URLSafeTimedSerializer(current_app.secret_key, salt="join-pass").dumps({"o": office_id, "p": phone})


def read_pass(token) -> tuple[int, str]:
    """(office id, phone id) of a join pass; refused when forged or too old."""
    serializer = URLSafeTimedSerializer(current_app.secret_key, salt="join-pass")
    try:
        data = serializer.loads(token, max_age=PASS_MAX_AGE_S) if isinstance(token, str) else None
    except SignatureExpired:
        data = "expired"
    except BadSignature:
        data = None
    if data == "expired":
        raise errors.Forbidden("Đã quá thời gian lấy số của lần quét mã này. Xin quét lại mã QR trên màn hình "
                               "tại trụ sở.", code="join_expired")
    if not isinstance(data, dict) or not isinstance(data.get("o"), int) or not isinstance(data.get("p"), str):
        raise errors.Forbidden("Phiếu lấy số không hợp lệ. Xin quét mã QR trên màn hình tại trụ sở.",
                               code="join_refused")
    return data["o"], data["p"]


def join_url(office_id: int, code: str) -> str:
    """What the join QR holds."""
    return f"{base_url()}/j/{office_id}/{code}"


def booking_url(appointment: Appointment) -> str:
    """A booking's own page (what its QR holds)."""
    return f"{base_url()}/b/{appointment.token}"


def public_view(appointment: Appointment, office: Office | None = None, field: Field | None = None) -> dict:
    """A booking as its holder sees it: no name, the phone masked, the ticket once checked in."""
    office = office or Office.get_by_id(appointment.office_id)
    field = field or Field.get_by_id(appointment.field_id)
    view = {
        "code": appointment.code,
        "code_text": rules.format_code(appointment.code),
        "office": {"id": office.id, "name": office.name, "address": office.address},
        "field": {"id": field.id, "name": field.name},
        "day": appointment.day.isoformat(),
        "day_label": appointments.day_label(appointment.day),
        "slot": appointment.slot,
        "state": appointment.state,
        "phone": rules.masked_phone(appointment.phone) if appointment.phone else "",
        "url": booking_url(appointment),
        "can_cancel": appointment.state == "booked",
        "ticket": None,
    }
    if appointment.ticket_id:
        ticket = Ticket.get_or_none(Ticket.id == appointment.ticket_id)
        if ticket is not None:
            view["ticket"] = {"number": ticket.display_number, "status_url": f"{base_url()}/t/{ticket.public_token}"}
    return view


def staff_view(appointment: Appointment, fields: dict, tickets: dict) -> dict:
    """A booking as staff see it: with the name and phone number (until they are erased)."""
    ticket = tickets.get(appointment.ticket_id)
    field = fields.get(appointment.field_id)
    return {
        "id": appointment.id, "code": appointment.code, "code_text": rules.format_code(appointment.code),
        "field_id": appointment.field_id, "field_name": field.name if field else "",
        "day": appointment.day.isoformat(), "slot": appointment.slot, "state": appointment.state,
        "name": appointment.name, "phone": appointment.phone, "erased": appointment.erased_at is not None,
        "on_time": appointment.on_time, "cancelled_by": appointment.cancelled_by,
        "ticket": {"id": ticket.id, "number": ticket.display_number, "state": ticket.state} if ticket else None,
    }
