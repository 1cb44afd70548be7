"""Queue rules room, appointments (hẹn giờ): book a slot, cancel or move it, check in at the kiosk,
and erase personal data after the retention period.

Plain functions, one write transaction each, domain exceptions (errors). The rules themselves
(slots, the check-in window, phone numbers, codes) are rules.booking's; the order in which a
checked-in appointment is called is rules.mixing's. A booking and its confirmation message are
written in the same transaction (notify.outbox): the message is sent later by the notifier, so
nothing here waits on the network.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import secrets

import statements
from errors import DomainError, Invalid, InvalidState, NotFound, OfficeClosed
from models import Appointment, BookingSettings, Field, Office, Ticket, utcnow
from notify import outbox
from rules import booking as rules
from rules import calendar
from statements import write_transaction

from .changes import Change
from .clock import business_day, local_now, office_tz, to_local
from .issuing import issue_ticket
from .lookups import get_field, get_office

ACTIVE = ("booked", "checked_in")  # states that hold a place in their slot
NAME_MAX = 120


class SlotFull(DomainError):
    """The slot has no place left for this field."""

    code, status = "slot_full", 409


class LimitReached(DomainError):
    """A phone number (or a phone) has taken as many bookings (numbers) as the office allows."""

    code, status = "limit_reached", 429


def settings_for(office_id: int) -> BookingSettings:
    """The office's booking settings (its saved row, or the defaults: reading writes nothing)."""
    found = statements.one("booking_settings_of_office", office_id=office_id)
    return found if found is not None else BookingSettings(office=office_id)


def capacity_of(settings: BookingSettings, field_id: int) -> int:
    """Bookings a slot of this field takes (the field's own setting, else the office's)."""
    value = (settings.field_capacity or {}).get(str(field_id))
    return int(value) if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else settings.slot_capacity


