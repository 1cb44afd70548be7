"""Rules room, booking: appointment slots, the check-in window, phone numbers, booking codes and
when a waiting citizen's turn is "near".

The one home of these rules (ticketing.appointments, ticketing.remote, the booking pages, the
kiosk's check-in, the phone page and the reports use them). Decided rules:

* **Slots**: a day's slots start at the office's opening time and follow each other every
  ``slot_minutes``; a slot is offered when it starts no later than the cut-off time and lies
  wholly outside the lunch break. Only working days that are not holidays have slots; today
  only the slots that have not started yet. Citizens book from today to ``booking_days`` days
  ahead (default 6, as iHanoi).
* **Check-in window**: a booking checked in from ``early_min`` minutes before its slot to
  ``late_min`` minutes after it (defaults 10 and 15, both ends included) is **on time**: its
  ticket goes ahead of walk-ins (rules.mixing). Earlier or later it is a walk-in's ticket.
  Only on the booking's own day.
* **Phone numbers** (Vietnamese mobile and landline): digits only after dropping spaces, dots
  and dashes; +84 / 84 becomes a leading 0; 10 digits for a mobile (03, 05, 07, 08, 09),
  10-11 for a landline (02...). Limits count bookings per number so written.
* **Booking code**: 8 digits (shown as 4-4), typed at the kiosk on a keypad or read from the
  booking's QR code (whose text is the booking's link ``/b/<token>``).
* **Near turn**: a waiting ticket is near when at most ``near_people`` people are ahead of it or
  its estimated wait is at most ``near_minutes`` minutes (defaults 3 and 10); 0 turns a
  criterion off.

Pure Python: no Flask, no database.
"""

from __future__ import annotations

import datetime as dt
import re

DEFAULT_BOOKING_DAYS = 6
DEFAULT_SLOT_MINUTES = 30
DEFAULT_SLOT_CAPACITY = 2
DEFAULT_EARLY_MIN = 10
DEFAULT_LATE_MIN = 15
DEFAULT_DAILY_LIMIT = 2  # numbers (or bookings) a day per phone (or phone number)
DEFAULT_FIELD_LIMIT = 1  # ... of them for one field
DEFAULT_NEAR_PEOPLE = 3
DEFAULT_NEAR_MINUTES = 10
DEFAULT_RETENTION_DAYS = 30
DEFAULT_JOIN_ROTATE_S = 60

CODE_DIGITS = 8
_CODE = re.compile(r"^\d{8}$")
_TOKEN_IN_TEXT = re.compile(r"(?:^|/b/)([A-Za-z0-9_-]{20,64})/?$")


def _hhmm(value: str) -> dt.time:
    """Parse "HH:MM"."""
    hours, minutes = value.split(":")
    return dt.time(int(hours), int(minutes))


def _minutes(value: dt.time) -> int:
    """Minutes since midnight."""
    return value.hour * 60 + value.minute


def is_working_day(day: dt.date, working_days, holidays) -> bool:
    """True when ``day`` is one of the office's ISO working days and not a holiday."""
    return day.isoweekday() in set(working_days or []) and day.isoformat() not in set(holidays or [])


def day_slots(hours: dict, slot_minutes: int) -> list[str]:
    """Every slot start ("HH:MM") of a working day, from the office's hours.

    ``hours`` holds ``open_time``, ``cutoff_time``, ``lunch_start``, ``lunch_end`` ("HH:MM").
    """
    step = max(5, int(slot_minutes))
    start, cutoff = _minutes(_hhmm(hours["open_time"])), _minutes(_hhmm(hours["cutoff_time"]))
    lunch_start, lunch_end = _minutes(_hhmm(hours["lunch_start"])), _minutes(_hhmm(hours["lunch_end"]))
    slots = []
    minute = start
    while minute <= cutoff:
        end = minute + step
        if end <= lunch_start or minute >= lunch_end:
            slots.append(f"{minute // 60:02d}:{minute % 60:02d}")
        minute = end
    return slots


def bookable_days(today: dt.date, booking_days: int, working_days, holidays) -> list[dt.date]:
    """The days a citizen may book: today and the next ``booking_days`` days that are working days."""
    days = (today + dt.timedelta(days=n) for n in range(max(0, int(booking_days)) + 1))
    return [day for day in days if is_working_day(day, working_days, holidays)]


