"""Queue rules room, clock: the office's time zone, business day and opening hours."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from models import Office, utcnow


def office_tz(office: Office) -> zoneinfo.ZoneInfo:
    """The office's time zone."""
    return zoneinfo.ZoneInfo(office.timezone or "Asia/Ho_Chi_Minh")


def local_now(office: Office, now: dt.datetime | None = None) -> dt.datetime:
    """Office-local aware datetime for a naive-UTC ``now`` (default: the clock)."""
    now = now or utcnow()
    return now.replace(tzinfo=dt.timezone.utc).astimezone(office_tz(office))


def business_day(office: Office, now: dt.datetime | None = None) -> dt.date:
    """The office's business day: its local date, rolling over at local midnight."""
    return local_now(office, now).date()


def day_start_utc(office: Office, day: dt.date) -> dt.datetime:
    """Naive-UTC instant of the office's local midnight starting ``day``."""
    local = dt.datetime.combine(day, dt.time(0, 0), tzinfo=office_tz(office))
    return local.astimezone(dt.timezone.utc).replace(tzinfo=None)


def to_local(office: Office, value: dt.datetime | None) -> dt.datetime | None:
    """Convert a stored naive-UTC datetime to office-local aware time."""
    if value is None:
        return None
    return value.replace(tzinfo=dt.timezone.utc).astimezone(office_tz(office))


def _hhmm(value: str) -> dt.time:
    """Parse "HH:MM"."""
    hours, minutes = value.split(":")
    return dt.time(int(hours), int(minutes))


def opening_state(office: Office, now: dt.datetime | None = None) -> dict:
    """Whether tickets can be issued now; if not, why and when the office opens again."""
    local = local_now(office, now)
    today = local.date()
    minute = local.time().replace(second=0, microsecond=0)  # the cut-off minute itself still issues
    holidays = set(office.holidays or [])
    days = set(office.working_days or [])
    open_t, cutoff_t = _hhmm(office.open_time), _hhmm(office.cutoff_time)
    hours = f"{office.open_time}–{office.close_time}"

    def next_open(start: dt.date) -> dict:
        day = start
        for _ in range(31):
            if day.isoweekday() in days and day.isoformat() not in holidays:
                return {"date": day.isoformat(), "time": office.open_time}
            day += dt.timedelta(days=1)
        return None

    if today.isoformat() in holidays:
        return {"open": False, "reason": "holiday", "message": "Hôm nay là ngày nghỉ lễ.",
                "next_open": next_open(today + dt.timedelta(days=1)), "hours": hours}
    if today.isoweekday() not in days:
        return {"open": False, "reason": "day_off", "message": "Hôm nay không phải ngày làm việc.",
                "next_open": next_open(today + dt.timedelta(days=1)), "hours": hours}
    if minute < open_t:
        return {"open": False, "reason": "not_yet_open",
                "message": f"Chưa đến giờ làm việc. Bắt đầu cấp số lúc {office.open_time}.",
                "next_open": {"date": today.isoformat(), "time": office.open_time}, "hours": hours}
    if minute > cutoff_t:
        return {"open": False, "reason": "after_cutoff",
                "message": f"Đã hết giờ cấp số hôm nay (sau {office.cutoff_time}).",
                "next_open": next_open(today + dt.timedelta(days=1)), "hours": hours}
    lunch = _hhmm(office.lunch_start) <= minute < _hhmm(office.lunch_end)
    return {"open": True, "reason": "lunch" if lunch else "open", "message": "", "hours": hours,
            "lunch": lunch, "next_open": None}