def lock_key(*parts) -> int:
    """A 64-bit key naming what writers take turns on (statements.serialize)."""
    digest = hashlib.sha256(":".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def hours_of(office: Office) -> dict:
    """The office's hours as rules.booking reads them."""
    return {k: getattr(office, k) for k in ("open_time", "cutoff_time", "lunch_start", "lunch_end")}


def slot_instant(office: Office, day: dt.date, slot: str) -> dt.datetime:
    """The naive-UTC instant a local slot ("HH:MM" on ``day``) starts."""
    hours, minutes = slot.split(":")
    local = dt.datetime.combine(day, dt.time(int(hours), int(minutes)), tzinfo=office_tz(office))
    return local.astimezone(dt.timezone.utc).replace(tzinfo=None)


def day_label(day: dt.date) -> str:
    """"Thứ Sáu 27/11/2026"."""
    return f"{calendar.weekday_name(day.isoweekday())} {day.strftime('%d/%m/%Y')}"


# --------------------------------------------------------------------------- what can be booked


def bookable_fields(office: Office, settings: BookingSettings) -> list[Field]:
    """The office's active fields that take bookings (capacity above 0), in the office's order."""
    return [f for f in Field.for_office(office.id, active_only=True) if capacity_of(settings, f.id) > 0]


def availability(office: Office, settings: BookingSettings, field: Field, now=None) -> list[dict]:
    """The bookable days of a field with each slot's free places: ``[{date, label, slots: [{slot, free}]}]``.

    Slots that have started are left out; a day without a slot left is left out. One query.
    """
    local = local_now(office, now)
    days = rules.bookable_days(local.date(), settings.booking_days, office.working_days, office.holidays)
    if not days:
        return []
    taken: dict = {}
    rows = (Appointment.select(Appointment.day, Appointment.slot)
            .where((Appointment.office == office.id) & (Appointment.field == field.id)
                   & (Appointment.day.between(days[0], days[-1])) & (Appointment.state.in_(ACTIVE)))
            .tuples())
    for day, slot in rows:
        taken[(day, slot)] = taken.get((day, slot), 0) + 1
    capacity = capacity_of(settings, field.id)
    result = []
    for day in days:
        slots = [{"slot": slot, "free": max(0, capacity - taken.get((day, slot), 0))}
                 for slot in rules.day_slots(hours_of(office), settings.slot_minutes)
                 if rules.slot_open(day, slot, local)]
        if slots:
            result.append({"date": day.isoformat(), "label": day_label(day), "slots": slots})
    return result


def _check_slot(office: Office, settings: BookingSettings, day: dt.date, slot: str, now) -> None:
    """Refuse a day or slot the office does not offer (now)."""
    local = local_now(office, now)
    if day not in rules.bookable_days(local.date(), settings.booking_days, office.working_days, office.holidays):
        raise Invalid(f"Ngày {day.strftime('%d/%m/%Y')} không nhận đặt lịch (ngoài thời gian đặt trước, "
                      "ngày nghỉ hoặc ngày lễ).", fields={"day": "not bookable"})
    if slot not in rules.day_slots(hours_of(office), settings.slot_minutes):
        raise Invalid(f"Giờ hẹn {slot} không có trong lịch tiếp nhận.", fields={"slot": "unknown"})
    if not rules.slot_open(day, slot, local):
        raise Invalid(f"Giờ hẹn {slot} hôm nay đã qua. Xin chọn giờ khác.", fields={"slot": "past"})


def _count(*conditions) -> int:
    """Active bookings matching every condition."""
    query = Appointment.select().where(Appointment.state.in_(ACTIVE))
    for condition in conditions:
        query = query.where(condition)
    return query.count()


def _new_code() -> str:
    """An unused 8-digit booking code."""
    while True:
        code = f"{secrets.randbelow(10 ** rules.CODE_DIGITS):0{rules.CODE_DIGITS}d}"
        if not Appointment.select().where(Appointment.code == code).exists():
            return code


# --------------------------------------------------------------------------- booking


def book(office_id: int, field_id: int, day: dt.date, slot: str, name: str, phone: str, now=None) -> Appointment:
    """Book a slot for a citizen: capacity of the slot and the limits per phone number hold even
    when many book at once (writers of one office and day take turns)."""
    now = now or utcnow()
    office = get_office(office_id)
    settings = settings_for(office.id)
    if not settings.booking_enabled:
        raise OfficeClosed("Văn phòng hiện không nhận đặt lịch hẹn.", code="booking_off")
    field = get_field(field_id, office.id)
    if not field.active or capacity_of(settings, field.id) <= 0:
        raise OfficeClosed(f"Lĩnh vực {field.name} không nhận đặt lịch hẹn.", code="field_closed")
    name = name.strip() if isinstance(name, str) else ""
    number = rules.normalize_phone(phone)
    problems = {}
    if not 1 <= len(name) <= NAME_MAX:
        problems["name"] = f"Họ tên từ 1 đến {NAME_MAX} ký tự."
    if number is None:
        problems["phone"] = "Số điện thoại Việt Nam, ví dụ 0912 345 678."
    if problems:
        raise Invalid("Xin kiểm tra lại: " + " ".join(problems.values()), fields=problems)
    _check_slot(office, settings, day, slot, now)
    with write_transaction():
        statements.serialize(lock_key("booking", office.id, day))
        _check_limits(office.id, settings, field, day, number)
        if _count(Appointment.office == office.id, Appointment.day == day, Appointment.field == field.id,
                  Appointment.slot == slot) >= capacity_of(settings, field.id):
            raise SlotFull(f"Giờ {slot} ngày {day.strftime('%d/%m/%Y')} của lĩnh vực {field.name} đã kín chỗ. "
                           "Xin chọn giờ khác.")
        appointment = Appointment.create(office=office.id, field=field.id, day=day, slot=slot,
                                         slot_at=slot_instant(office, day, slot), code=_new_code(), name=name,
                                         phone=number, created_at=now)
        outbox.enqueue(office.id, f"booking:{appointment.id}:confirmed", "booking_confirmed",
                       booking_message(office, field, appointment), now)
    return appointment


def _check_limits(office_id: int, settings: BookingSettings, field: Field, day: dt.date, phone: str,
                  moving: Appointment | None = None) -> None:
    """Refuse a booking past the limits per phone number (a day, and for one field)."""
    others = [Appointment.office == office_id, Appointment.day == day, Appointment.phone == phone]
    if moving is not None:
        others.append(Appointment.id != moving.id)
    if settings.booking_daily_limit and _count(*others) >= settings.booking_daily_limit:
        raise LimitReached(f"Mỗi số điện thoại chỉ được đặt tối đa {settings.booking_daily_limit} lịch hẹn "
                           "trong một ngày.")
    if settings.booking_field_limit and _count(*others, Appointment.field == field.id) >= settings.booking_field_limit:
        raise LimitReached(f"Số điện thoại này đã có lịch hẹn lĩnh vực {field.name} trong ngày "
                           f"{day.strftime('%d/%m/%Y')}.")


def booking_message(office: Office, field: Field, appointment: Appointment) -> dict:
    """The confirmation message (notify.outbox payload): who, what, and the text to send."""
    text = (f"{office.name}: đã đặt lịch {field.name} lúc {appointment.slot} {day_label(appointment.day)}. "
            f"Mã {rules.format_code(appointment.code)}. Đến trước giờ hẹn, quét mã hoặc nhập mã tại máy lấy số.")
    return {"to": {"phone": appointment.phone, "name": appointment.name}, "text": text,
            "path": f"/b/{appointment.token}",
            "booking": {"code": appointment.code, "field": field.name, "day": appointment.day.isoformat(),
                        "slot": appointment.slot}}


def by_token(token) -> Appointment:
    """A booking by its link's token, or NotFound."""
    found = (Appointment.get_or_none(Appointment.token == token)
             if isinstance(token, str) and 20 <= len(token) <= 64 else None)
    if found is None:
        raise NotFound("Không tìm thấy lịch hẹn. Hãy kiểm tra lại đường dẫn.")
    return found


def get_booking(booking_id: int, office_id: int) -> Appointment:
    """A booking of an office by id, or NotFound."""
    found = Appointment.get_or_none((Appointment.id == booking_id) & (Appointment.office == office_id))
    if found is None:
        raise NotFound("Không tìm thấy lịch hẹn.")
    return found


def cancel(appointment: Appointment, by: str, now=None) -> Appointment:
    """Cancel a booking not yet checked in (by the citizen from its link, or by staff): its place is free."""
    now = now or utcnow()
    with write_transaction():
        moved = (Appointment.update(state="cancelled", cancelled_at=now, cancelled_by=by)
                 .where((Appointment.id == appointment.id) & (Appointment.state == "booked"))
                 .execute())
    fresh = Appointment.get_by_id(appointment.id)
    if not moved and fresh.state != "cancelled":
        raise InvalidState("Lịch hẹn đã được dùng để lấy số, không hủy được nữa.", code="booking_used")
    return fresh


def move(appointment: Appointment, day: dt.date, slot: str, now=None) -> Appointment:
    """Staff move a booking not yet checked in to another day or slot (capacity holds; the citizen's
    limits are the staff's call)."""
    now = now or utcnow()
    office = get_office(appointment.office_id)
    settings = settings_for(office.id)
    _check_slot(office, settings, day, slot, now)
    field = get_field(appointment.field_id, office.id)
    with write_transaction():
        for key_day in sorted({appointment.day, day}):  # one order for every writer: no deadlock
            statements.serialize(lock_key("booking", office.id, key_day))
        current = Appointment.get_by_id(appointment.id)
        if current.state != "booked":
            raise InvalidState("Chỉ dời được lịch hẹn chưa dùng để lấy số.", code="booking_used")
        if _count(Appointment.office == office.id, Appointment.day == day, Appointment.field == field.id,
                  Appointment.slot == slot, Appointment.id != current.id) >= capacity_of(settings, field.id):
            raise SlotFull(f"Giờ {slot} ngày {day.strftime('%d/%m/%Y')} đã kín chỗ.")
        Appointment.update(day=day, slot=slot, slot_at=slot_instant(office, day, slot)).where(
            Appointment.id == current.id).execute()
    return Appointment.get_by_id(appointment.id)


# --------------------------------------------------------------------------- check-in


@dataclasses.dataclass
class CheckIn:
    """A check-in's outcome: the ticket's change, the booking, and where it stood against its slot."""

    change: Change
    appointment: Appointment
    verdict: dict
    again: bool = False  # the booking was already checked in: its ticket, again


def find_for_checkin(office_id: int, text) -> Appointment:
    """The office's booking named by what was typed or scanned at the kiosk (code or link)."""
    read = rules.read_checkin_text(text)
    if read is None:
        raise Invalid("Mã đặt lịch gồm 8 chữ số (hoặc quét mã QR của lịch hẹn).", fields={"code": "format"},
                      code="bad_code")
    kind, value = read
    column = Appointment.code if kind == "code" else Appointment.token
    found = Appointment.get_or_none((column == value) & (Appointment.office == office_id))
    if found is None:
        raise NotFound("Không tìm thấy lịch hẹn với mã này. Xin kiểm tra lại hoặc hỏi cán bộ.", code="booking_not_found")
    return found


def check_in(office_id: int, text, kiosk=None, print_ticket: bool = False, now=None) -> CheckIn:
    """Check a booking in: a ticket of its field; ahead of walk-ins when inside the window around its
    slot (rules.booking, rules.mixing), as a walk-in's otherwise. Twice: the same ticket again."""
    now = now or utcnow()
    appointment = find_for_checkin(office_id, text)
    office = get_office(office_id)
    settings = settings_for(office.id)
    verdict = rules.checkin_verdict(to_local(office, appointment.slot_at), local_now(office, now),
                                    settings.early_min, settings.late_min)
    with write_transaction():
        claimed = (Appointment.update(state="checked_in", checked_in_at=now, on_time=verdict["on_time"])
                   .where((Appointment.id == appointment.id) & (Appointment.state == "booked")
                          & (Appointment.day == business_day(office, now)))
                   .execute())
        if not claimed:
            return _not_claimed(office, appointment)
        change = issue_ticket(office.id, appointment.field_id, kiosk=kiosk, print_ticket=print_ticket, now=now,
                              channel="appointment", booked_slot=appointment.slot_at if verdict["on_time"] else None)
        Appointment.update(ticket=change.ticket.id).where(Appointment.id == appointment.id).execute()
    return CheckIn(change, Appointment.get_by_id(appointment.id), verdict)


def _not_claimed(office: Office, appointment: Appointment) -> CheckIn:
    """Why a booking could not be checked in now; an already checked-in one gives its ticket again."""
    current = Appointment.get_by_id(appointment.id)
    if current.state == "checked_in" and current.ticket_id:
        ticket = Ticket.get_by_id(current.ticket_id)
        change = Change("issued", office.id, ticket=ticket, field_ids={ticket.field_id}, duplicate=True, office=office)
        return CheckIn(change, current, {"on_time": bool(current.on_time), "minutes": None, "reason": "again"}, True)
    if current.state == "cancelled":
        raise InvalidState("Lịch hẹn này đã bị hủy. Xin lấy số như người đến trực tiếp.", code="booking_cancelled")
    raise InvalidState(f"Lịch hẹn của Quý vị vào {day_label(current.day)} lúc {current.slot}. "
                       "Xin quay lại đúng ngày hẹn, hoặc lấy số như người đến trực tiếp.", code="booking_other_day")


# --------------------------------------------------------------------------- staff and housekeeping


def day_bookings(office_id: int, day: dt.date) -> list[Appointment]:
    """Every booking of an office on a day (cancelled ones too), by slot."""
    return list(Appointment.select()
                .where((Appointment.office == office_id) & (Appointment.day == day))
                .order_by(Appointment.slot, Appointment.field, Appointment.id))


def erase_personal_data(now=None) -> int:
    """Erase names and phone numbers of bookings older than their office's retention period (and the
    messages that carried them); returns how many bookings were erased."""
    now = now or utcnow()
    erased = 0
    for office in Office.select(Office.id, Office.timezone):
        settings = settings_for(office.id)
        before = business_day(office, now) - dt.timedelta(days=max(0, settings.retention_days))
        with write_transaction():
            erased += (Appointment.update(name="", phone="", erased_at=now)
                       .where((Appointment.office == office.id) & (Appointment.day < before)
                              & Appointment.erased_at.is_null())
                       .execute())
            outbox.forget(office.id, now - dt.timedelta(days=max(0, settings.retention_days)))
    return erased
