"""Booking room, in Chromium against the real server: a citizen books on a phone-sized page, then
checks in at the kiosk by typing the code on its keypad, with a USB scanner (keys and Enter), and with
the kiosk's camera (Chromium's fake camera plays a video of the booking's QR code); on time the
ticket goes ahead of walk-ins, outside the window it is a walk-in's."""

import datetime as dt
import pathlib

import pytest
import qrcode
import requests
from PIL import Image

import models
import ticketing
from booking_browser import KIOSK, PHONE, open_page, shot
from conftest import CHROMIUM, free_port, make_field, make_office
from models import Appointment, BookingSettings, Office, Ticket


def _booking(bag, minutes_from_now, code, token):
    """A booking of today whose slot starts ``minutes_from_now`` from now (made as a fixture row: the
    rules that make bookings have their own tests)."""
    office = Office.get_by_id(bag.office.id)
    slot_at = (models.utcnow() + dt.timedelta(minutes=minutes_from_now)).replace(second=0, microsecond=0)
    local = ticketing.to_local(office, slot_at)
    return Appointment.create(office=office, field=bag.f1, day=ticketing.business_day(office), slot=local.strftime("%H:%M"),
                              slot_at=slot_at, code=code, token=token, name="Hoàng Văn Khải", phone="0912345678")


def _kiosk_ready(kiosk):
    """The kiosk is live and a tap is not swallowed by its screen guard."""
    kiosk.wait_for_function("window.KioskApp && window.KioskApp.state.net.socket === true")
    kiosk.wait_for_function("Date.now() >= KioskApp.state.guardUntil")


def _open_checkin(kiosk):
    """Tap "Đã đặt lịch hẹn" on the home screen."""
    kiosk.wait_for_selector("#screen-home:not([hidden])")
    _kiosk_ready(kiosk)
    kiosk.click("[data-checkin=open]")
    kiosk.wait_for_selector("#screen-checkin:not([hidden])")
    kiosk.wait_for_function("Date.now() >= KioskApp.state.guardUntil")


def _home(kiosk):
    """The citizen is done: back home for the next one."""
    kiosk.wait_for_function("Date.now() >= KioskApp.state.guardUntil")
    kiosk.click(".k-done")
    kiosk.wait_for_selector("#screen-home:not([hidden])")


@pytest.mark.browser
def test_book_on_a_phone_and_check_in_at_the_kiosk(browser, live_office, live_server_factory):
    db_url, bag = live_office
    with models.connection():
        Office.update(name="UBND xã Thanh Xương").where(Office.id == bag.office.id).execute()
        BookingSettings.create(office=bag.office, early_min=10, late_min=15)
        on_time = _booking(bag, -5, "48217305", "tok-dung-gio-" + "a" * 20)
        local_hour = ticketing.local_now(Office.get_by_id(bag.office.id)).hour
        # 40 minutes outside the window, on the same local day whatever the hour of the run.
        outside = _booking(bag, 40 if local_hour < 12 else -40, "59303126", "tok-ngoai-gio-" + "b" * 20)
        # The phone books at an office with real hours (the test office is open all day, every day).
        real = make_office(name="UBND xã Tân Lập", address="Thôn 3, xã Tân Lập", open_time="07:30", close_time="17:00",
                           cutoff_time="16:30", working_days=[1, 2, 3, 4, 5])
        civil = make_field(real, name="Tư pháp - Hộ tịch", code="HT")
        make_field(real, name="Chứng thực", code="CT")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = live_server_factory(db_url=db_url, env={"PUBLIC_BASE_URL": base}, port=port)

    # A citizen books tomorrow's first slot on a phone.
    phone = open_page(browser, f"{base}/book/{real.id}", PHONE, phone=True)
    phone.wait_for_selector(f'#b-fields .c-choice[data-field="{civil.id}"]')
    shot(phone, "book-fields")
    phone.tap(f'#b-fields .c-choice[data-field="{civil.id}"]')
    phone.wait_for_selector("#step-slot:not([hidden]) .c-slot")
    phone.tap("#b-days .c-day:nth-child(2)")
    phone.wait_for_selector('#b-days .c-day:nth-child(2)[aria-pressed="true"]')
    shot(phone, "book-slots")
    phone.tap("#b-slots .c-slot:not([disabled])")
    phone.fill("#b-form input[name=name]", "Nguyễn Thị Lan")
    phone.fill("#b-form input[name=phone]", "0987 654 321")
    shot(phone, "book-form")
    phone.tap("#b-submit")
    phone.wait_for_url("**/b/**")
    code = phone.inner_text("#b-code").replace("-", "")
    shot(phone, "booking-own-page")
    with models.connection():
        booked = Appointment.get(Appointment.code == code)
        assert (booked.office_id, booked.name, booked.phone, booked.state) == (real.id, "Nguyễn Thị Lan", "0987654321",
                                                                               "booked")

    # A walk-in takes a number first; then the on-time booking checks in on the keypad and goes ahead.
    kiosk_session = requests.Session()
    kiosk_session.headers["X-Device-Token"] = bag.kiosk_token
    walkin = kiosk_session.post(f"{base}/api/tickets", json={"field": bag.f1.id}, timeout=10).json()
    kiosk = open_page(browser, f"{base}/pair/{bag.kiosk_token}", KIOSK)
    _open_checkin(kiosk)
    shot(kiosk, "kiosk-checkin")
    for digit in on_time.code:
        kiosk.click(f'[data-checkin-key="{digit}"]')
    assert kiosk.inner_text("#k-checkin-code") == "4821-7305"
    kiosk.click("[data-checkin=submit]")
    kiosk.wait_for_selector("#screen-ticket:not([hidden])")
    assert "Đúng giờ hẹn" in kiosk.inner_text("#k-checkin-note")
    first = kiosk.inner_text("#k-number").strip()
    shot(kiosk, "kiosk-checkin-ticket")
    clerk = server.session("canbo1")
    assert clerk.post(f"{base}/api/counters/{bag.c1.id}/call-next", timeout=10).json()["ticket"]["number"] == first
    _home(kiosk)

    # The booking outside its window, from a USB scanner on the home screen: its link, then Enter.
    _kiosk_ready(kiosk)
    kiosk.keyboard.type(f"{base}/b/{outside.token}")
    kiosk.keyboard.press("Enter")
    kiosk.wait_for_selector("#screen-ticket:not([hidden])")
    note = kiosk.inner_text("#k-checkin-note")
    assert "như người đến trực tiếp" in note and ("sớm" in note if local_hour < 12 else "muộn" in note)
    second = kiosk.inner_text("#k-number").strip()
    shot(kiosk, "kiosk-checkin-walkin")
    # The walk-in who came first is called before the booking that came outside its window.
    clerk.post(f"{base}/api/tickets/{_ticket_id(first)}/finish", timeout=10)
    assert clerk.post(f"{base}/api/counters/{bag.c1.id}/call-next", timeout=10).json()["ticket"]["number"] == walkin["number"]
    _home(kiosk)

    # The same code again: the same ticket, said so; an unknown code: a clear message on the screen.
    _open_checkin(kiosk)
    kiosk.keyboard.type(outside.code)
    kiosk.keyboard.press("Enter")
    kiosk.wait_for_selector("#screen-ticket:not([hidden])")
    assert kiosk.inner_text("#k-number").strip() == second
    _home(kiosk)
    _open_checkin(kiosk)
    for digit in "11112222":
        kiosk.click(f'[data-checkin-key="{digit}"]')
    kiosk.click("[data-checkin=submit]")
    kiosk.wait_for_selector(".k-checkin-status--error")
    assert "Không tìm thấy lịch hẹn" in kiosk.inner_text("#k-checkin-status")
    shot(kiosk, "kiosk-checkin-unknown")
    assert kiosk.errors == [] and phone.errors == []


