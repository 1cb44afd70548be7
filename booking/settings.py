"""Booking room, settings: the admin page /admin/booking and its JSON (GET for leaders, PUT for admins).

One form for numbers from the phone, appointments, the check-in window, the mixing cap
(``Office.appointment_ratio``), "your turn is near", the retention of personal data and the
notifier's webhook. Saved all or nothing, audited (``booking.settings``).
"""

from __future__ import annotations

from flask import g, jsonify, render_template

import qr
import statements
import ticketing
from admin.access import office_id, page, reader, writer
from admin.forms import Form
from admin.store import _diff, audit
from api import openapi
from api.validation import json_body
from models import BookingSettings, Field, Office, utcnow
from rules import access
from statements import write_transaction
from ticketing import appointments

from . import bp, web

# Setting -> (Vietnamese label, lowest, highest) of the whole numbers.
NUMBERS = {
    "join_rotate_s": ("thời gian đổi mã QR (giây)", 30, 600),
    "join_daily_limit": ("số thứ tự tối đa một ngày cho mỗi điện thoại", 0, 20),
    "join_field_limit": ("số thứ tự tối đa một lĩnh vực cho mỗi điện thoại", 0, 10),
    "booking_days": ("số ngày được đặt trước", 0, 60),
    "slot_minutes": ("độ dài mỗi khung giờ (phút)", 10, 240),
    "slot_capacity": ("số chỗ mỗi khung giờ", 0, 100),
    "booking_daily_limit": ("số lịch hẹn tối đa một ngày cho mỗi số điện thoại", 0, 20),
    "booking_field_limit": ("số lịch hẹn tối đa một lĩnh vực cho mỗi số điện thoại", 0, 10),
    "early_min": ("số phút được đến sớm", 0, 120),
    "late_min": ("số phút được đến muộn", 0, 120),
    "retention_days": ("số ngày giữ họ tên và số điện thoại", 1, 3650),
    "near_people": ("báo sắp đến lượt khi còn bao nhiêu người", 0, 50),
    "near_minutes": ("báo sắp đến lượt khi còn bao nhiêu phút", 0, 240),
}
FLAGS = {"join_enabled": "lấy số bằng điện thoại", "booking_enabled": "đặt lịch hẹn"}
CAPACITY_PREFIX = "capacity_"  # the page's per-field boxes: capacity_<field id>


def settings_dict(office: Office, settings: BookingSettings) -> dict:
    """Every setting of the form, as the page and the JSON show them."""
    values = {name: getattr(settings, name) for name in (*NUMBERS, *FLAGS, "notify_url")}
    values["field_capacity"] = {str(k): v for k, v in (settings.field_capacity or {}).items()}
    values["notify_secret_set"] = bool(settings.notify_secret)
    values["appointment_ratio"] = office.appointment_ratio
    return values