def slot_open(day: dt.date, slot: str, local_now: dt.datetime) -> bool:
    """True when a slot can still be booked at office-local time ``local_now`` (it has not started)."""
    if day != local_now.date():
        return day > local_now.date()
    return _minutes(_hhmm(slot)) > local_now.hour * 60 + local_now.minute


def checkin_verdict(slot_local: dt.datetime, local_now: dt.datetime, early_min: int, late_min: int) -> dict:
    """Where a booking checked in at ``local_now`` stands against its slot (both office-local).

    ``{"on_time": bool, "minutes": signed minutes after the slot (negative = early),
    "reason": "on_time" | "early" | "late" | "other_day"}``.
    """
    minutes = (local_now - slot_local).total_seconds() / 60
    if local_now.date() != slot_local.date():
        return {"on_time": False, "minutes": round(minutes), "reason": "other_day"}
    if minutes < -early_min:
        reason = "early"
    elif minutes > late_min:
        reason = "late"
    else:
        reason = "on_time"
    return {"on_time": reason == "on_time", "minutes": round(minutes), "reason": reason}


def normalize_phone(text) -> str | None:
    """A Vietnamese phone number in its one written form (leading 0, digits only), or None."""
    if not isinstance(text, str):
        return None
    digits = re.sub(r"[\s.\-()]", "", text.strip())
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    if not digits.isdigit() or not digits.startswith("0"):
        return None
    if digits[1] in "35789" and len(digits) == 10:
        return digits
    if digits[1] == "2" and len(digits) in (10, 11):
        return digits
    return None


def masked_phone(phone: str) -> str:
    """A phone number as a citizen's own page shows it: 0912•••678."""
    return phone[:4] + "•••" + phone[-3:] if len(phone) >= 8 else "•••"


def format_code(code: str) -> str:
    """A booking code as printed: 4821-7305."""
    return f"{code[:4]}-{code[4:]}" if len(code) == CODE_DIGITS else code


def read_checkin_text(text) -> tuple[str, str] | None:
    """What was typed or scanned at the kiosk: ("code", 8 digits) or ("token", the link's token).

    A USB scanner types the QR's text (the booking's link) and Enter; a person types the code,
    with or without the dash. None when it is neither.
    """
    if not isinstance(text, str):
        return None
    text = text.strip()
    compact = re.sub(r"[\s\-]", "", text)
    if _CODE.match(compact):
        return "code", compact
    found = _TOKEN_IN_TEXT.search(text.split("?")[0].split("#")[0])
    if found:
        return "token", found.group(1)
    return None


def is_near(people_ahead: int, wait_s: int, near_people: int, near_minutes: int) -> bool:
    """True when a waiting citizen should be told their turn is near."""
    return (near_people > 0 and people_ahead <= near_people) or (near_minutes > 0 and wait_s <= near_minutes * 60)


# How a number was taken (Ticket.channel), as reports and staff screens name it.
CHANNELS = {"kiosk": "Máy lấy số", "phone": "Điện thoại (mã QR)", "appointment": "Hẹn giờ", "staff": "Cán bộ cấp"}
CHANNELS_EN = {"kiosk": "Kiosk", "phone": "Phone (QR code)", "appointment": "Appointment", "staff": "Issued by staff"}


def checkin_message(reason: str, slot: str, early_min: int, late_min: int, lang: str = "vi") -> str:
    """What the kiosk tells a citizen who checked in (``reason`` from ``checkin_verdict``)."""
    if lang == "en":
        return {
            "on_time": f"On time for {slot}: you are called before walk-ins.",
            "early": f"More than {early_min} minutes early for {slot}: your number waits like a walk-in's.",
            "late": f"More than {late_min} minutes late for {slot}: your number waits like a walk-in's.",
        }.get(reason, "Your number was issued earlier: here it is again.")
    return {
        "on_time": f"Đúng giờ hẹn {slot}: Quý vị được gọi trước người không hẹn.",
        "early": f"Đến sớm hơn giờ hẹn {slot} quá {early_min} phút: số được xếp như người đến trực tiếp.",
        "late": f"Đến muộn hơn giờ hẹn {slot} quá {late_min} phút: số được xếp như người đến trực tiếp.",
    }.get(reason, "Lịch hẹn này đã lấy số trước đó: đây là số thứ tự của Quý vị.")
