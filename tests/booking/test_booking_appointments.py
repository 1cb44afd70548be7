"""Booking room, appointments: book, check in inside or outside the window, cancel, move, limits,
capacity under 8 threads on SQLite and PostgreSQL, retention (ticketing.appointments)."""

import datetime as dt
import threading

import pytest

import errors
import migrations
import models
import ticketing
from conftest import fresh_pg_database, make_field, make_office, make_ticket, seed_test_office
from models import Appointment, BookingSettings, Notification, Ticket
from ticketing import appointments

# Friday 27/11/2026, 08:00 in Hà Nội; the test office is open every day, all day, lunch 11:30-13:30.
T0 = dt.datetime(2026, 11, 27, 1, 0)
DAY = dt.date(2026, 11, 27)
NEXT = dt.date(2026, 11, 28)


def at(minutes):
    """T0 plus some minutes."""
    return T0 + dt.timedelta(minutes=minutes)


def book(office, field, slot="09:00", day=DAY, phone="0912345678", name="Nguyễn Văn An", now=None):
    """A booking through the rules."""
    return appointments.book(office.office.id, field.id, day, slot, name, phone, now=now or T0)


def test_a_booking_has_a_code_a_link_and_a_queued_confirmation(office):
    booking = book(office, office.f1)
    assert len(booking.code) == 8 and booking.code.isdigit() and len(booking.token) >= 20
    assert (booking.slot_at, booking.state, booking.phone) == (dt.datetime(2026, 11, 27, 2, 0), "booked", "0912345678")
    message = Notification.get(Notification.key == f"booking:{booking.id}:confirmed")
    assert message.payload["to"]["phone"] == "0912345678" and booking.slot in message.payload["text"]


def test_checked_in_inside_the_window_goes_ahead_of_walkins(office):
    booking = book(office, office.f1, "09:00")
    walkin = make_ticket(office.f1, now=at(30))
    done = appointments.check_in(office.office.id, booking.code, now=at(52))  # 08:52, 8 minutes early
    assert done.verdict["on_time"] and done.change.ticket.booked_slot == booking.slot_at
    assert done.change.ticket.channel == "appointment" and done.appointment.state == "checked_in"
    assert ticketing.call_next(office.c1.id, now=at(53)).ticket.id == done.change.ticket.id
    assert ticketing.call_next(office.c2.id, now=at(54)).ticket.id == walkin.id


def test_late_checkin_joins_as_a_walkin(office):
    booking = book(office, office.f1, "09:00")
    walkin = make_ticket(office.f1, now=at(70))
    done = appointments.check_in(office.office.id, booking.code, now=at(76))  # 09:16, one minute too late
    assert (done.verdict["reason"], done.change.ticket.booked_slot) == ("late", None)
    assert ticketing.call_next(office.c1.id, now=at(77)).ticket.id == walkin.id
    assert Appointment.get_by_id(booking.id).on_time is False


def test_checkin_by_the_scanned_link_and_twice_gives_the_same_ticket(office):
    booking = book(office, office.f1, "09:00")
    first = appointments.check_in(office.office.id, f"http://10.0.0.5:5000/b/{booking.token}", now=at(60))
    again = appointments.check_in(office.office.id, booking.code, now=at(61))
    assert again.again and again.change.duplicate and again.change.ticket.id == first.change.ticket.id
    assert Ticket.select().count() == 1


def test_checkin_refuses_another_day_a_cancelled_booking_and_an_unknown_code(office):
    tomorrow = book(office, office.f1, "09:00", day=NEXT)
    with pytest.raises(errors.InvalidState, match="28/11/2026 lúc 09:00") as refused:
        appointments.check_in(office.office.id, tomorrow.code, now=at(60))
    assert refused.value.code == "booking_other_day"
    cancelled = appointments.cancel(book(office, office.f2, "10:00"), "citizen", now=at(1))
    with pytest.raises(errors.InvalidState) as refused:
        appointments.check_in(office.office.id, cancelled.code, now=at(60))
    assert refused.value.code == "booking_cancelled"
    with pytest.raises(errors.NotFound):
        appointments.check_in(office.office.id, "00000000" if tomorrow.code != "00000000" else "11111111", now=at(60))
    with pytest.raises(errors.Invalid):
        appointments.check_in(office.office.id, "abc", now=at(60))


def test_another_offices_code_is_not_found(office):
    booking = book(office, office.f1)
    other = make_office()
    make_field(other)
    with pytest.raises(errors.NotFound):
        appointments.check_in(other.id, booking.code, now=at(60))


def test_capacity_holds_and_cancelling_frees_the_slot(office):
    BookingSettings.create(office=office.office, slot_capacity=1)
    first = book(office, office.f1, "09:00", phone="0912000001")
    with pytest.raises(appointments.SlotFull):
        book(office, office.f1, "09:00", phone="0912000002")
    book(office, office.f2, "09:00", phone="0912000003")  # each field has its own capacity
    appointments.cancel(first, "staff", now=at(1))
    assert book(office, office.f1, "09:00", phone="0912000002").state == "booked"


def test_limits_per_phone_number_two_a_day_one_per_field(office):
    third = ticketing.get_field(office.f1.id)
    book(office, office.f1, "09:00", phone="0912 345 678")
    with pytest.raises(appointments.LimitReached, match="lĩnh vực"):
        book(office, third, "10:00", phone="+84912345678")
    book(office, office.f2, "10:00", phone="0912345678")
    other_field = models.Field.create(office=office.office, name="Đất đai", code="DD", number_start=3001)
    with pytest.raises(appointments.LimitReached, match="tối đa 2"):
        book(office, other_field, "11:00", phone="0912345678")
    assert book(office, other_field, "11:00", phone="0912345678", day=NEXT).day == NEXT


