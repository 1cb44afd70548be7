"""Booking room, rules: slots, the check-in window, phone numbers, codes, near turns (rules.booking)."""

import datetime as dt
import zoneinfo

from rules import booking as rules

HN = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
HOURS = {"open_time": "07:30", "cutoff_time": "16:30", "lunch_start": "11:30", "lunch_end": "13:30"}


def local(day, hhmm):
    """An office-local datetime."""
    hours, minutes = map(int, hhmm.split(":"))
    return dt.datetime.combine(day, dt.time(hours, minutes), tzinfo=HN)


def test_slots_run_from_opening_to_cutoff_around_lunch():
    slots = rules.day_slots(HOURS, 30)
    assert slots[:3] == ["07:30", "08:00", "08:30"]
    assert "11:00" in slots and "11:30" not in slots and "13:00" not in slots and "13:30" in slots
    assert slots[-1] == "16:30"


def test_a_slot_that_would_run_into_lunch_is_not_offered():
    assert "11:15" not in rules.day_slots(dict(HOURS, open_time="07:45"), 30)  # 11:15-11:45 crosses 11:30
    assert "10:45" in rules.day_slots(dict(HOURS, open_time="07:45"), 30)


def test_bookable_days_skip_days_off_and_holidays():
    friday = dt.date(2026, 11, 27)
    days = rules.bookable_days(friday, 6, [1, 2, 3, 4, 5], ["2026-12-01"])
    assert days == [dt.date(2026, 11, 27), dt.date(2026, 11, 30), dt.date(2026, 12, 2), dt.date(2026, 12, 3)]


def test_today_only_slots_not_yet_started():
    day = dt.date(2026, 11, 27)
    assert not rules.slot_open(day, "09:00", local(day, "09:00"))
    assert rules.slot_open(day, "09:30", local(day, "09:00"))
    assert rules.slot_open(day + dt.timedelta(days=1), "07:30", local(day, "16:00"))


def test_checkin_window_includes_both_ends():
    day = dt.date(2026, 11, 27)
    slot = local(day, "09:00")
    verdicts = [rules.checkin_verdict(slot, local(day, t), 10, 15)["reason"] for t in ("08:49", "08:50", "09:15", "09:16")]
    assert verdicts == ["early", "on_time", "on_time", "late"]
    assert rules.checkin_verdict(slot, local(day + dt.timedelta(days=1), "09:00"), 10, 15)["reason"] == "other_day"


def test_phone_numbers_have_one_written_form():
    assert rules.normalize_phone("0912 345 678") == "0912345678"
    assert rules.normalize_phone("+84 912.345.678") == "0912345678"
    assert rules.normalize_phone("84912345678") == "0912345678"
    assert rules.normalize_phone("024 3825 1234") == "02438251234"
    for bad in ("091234567", "0112345678", "hello", "", None, 912345678):
        assert rules.normalize_phone(bad) is None
    assert rules.masked_phone("0912345678") == "0912•••678"


def test_kiosk_reads_a_typed_code_or_a_scanned_link():
    assert rules.read_checkin_text(" 4821-7305 ") == ("code", "48217305")
    token = "AbCdEfGhIjKlMnOpQrStUvWxYz012345"
    assert rules.read_checkin_text(f"http://192.168.1.10:5000/b/{token}") == ("token", token)
    assert rules.read_checkin_text(token) == ("token", token)
    assert rules.read_checkin_text("1234") is None and rules.read_checkin_text(None) is None
    assert rules.format_code("48217305") == "4821-7305"


def test_near_when_few_people_or_little_time_is_left():
    assert rules.is_near(3, 3600, 3, 10) and rules.is_near(9, 600, 3, 10)
    assert not rules.is_near(4, 601, 3, 10)
    assert not rules.is_near(0, 0, 0, 0)