def _ticket_id(number):
    """The id of today's ticket with this number."""
    with models.connection():
        return Ticket.get(Ticket.display_number == number).id


def _qr_video(path: pathlib.Path, text: str) -> pathlib.Path:
    """A short Y4M video of a QR code on white, for Chromium's fake camera."""
    code = qrcode.QRCode(border=4, box_size=8)
    code.add_data(text)
    image = code.make_image(fill_color="black", back_color="white").convert("L")
    frame = Image.new("L", (640, 480), 255)
    image.thumbnail((440, 440))
    frame.paste(image, ((640 - image.width) // 2, (480 - image.height) // 2))
    chroma = bytes([128]) * (320 * 240)
    with open(path, "wb") as out:
        out.write(b"YUV4MPEG2 W640 H480 F5:1 Ip A1:1 C420jpeg\n")
        for _ in range(10):
            out.write(b"FRAME\n" + frame.tobytes() + chroma + chroma)
    return path


@pytest.mark.browser
def test_the_kiosk_camera_reads_a_bookings_qr_code(browser, live_office, live_server_factory, tmp_path):
    db_url, bag = live_office
    with models.connection():
        booking = _booking(bag, 0, "73051942", "tok-camera-" + "c" * 24)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    live_server_factory(db_url=db_url, env={"PUBLIC_BASE_URL": base}, port=port)
    video = _qr_video(tmp_path / "qr.y4m", f"{base}/b/{booking.token}")
    camera_browser = browser.browser_type.launch(
        executable_path=CHROMIUM, headless=True,
        args=["--no-sandbox", "--disable-gpu", "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
              f"--use-file-for-fake-video-capture={video}"])
    try:
        kiosk = open_page(camera_browser, f"{base}/pair/{bag.kiosk_token}", KIOSK)
        _open_checkin(kiosk)
        kiosk.click("[data-checkin=camera]")
        kiosk.wait_for_selector("#screen-ticket:not([hidden])", timeout=20_000)
        assert "Đúng giờ hẹn" in kiosk.inner_text("#k-checkin-note")
        assert kiosk.errors == []
    finally:
        camera_browser.close()
    with models.connection():
        checked = Appointment.get_by_id(booking.id)
        assert (checked.state, checked.on_time) == ("checked_in", True)
        assert Ticket.get_by_id(checked.ticket_id).booked_slot == booking.slot_at