def test_booking_refuses_past_slots_far_days_lunch_and_bad_input(office):
    with pytest.raises(errors.Invalid, match="đã qua"):
        book(office, office.f1, "07:30")
    with pytest.raises(errors.Invalid, match="không nhận đặt lịch"):
        book(office, office.f1, "09:00", day=DAY + dt.timedelta(days=7))
    with pytest.raises(errors.Invalid, match="12:00"):
        book(office, office.f1, "12:00")
    with pytest.raises(errors.Invalid) as bad:
        book(office, office.f1, "09:00", phone="123", name=" ")
    assert set(bad.value.extra["fields"]) == {"name", "phone"}


def test_a_field_with_capacity_zero_takes_no_booking(office):
    BookingSettings.create(office=office.office, field_capacity={str(office.f2.id): 0})
    with pytest.raises(errors.OfficeClosed):
        book(office, office.f2)
    fields = appointments.bookable_fields(office.office, appointments.settings_for(office.office.id))
    assert [f.id for f in fields] == [office.f1.id]


def test_availability_counts_free_places_and_hides_started_slots(office):
    book(office, office.f1, "09:00")
    days = appointments.availability(office.office, appointments.settings_for(office.office.id), office.f1, now=T0)
    today = days[0]
    assert today["date"] == "2026-11-27" and today["slots"][0]["slot"] == "08:30"
    assert {s["slot"]: s["free"] for s in today["slots"]}["09:00"] == 1
    assert len(days) == 7  # today and the next 6 days: the test office works every day


def test_staff_move_a_booking_within_capacity(office):
    BookingSettings.create(office=office.office, slot_capacity=1)
    first = book(office, office.f1, "09:00", phone="0912000001")
    second = book(office, office.f1, "10:00", phone="0912000002")
    with pytest.raises(appointments.SlotFull):
        appointments.move(second, DAY, "09:00", now=at(1))
    moved = appointments.move(second, NEXT, "09:00", now=at(1))
    assert (moved.day, moved.slot, moved.slot_at) == (NEXT, "09:00", dt.datetime(2026, 11, 28, 2, 0))
    assert appointments.move(first, DAY, "10:00", now=at(2)).slot == "10:00"


def test_personal_data_is_erased_after_the_retention_period(office):
    BookingSettings.create(office=office.office, retention_days=30)
    old = book(office, office.f1, "09:00")
    new = book(office, office.f2, "09:00", phone="0987654321")
    Appointment.update(day=DAY - dt.timedelta(days=1)).where(Appointment.id == old.id).execute()
    # 30 days after its day `new` is still kept; `old`, a day older, is past the period.
    assert appointments.erase_personal_data(now=T0 + dt.timedelta(days=30)) == 1
    erased, kept = Appointment.get_by_id(old.id), Appointment.get_by_id(new.id)
    assert (erased.name, erased.phone, kept.phone) == ("", "", "0987654321")
    # The confirmations carried them too: gone once they are older than the period.
    assert Notification.select().count() == 2
    assert appointments.erase_personal_data(now=T0 + dt.timedelta(days=31, minutes=1)) == 1
    assert Notification.select().count() == 0


def _race(engine, tmp_path, prepare, attempt):
    """Run ``attempt(bag, n)`` in 8 threads at once on a fresh database of ``engine`` (after
    ``prepare(bag)``); each returns its outcome. The outcomes, and the 09:00 bookings held after."""
    previous = models.db.obj
    with fresh_pg_database() if engine == "postgresql" else _sqlite(tmp_path) as url:
        database = models.make_database(url)
        models.db.initialize(database)
        migrations.upgrade()
        with models.connection():
            bag = seed_test_office()
            prepare(bag)
        results, barrier = [], threading.Barrier(8)

        def run(n):
            with models.connection():
                barrier.wait()
                results.append(attempt(bag, n))

        threads = [threading.Thread(target=run, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        with models.connection():
            held = Appointment.select().where(Appointment.slot == "09:00").count()
        database.close_all()
    models.db.initialize(previous)
    return sorted(results), held


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_eight_threads_booking_the_last_place_exactly_one_gets_it(engine, tmp_path):
    """The slot has one place left; 8 threads with 8 phone numbers book it at once."""

    def prepare(bag):
        BookingSettings.create(office=bag.office, slot_capacity=2)
        book(bag, bag.f1, "09:00", phone="0912000000")

    def attempt(bag, n):
        try:
            book(bag, bag.f1, "09:00", phone=f"09120000{n + 1:02d}")
            return "ok"
        except appointments.SlotFull:
            return "full"

    assert _race(engine, tmp_path, prepare, attempt) == (["full"] * 7 + ["ok"], 2)


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_eight_threads_with_one_phone_number_get_one_booking_of_a_field(engine, tmp_path):
    """The limit per phone number holds under the same race (8 slots free, one number)."""
    slots = ["09:00", "09:30", "10:00", "10:30", "13:30", "14:00", "14:30", "15:00"]

    def attempt(bag, n):
        try:
            book(bag, bag.f1, slots[n], phone="0912345678")
            return "ok"
        except appointments.LimitReached:
            return "limit"

    results, _ = _race(engine, tmp_path, lambda bag: None, attempt)
    assert results == ["limit"] * 7 + ["ok"]


class _sqlite:
    """A temporary SQLite file's URL, as a context manager like fresh_pg_database."""

    def __init__(self, tmp_path):
        """Name the file under ``tmp_path``."""
        self.url = f"sqlite:///{tmp_path / 'race.db'}"

    def __enter__(self):
        """The URL."""
        return self.url

    def __exit__(self, *exc):
        """Nothing to drop."""
        return False
