"""Booking room, numbers from the phone: the rotating join code and the limits per phone (ticketing.remote)."""

import datetime as dt

import pytest

from models import BookingSettings
from ticketing import appointments, remote

T0 = dt.datetime(2026, 11, 27, 2, 0, 30)  # 09:00:30 in Hà Nội
SECRET = "khoa-bi-mat"


def test_the_code_changes_every_window_and_the_previous_one_still_works():
    now = remote.current_join(SECRET, 1, 60, T0)
    later = remote.current_join(SECRET, 1, 60, T0 + dt.timedelta(seconds=60))
    assert now["code"] != later["code"] and len(now["code"]) == remote.CODE_LENGTH
    assert now["expires_in_s"] == 30
    assert remote.join_code_valid(SECRET, 1, now["code"], 60, T0 + dt.timedelta(seconds=60))
    assert not remote.join_code_valid(SECRET, 1, now["code"], 60, T0 + dt.timedelta(seconds=120))


def test_the_code_belongs_to_one_office_and_one_secret():
    code = remote.current_join(SECRET, 1, 60, T0)["code"]
    assert not remote.join_code_valid(SECRET, 2, code, 60, T0)
    assert not remote.join_code_valid("another-secret", 1, code, 60, T0)
    for bad in (None, "", code[:-1], code.upper() + "x", 12345):
        assert not remote.join_code_valid(SECRET, 1, bad, 60, T0)
    assert remote.join_code_valid(SECRET, 1, code.upper(), 60, T0)  # a phone may change the case


def test_a_phone_gets_two_numbers_a_day_and_one_per_field(office):
    holder = remote.holder_key("phone-1")
    first = remote.issue_from_phone(office.office.id, office.f1.id, holder, now=T0).ticket
    assert (first.channel, first.holder) == ("phone", holder)
    with pytest.raises(appointments.LimitReached, match=first.display_number):
        remote.issue_from_phone(office.office.id, office.f1.id, holder, now=T0)
    remote.issue_from_phone(office.office.id, office.f2.id, holder, priority=office.prio.code, now=T0)
    third = office.f1.__class__.create(office=office.office, name="Đất đai", code="DD", number_start=3001)
    with pytest.raises(appointments.LimitReached, match="tối đa 2"):
        remote.issue_from_phone(office.office.id, third.id, holder, now=T0)
    assert remote.issue_from_phone(office.office.id, third.id, remote.holder_key("phone-2"), now=T0).ticket
    assert remote.issue_from_phone(office.office.id, office.f1.id, holder, now=T0 + dt.timedelta(days=1)).ticket


def test_the_office_sets_the_limits(office):
    BookingSettings.create(office=office.office, join_daily_limit=0, join_field_limit=0)
    holder = remote.holder_key("phone-1")
    numbers = [remote.issue_from_phone(office.office.id, office.f1.id, holder, now=T0).ticket for _ in range(3)]
    assert [t.display_number for t in numbers] == ["1001", "1002", "1003"]
    assert [t.id for t in remote.phone_tickets(office.office.id, holder, T0)] == [t.id for t in numbers]
