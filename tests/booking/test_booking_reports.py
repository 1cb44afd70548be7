"""Booking room, reports: tickets by channel, appointments kept, cancelled and missed, arrival times
(booking.figures), on the reports page, in /api/reports/booking and on the live monitor."""

import datetime as dt

from booking import figures
from conftest import make_ticket
from models import Appointment, BookingSettings
from ticketing import appointments, remote

T0 = dt.datetime(2026, 11, 27, 1, 0)  # Friday 08:00 in Hà Nội
DAY = dt.date(2026, 11, 27)


def at(minutes):
    """T0 plus some minutes."""
    return T0 + dt.timedelta(minutes=minutes)


def _book(office, slot, phone, day=DAY):
    """A booking through the rules, made the day before."""
    return appointments.book(office.office.id, office.f1.id, day, slot, "Người hẹn", phone, now=at(-24 * 60))


def test_tickets_are_counted_by_channel(office):
    make_ticket(office.f1, now=at(0), kiosk=office.kiosk)
    make_ticket(office.f1, now=at(1), kiosk=office.kiosk)
    make_ticket(office.f2, now=at(2))  # staff on a citizen's behalf
    remote.issue_from_phone(office.office.id, office.f1.id, remote.holder_key("p"), now=at(3))
    appointments.check_in(office.office.id, _book(office, "08:30", "0912000001").code, now=at(25))
    rows = {r["channel"]: (r["tickets"], r["share"]) for r in figures.by_channel(office.office.id, DAY, DAY)}
    assert rows == {"kiosk": (2, 0.4), "staff": (1, 0.2), "phone": (1, 0.2), "appointment": (1, 0.2)}


def test_no_shows_cancellations_and_arrival_groups(office):
    BookingSettings.create(office=office.office, early_min=10, late_min=15)
    came = [_book(office, slot, f"09120000{n:02d}") for n, slot in enumerate(("08:30", "09:00", "09:30", "10:00"))]
    missed = _book(office, "10:30", "0912000010")
    appointments.cancel(_book(office, "11:00", "0912000011"), "citizen", now=at(-60))
    waiting_today = _book(office, "09:00", "0912000012", day=DAY + dt.timedelta(days=1))
    for booking, minutes in zip(came, (-20, -5, 10, 30), strict=True):  # 20 early, 5 early, 10 late, 30 late
        appointments.check_in(office.office.id, booking.code, now=booking.slot_at + dt.timedelta(minutes=minutes))
    today = DAY + dt.timedelta(days=1)  # DAY is over; waiting_today is today's and not yet due
    found = figures.appointment_figures(office.office, DAY, today, today)
    assert (found["booked"], found["cancelled"], found["came"], found["on_time"], found["no_show"]) == (7, 1, 4, 2, 1)
    assert found["no_show_rate"] == 1 / 5  # of DAY's 5 bookings not cancelled, `missed` never came
    assert [g["count"] for g in found["arrival"]] == [1, 1, 1, 1]
    assert found["median_minutes"] == 2.5
    assert Appointment.get_by_id(missed.id).state == "booked" and waiting_today.state == "booked"


def test_the_reports_page_writes_the_median_as_vietnamese_decimals(office, api):
    """"2,5" as every other figure of the page, not "2.5"."""
    for n, (slot, minutes) in enumerate((("08:30", 0), ("09:00", 5))):
        booking = _book(office, slot, f"09130000{n:02d}")
        appointments.check_in(office.office.id, booking.code, now=booking.slot_at + dt.timedelta(minutes=minutes))
    page = api(username="lanhdao1").get(f"/admin/reports?period=day&date={DAY.isoformat()}").get_data(as_text=True)
    row = page.split("Trung vị (phút so với giờ hẹn", 1)[1].split("</tr>", 1)[0]
    assert ">2,5<" in row, row


def test_an_empty_period_has_no_rates(office):
    found = figures.appointment_figures(office.office, DAY, DAY, DAY)
    assert (found["booked"], found["no_show_rate"], found["median_minutes"]) == (0, None, None)


def test_reports_page_api_and_monitor_show_them(office, api):
    make_ticket(office.f1, kiosk=office.kiosk)
    leader = api(username="lanhdao1")
    page = leader.get("/admin/reports?period=month").get_data(as_text=True)
    assert 'id="booking-report"' in page and "Máy lấy số" in page and "Hẹn giờ" in page
    body = leader.get("/api/reports/booking?period=month").get_json()
    assert {c["channel"]: c["tickets"] for c in body["channels"]}["kiosk"] == 1
    assert body["period"]["kind"] == "month" and body["appointments"]["booked"] == 0
    assert api(username="canbo1").get("/api/reports/booking").status_code == 403
    assert 'id="bookings-card"' in leader.get("/admin/monitor").get_data(as_text=True)
    assert leader.get("/api/reports/booking?period=day&date=31/02/2026").status_code == 422