def _check(data: dict, field_ids: set[int]) -> tuple[dict, dict, int | None]:
    """(settings values, per-field capacities or None, appointment ratio or None) of a body; 422 when bad."""
    form = Form(data, partial=True)
    for name, (label, low, high) in NUMBERS.items():
        form.integer(name, label, low, high)
    for name, label in FLAGS.items():
        form.boolean(name, label)
    form.integer("appointment_ratio", "số lượt hẹn liên tiếp", 0, 10)
    url = form.text("notify_url", "địa chỉ webhook", max_length=300)
    if url and not url.startswith(("http://", "https://")):
        form.error("notify_url", "Địa chỉ webhook phải bắt đầu bằng http:// hoặc https://.")
    form.text("notify_secret", "khóa ký webhook", max_length=200)
    capacities = {}
    # The JSON form GET answers, {"field_capacity": {"<field id>": places}}, stands for the page's
    # capacity_<field id> boxes (it used to be ignored without a word).
    if "field_capacity" in data:
        given = data["field_capacity"]
        if not isinstance(given, dict):
            form.error("field_capacity", "Số chỗ theo lĩnh vực là một đối tượng {mã lĩnh vực: số chỗ}.")
            given = {}
        data = {k: v for k, v in data.items() if k != "field_capacity"}
        data.update({f"{CAPACITY_PREFIX}{key}": value for key, value in given.items()})
        if not given:
            data[f"{CAPACITY_PREFIX}"] = None  # an empty map clears every field's own number
    for key, value in data.items():
        if key.startswith(CAPACITY_PREFIX):
            number = key[len(CAPACITY_PREFIX):]
            if key == CAPACITY_PREFIX:
                continue
            if not number.isdigit() or int(number) not in field_ids:
                form.error(key, "Không có lĩnh vực này.")
            elif value is None or value == "":
                continue  # empty: the office's number of places applies
            elif isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
                form.error(key, "Số chỗ từ 0 đến 100 (0 = không nhận đặt lịch).")
            else:
                capacities[number] = value
    values = form.check()
    ratio = values.pop("appointment_ratio", None)
    if not values.get("notify_secret"):
        values.pop("notify_secret", None)  # absent or empty: the secret is kept (the page never shows it)
    has_capacity = any(k.startswith(CAPACITY_PREFIX) for k in data)
    return values, capacities if has_capacity else None, ratio


def update(office_id_: int, user, data: dict) -> dict:
    """Save a (partial) settings body, all or nothing, audited; the new settings."""
    with write_transaction():
        office = ticketing.get_office(office_id_)
        statements.serialize(appointments.lock_key("booking-settings", office.id))  # the first save inserts the row
        settings = appointments.settings_for(office.id)
        before = settings_dict(office, settings)
        field_ids = {f.id for f in Field.select(Field.id).where(Field.office == office.id)}
        values, capacities, ratio = _check(data, field_ids)
        if capacities is not None:
            values["field_capacity"] = capacities
        for name, value in values.items():
            setattr(settings, name, value)
        settings.updated_at = utcnow()
        settings.save(force_insert=settings.id is None)
        if ratio is not None:
            Office.update(appointment_ratio=ratio).where(Office.id == office.id).execute()
            office.appointment_ratio = ratio
        after = settings_dict(office, settings)
        old, new = _diff(before, after)
        if "notify_secret" in values:
            old["notify_secret"], new["notify_secret"] = "•••", "•••"  # changed, never written down
        if new:
            audit(office.id, user, "booking.settings", "Hẹn giờ và lấy số từ xa", old, new)
    return after


@bp.get("/admin/booking")
@page
def admin_page():
    """Settings of numbers from the phone and appointments, with the booking page's address and QR."""
    office = ticketing.get_office(office_id())
    settings = appointments.settings_for(office.id)
    book_url = f"{web.base_url()}/book/{office.id}"
    return render_template("booking/admin.html", office=office, settings=settings_dict(office, settings),
                           fields=list(Field.for_office(office.id, active_only=True)), book_url=book_url,
                           book_qr=qr.svg(book_url, "Mã QR trang đặt lịch hẹn"),
                           can_write=access.may(g.user, access.WRITE_ADMIN))


@bp.get("/api/admin/booking-settings")
@reader
def get_settings():
    """The settings (leaders read them too)."""
    office = ticketing.get_office(office_id())
    return jsonify(settings_dict(office, appointments.settings_for(office.id)))


@bp.put("/api/admin/booking-settings")
@writer
def put_settings():
    """Change settings (partial body; 422 ``invalid`` with ``fields``; nothing half-saved)."""
    return jsonify(update(office_id(), g.user, json_body()))


openapi.register(
    ("get", "/api/admin/booking-settings", "Settings of numbers from the phone and appointments", "admin, leader",
     None, 200, None),
    ("put", "/api/admin/booking-settings", "Change them (partial body)", "admin",
     openapi._obj([], **{name: openapi.INT for name in NUMBERS}), 200, None),
)
