"""Booking room, in Chromium against the real server: the clerk's list of the day's bookings (log in,
move one, cancel one), the admin's settings page, the monitor's bookings per slot and the entrance
poster (its QR read off a screenshot)."""

import datetime as dt

import pytest

import models
import ticketing
from booking_browser import BOARD, open_page, qr_texts, shot
from conftest import PASSWORD, SCREENSHOTS, free_port
from models import Appointment, AuditLog, Office
from ticketing import appointments

DESK = {"width": 1366, "height": 768}


def _seed(bag):
    """Three bookings later today (one checked in) for the office open all day."""
    office = Office.get_by_id(bag.office.id)
    local = ticketing.local_now(office)
    day = local.date()
    made = []
    for n, (name, phone) in enumerate((("Nguyễn Văn An", "0912345678"), ("Trần Thị Bình", "0987654321"),
                                       ("Lê Văn Cường", "0901234567"))):
        start = (local + dt.timedelta(minutes=40 * (n + 1))).replace(second=0, microsecond=0)
        if start.date() != day:  # late in the evening: keep the bookings on today
            start = local.replace(second=0, microsecond=0)
        slot_at = start.astimezone(dt.timezone.utc).replace(tzinfo=None)
        made.append(Appointment.create(office=office, field=bag.f1 if n != 1 else bag.f2, day=day,
                                       slot=start.strftime("%H:%M"), slot_at=slot_at, code=f"1234567{n}",
                                       name=name, phone=phone))
    appointments.check_in(office.id, made[0].code)
    return made


@pytest.mark.browser
def test_staff_list_settings_monitor_and_poster(browser, live_office, live_server_factory):
    db_url, bag = live_office
    with models.connection():
        Office.update(name="UBND xã Thanh Xương").where(Office.id == bag.office.id).execute()
        made = _seed(bag)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    live_server_factory(db_url=db_url, env={"PUBLIC_BASE_URL": base}, port=port)

    clerk = open_page(browser, f"{base}/bookings", DESK)
    clerk.fill("#sb-login input[name=username]", "canbo1")
    clerk.fill("#sb-login input[name=password]", PASSWORD)
    clerk.click("#sb-login button[type=submit]")
    clerk.wait_for_selector("#sb-rows tr")
    assert clerk.locator("#sb-rows tr").count() == 3
    assert "Trần Thị Bình" in clerk.inner_text("#sb-rows") and "0987654321" in clerk.inner_text("#sb-rows")
    shot(clerk, "staff-list")
    row = clerk.locator(f'#sb-rows tr[data-id="{made[2].id}"]')
    row.locator("[data-move]").click()
    clerk.wait_for_selector("#sb-move[open]")
    clerk.fill("#sb-move-form input[name=day]", (made[2].day + dt.timedelta(days=1)).isoformat())
    clerk.fill("#sb-move-form input[name=slot]", "09:00")
    clerk.click("#sb-move-form button[type=submit]")
    clerk.wait_for_function("document.querySelectorAll('#sb-rows tr').length === 2")
    clerk.on("dialog", lambda dialog: dialog.accept())
    clerk.locator(f'#sb-rows tr[data-id="{made[1].id}"] [data-cancel]').click()
    clerk.wait_for_selector(f'#sb-rows tr[data-id="{made[1].id}"][data-state="cancelled"]')
    with models.connection():
        moved = Appointment.get_by_id(made[2].id)
        assert (moved.slot, moved.day) == ("09:00", made[2].day + dt.timedelta(days=1))
        assert Appointment.get_by_id(made[1].id).cancelled_by == "staff"
        assert [a.action for a in AuditLog.select().order_by(AuditLog.id)] == ["booking.move", "booking.cancel"]

    admin = open_page(browser, f"{base}/admin/login", DESK)
    admin.fill("#login-form input[name=username]", "admin1")
    admin.fill("#login-form input[name=password]", PASSWORD)
    admin.click("#login-form button[type=submit]")
    admin.wait_for_url(f"{base}/admin")
    admin.goto(f"{base}/admin/booking")
    admin.wait_for_selector("#h-join")
    shot(admin, "admin-settings")
    admin.fill("input[name=late_min]", "20")
    # A saved form reloads the page (admin.js): wait for that reload, or the next goto races it.
    with admin.expect_navigation(), admin.expect_response(
            lambda r: r.url.endswith("/api/admin/booking-settings") and r.request.method == "PUT") as saved:
        admin.locator("form:has(input[name=late_min]) button[type=submit]").click()
    assert saved.value.status == 200
    with models.connection():
        assert appointments.settings_for(bag.office.id).late_min == 20
    admin.goto(f"{base}/admin/monitor")
    admin.wait_for_selector('#bookings-slots tr[data-slot]')
    assert "1 người đã đến lấy số" in admin.inner_text("#bookings-summary")
    shot(admin, "monitor-bookings")
    admin.goto(f"{base}/admin/reports?period=month")
    assert admin.inner_text('#booking-channels tr[data-channel="appointment"] td.num') == "1"
    admin.evaluate("document.fonts.ready")
    admin.locator("#booking-report").screenshot(path=str(SCREENSHOTS / "booking-report-section.png"))

    poster = open_page(browser, f"{base}/pair/{bag.display_token}", BOARD)
    poster.goto(f"{base}/join/poster")
    poster.wait_for_selector("#join-qr svg")
    assert qr_texts(poster.screenshot())[0].startswith(f"{base}/j/{bag.office.id}/")
    shot(poster, "entrance-poster")
    for page in (clerk, admin, poster):
        assert page.errors == []


@pytest.mark.browser
def test_the_console_shows_an_appointments_slot_and_name(browser, live_office, live_server_factory):
    """A checked-in appointment waits with its slot and the name given at booking, in the clerk's list
    and, once called, on the current ticket: the clerk greets the citizen by name."""
    from tests.counter.test_console_browser import choose_counter, login

    db_url, bag = live_office
    with models.connection():
        made = _seed(bag)
        number = Appointment.get_by_id(made[0].id).ticket.display_number
    server = live_server_factory(db_url=db_url, env={"BACKGROUND_TASKS": "0"})
    console = open_page(browser, f"{server.url}/counter", DESK)
    login(console, "canbo1")
    choose_counter(console, 1)
    row = console.locator("#waiting-body tr", has_text=number)
    booked = f"Hẹn {made[0].slot}"
    assert booked in row.inner_text() and "Nguyễn Văn An" in row.inner_text()
    called = server.session("canbo1").post(f"{server.url}/api/counters/{bag.c1.id}/call-next", timeout=10)
    assert called.status_code == 200 and called.json()["ticket"]["booking"]["name"] == "Nguyễn Văn An"
    console.wait_for_function(f"document.querySelector('#current-number')?.textContent === '{number}'")
    marks = console.inner_text("#current-marks")
    assert booked in marks and "Nguyễn Văn An" in marks
    shot(console, "console-appointment-name")
