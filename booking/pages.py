"""Booking room, pages: the join page behind the display's QR, the public booking page, a booking's
own page, the entrance poster with the rotating QR, and the staff's list of bookings.

Each page is rendered with what it needs to work at once; the scripts beside them (static/js/
join.js, book.js, bookings.js, joinqr.js) call the JSON routes of booking.api.
"""

from __future__ import annotations

from flask import current_app, g, render_template

import errors
import qr
import realtime
import ticketing
from kiosk.routes import priority_categories, texts_by_language
from models import Office
from rules import access
from rules import booking as rules
from ticketing import appointments, remote

from . import bp, web

# The citizen's pages hold keys (a join pass, a booking's token): no cache, no referrer, no index.
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}


def _missing(message: str, status: int = 404):
    """A friendly page for a wrong link."""
    return render_template("booking/missing.html", message=message), status, PRIVATE


def _my_numbers(office: Office, phone: str | None) -> list[dict]:
    """The numbers this phone took here today, with their status pages."""
    if not phone:
        return []
    return [{"number": t.display_number, "state": t.state, "url": f"/t/{t.public_token}",
             "field": ticketing.get_field(t.field_id).name}
            for t in remote.phone_tickets(office.id, remote.holder_key(phone))]


@bp.get("/j/<int:office_id>/<code>")
def join(office_id, code):
    """The page the display's join QR opens: pick a field and priority as at the kiosk, take a number.

    An old or copied code gets a page that says so (410) and how to get a fresh one.
    """
    office = Office.get_or_none(Office.id == office_id)
    if office is None:
        return _missing("Không tìm thấy văn phòng. Xin quét lại mã QR trên màn hình tại trụ sở.")
    settings = appointments.settings_for(office.id)
    phone = web.phone_id(create=True)
    mine = _my_numbers(office, phone)
    if not settings.join_enabled:
        return render_template("booking/join.html", office=office, state="off", mine=mine, config={}), 404, PRIVATE
    if not remote.join_code_valid(current_app.secret_key, office.id, code, settings.join_rotate_s):
        return (render_template("booking/join.html", office=office, state="expired", mine=mine, config={}), 410,
                PRIVATE)
    config = {
        "office": realtime.office_payload(office),
        "fields": realtime.fields_payload(office),
        "opening": ticketing.opening_state(office),
        "categories": priority_categories(office.id),
        "texts": texts_by_language(),
        "pass": web.make_pass(office.id, phone),
        "limits": {"daily": settings.join_daily_limit, "field": settings.join_field_limit},
        "mine": mine,
    }
    return render_template("booking/join.html", office=office, state="open", mine=mine, config=config), 200, PRIVATE


@bp.get("/book/<int:office_id>")
def book(office_id):
    """The public booking page of an office: field, day, slot, name and phone number."""
    office = Office.get_or_none(Office.id == office_id)
    if office is None:
        return _missing("Không tìm thấy văn phòng.")
    settings = appointments.settings_for(office.id)
    fields = appointments.bookable_fields(office, settings) if settings.booking_enabled else []
    config = {"office": {"id": office.id, "name": office.name}, "enabled": bool(settings.booking_enabled),
              "fields": [{"id": f.id, "name": f.name} for f in fields],
              "limits": {"daily": settings.booking_daily_limit, "field": settings.booking_field_limit},
              "window": {"early": settings.early_min, "late": settings.late_min}}
    return render_template("booking/book.html", office=office, settings=settings, config=config), 200, PRIVATE


@bp.get("/b/<token>")
def booking_page(token):
    """A booking's own page: the code large, its QR (shown at the kiosk), the details, cancel."""
    try:
        booking = appointments.by_token(token)
    except errors.NotFound:
        return _missing("Không tìm thấy lịch hẹn. Hãy kiểm tra lại đường dẫn trong tin nhắn.")
    view = web.public_view(booking)
    settings = appointments.settings_for(booking.office_id)
    return render_template("booking/booking.html", view=view, qr_svg=qr.svg(view["url"], "Mã QR lịch hẹn"),
                           settings=settings, token=token), 200, PRIVATE


@bp.get("/join/poster")
def poster():
    """The entrance poster: the rotating join QR, large, with how to use it (a display or staff opens it)."""
    user, device = g.get("user"), g.get("device")
    if not (access.may(user, access.STAFF) or (device is not None and device.kind == access.DISPLAY)):
        return _missing("Trang này mở trên màn hình đã ghép nối hoặc bởi cán bộ đã đăng nhập.", 401)
    office = ticketing.get_office(user.office_id if access.may(user, access.STAFF) else device.office_id)
    return render_template("booking/poster.html", office=office)


@bp.get("/bookings")
def staff_list():
    """The staff's bookings of a day: see, move and cancel (a login form for the not logged in)."""
    user = g.get("user")
    if user is not None and not access.may(user, access.STAFF):
        return _missing("Tài khoản này không xem được lịch hẹn của văn phòng.", 403)
    office = ticketing.get_office(user.office_id) if user is not None else None
    config = {"logged_in": user is not None, "channels": rules.CHANNELS}
    if office is not None:
        config["office"] = {"id": office.id, "name": office.name}
        config["today"] = ticketing.business_day(office).isoformat()
    return render_template("booking/staff.html", office=office, config=config)
