"""Counter room: the clerk's console and the paired tablet in a real headless Chromium against a
real server process. Drives the console by keyboard, checks what the server committed, and writes
screenshots to tests/screenshots/ (console with 40 people waiting, dialogs, each tablet screen)."""

import datetime as dt
import io
import time

import pytest

import models
import ticketing
from models import Counter, PrintJob, Rating, Ticket, TicketEvent, User
from tests.conftest import PASSWORD, make_user, screenshot
from tests.printing.conftest import FakePrinter

DESK = {"width": 1366, "height": 768}
TABLET = {"width": 1280, "height": 800}
TZ = "Asia/Ho_Chi_Minh"


def seed_waiting(bag, count=40):
    """``count`` people waiting since up to 80 minutes ago: some priority, two transferred with notes."""
    with models.connection():
        office = bag.office
        today_start = ticketing.day_start_utc(office, ticketing.business_day(office))
        now = models.utcnow()
        span = min(80 * 60, (now - today_start).total_seconds() - 60)  # stay within today
        tickets = []
        for n in range(count):
            at = now - dt.timedelta(seconds=span * (count - n) / count)
            field = bag.f1 if n % 3 else bag.f2
            priority = "cao_tuoi" if n % 9 == 4 else None
            tickets.append(ticketing.issue_ticket(office.id, field.id, priority=priority, now=at).ticket)
        ticketing.transfer(tickets[6].id, counter_id=bag.c1.id, note="Hồ sơ khai sinh quá hạn, cần quầy 1 xử lý")
        ticketing.transfer(tickets[10].id, field_id=bag.f2.id, note="Cần chứng thực bản sao")
    return tickets


def wait_until(check, timeout=10.0):
    """Poll ``check()`` (with a database connection) until it is true; its last answer."""
    deadline = time.monotonic() + timeout
    while True:
        with models.connection():
            if check() or time.monotonic() > deadline:
                return check()
        time.sleep(0.1)


def reprint_printed(number):
    """True when the last reprint job of ticket ``number`` was printed by the server's worker."""
    ticket = Ticket.get(Ticket.display_number == number)
    events = TicketEvent.select().where((TicketEvent.ticket == ticket.id) & (TicketEvent.kind == "reprint"))
    job_ids = [e.detail["print_job"] for e in events]
    return bool(job_ids) and PrintJob.get_by_id(job_ids[-1]).state == "done"


def all_printed():
    """True when no print job is left pending."""
    return not PrintJob.select().where(PrintJob.state != "done").exists()


def clerk_photo() -> bytes:
    """A small portrait-like PNG (Pillow) standing in for the clerk's photo."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (240, 240), "#d8e4f2")
    draw = ImageDraw.Draw(image)
    draw.ellipse((70, 40, 170, 140), fill="#e9c4a0")
    draw.rectangle((45, 150, 195, 240), fill="#0b4f9c")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def open_page(browser, url, viewport):
    """A fresh context (own cookies) in the office's time zone; page errors are collected."""
    context = browser.new_context(viewport=viewport, timezone_id=TZ, locale="vi-VN")
    page = context.new_page()
    page.errors = []
    page.dialogs = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    page.goto(url)
    return context, page


def login(page, username, screenshot_name=None):
    """Fill the login form and submit it."""
    page.wait_for_selector("#view-login:not([hidden])")
    page.fill("#login-username", username)
    page.fill("#login-password", PASSWORD)
    if screenshot_name:
        page.evaluate("document.fonts.ready")
        screenshot(page, screenshot_name)
    page.click("#login-submit")


def choose_counter(page, number):
    """Pick a counter on the choice screen; wait for the console to be live."""
    page.wait_for_selector("#view-choose:not([hidden]) .choose-item")
    page.click(f".choose-item:has-text('Quầy {number}')")
    page.wait_for_selector("#view-console:not([hidden])")
    page.wait_for_selector("#top-live.online")


def current_number(page):
    """The number shown as the counter's current ticket."""
    page.wait_for_selector("#current-ticket:not([hidden])")
    return page.inner_text("#current-number")


@pytest.mark.browser
def test_clerk_serves_by_keyboard_and_the_tablet_records_a_low_rating(browser, live_office, live_server_factory):
    db_url, bag = live_office
    seed_waiting(bag)
    with models.connection():
        User.update(photo=clerk_photo()).where(User.id == bag.clerk1.id).execute()
    server = live_server_factory(db_url=db_url)
    clerk_ctx, clerk = open_page(browser, server.url + "/counter", DESK)
    tablet_ctx, tablet = open_page(browser, f"{server.url}/pair/{bag.tablet1_token}", TABLET)
    try:
        login(clerk, "canbo1", "counter-login")
        clerk.wait_for_selector("#view-choose:not([hidden]) .choose-item")
        screenshot(clerk, "counter-choose")
        choose_counter(clerk, 1)
        clerk.wait_for_function("document.getElementById('waiting-count').textContent === '40'")
        clerk.wait_for_selector("#fig-served:text('0')")
        screenshot(clerk, "counter-console-40-waiting")

        tablet.wait_for_selector("#screen-idle:not([hidden])")
        tablet.wait_for_selector("#clerk-name:text('Trần Thị Hoa')")  # the counter was opened live
        tablet.wait_for_selector("#clerk-photo:not([hidden])")
        tablet.evaluate("document.fonts.ready")
        screenshot(tablet, "rating-idle")

        clerk.keyboard.press("F1")
        number = current_number(clerk)
        assert clerk.text_content("#current-label").startswith("Đã gọi")
        clerk.wait_for_function("document.getElementById('waiting-count').textContent === '39'")
        clerk.keyboard.press("r")
        clerk.wait_for_selector("#message:text('Đã gọi lại số')")
        clerk.keyboard.press("s")
        clerk.wait_for_selector("#current-label:text('Đang phục vụ')")
        clerk.wait_for_function("document.getElementById('current-timer').textContent !== '00:00'")
        screenshot(clerk, "counter-console-serving")
        clerk.keyboard.press("f")
        clerk.wait_for_selector("#current-empty:not([hidden])")
        clerk.wait_for_selector("#fig-served:text('1')")

        tablet.wait_for_selector("#screen-rate:not([hidden])")
        assert tablet.inner_text("#rate-number") == number
        assert tablet.inner_text("#rate-clerk") == "Trần Thị Hoa"
        faces = tablet.locator(".rt-face-word").all_inner_texts()
        assert faces == ["Rất hài lòng", "Hài lòng", "Không hài lòng"]
        screenshot(tablet, "rating-rate")
        tablet.click(".rt-face:has-text('Không hài lòng')")
        tablet.wait_for_selector("#screen-reasons:not([hidden])")
        assert tablet.locator(".rt-chip").all_inner_texts() == [
            "Thái độ phục vụ", "Thời gian chờ lâu", "Hướng dẫn chưa rõ ràng", "Phải bổ sung hồ sơ nhiều lần", "Khác"]
        tablet.click(".rt-chip:has-text('Thời gian chờ lâu')")
        tablet.fill("#comment", "Chờ gần một tiếng mới đến lượt")
        screenshot(tablet, "rating-reasons")
        tablet.click("#reasons-send")
        tablet.wait_for_selector("#screen-thanks:not([hidden])")
        screenshot(tablet, "rating-thanks")

        with models.connection():
            ticket = Ticket.get(Ticket.display_number == number)
            rating = Rating.get(Rating.ticket == ticket.id)
            assert (rating.level, rating.scale, rating.reasons) == (1, 3, ["Thời gian chờ lâu"])
            assert rating.comment == "Chờ gần một tiếng mới đến lượt"
            assert (rating.clerk_id, rating.counter_id, rating.device_id) == (bag.clerk1.id, bag.c1.id, bag.tablet1.id)
            assert ticket.recall_count == 1 and ticket.started_at is not None
        assert clerk.errors == [] and tablet.errors == [] and clerk.dialogs == []
    finally:
        clerk_ctx.close()
        tablet_ctx.close()


@pytest.mark.browser
def test_console_keys_dialogs_live_list_alerts_and_errors(browser, live_office, live_server_factory):
    db_url, bag = live_office
    with models.connection():
        make_user(bag.office, "clerk", username="canbo_moi", full_name="Phạm Văn Mới")
    printer = FakePrinter()  # a network ticket printer on 127.0.0.1 that the server's worker prints to
    server = live_server_factory(db_url=db_url, env={"PRINTER": printer.url, "PRINTER_POLL_S": "0.3"})
    context, page = open_page(browser, server.url + "/counter", DESK)
    try:
        # A clerk with no counter is told so plainly.
        login(page, "canbo_moi")
        page.wait_for_selector("#choose-empty:not([hidden])")
        assert "chưa được phân công quầy nào" in page.inner_text("#choose-empty")
        page.click("#choose-logout")

        login(page, "canbo1")
        choose_counter(page, 1)
        page.keyboard.press(" ")  # nobody waits: a clear message, no blocking alert()
        page.wait_for_selector("#message:not([hidden])")
        assert "Không còn công dân nào đang chờ" in page.inner_text("#message")

        kiosk = server.session(device_token=bag.kiosk_token)
        for field in (bag.f1, bag.f2, bag.f1, bag.f1, bag.f2):
            assert kiosk.post(server.url + "/api/tickets", json={"field": field.id}, timeout=10).status_code == 201
        page.wait_for_function("document.getElementById('waiting-count').textContent === '5'")  # live list

        page.keyboard.press("t")  # nothing to transfer yet: no dialog
        assert page.locator("#dlg-transfer[open]").count() == 0
        page.dblclick(".cv-action-call_next")  # a double click calls one ticket, not two
        first = current_number(page)
        page.wait_for_function("document.getElementById('waiting-count').textContent === '4'")
        with models.connection():
            assert Ticket.select().where((Ticket.counter == bag.c1.id) & (Ticket.state == "called")).count() == 1
        page.keyboard.press("n")
        page.wait_for_selector("#current-empty:not([hidden])")

        row = page.locator("#waiting-body tr").nth(2)
        chosen = row.locator(".cv-num").inner_text()
        row.locator("[data-call]").click()
        assert current_number(page) == chosen

        assert wait_until(all_printed), "the kiosk's own tickets were not printed"  # else reprint says "đang chờ in"
        page.keyboard.press("i")  # reprint: a print job the worker sends to the printer
        page.wait_for_selector(f"#message:text('Đã gửi lệnh in lại phiếu số {chosen}')")
        assert wait_until(lambda: reprint_printed(chosen)), "the reprint job was not printed"

        printer.mode = "paper_out"  # the worker's next status poll alerts every staff screen
        page.wait_for_selector(".toast-error:has-text('Máy in phiếu đã hết giấy')", timeout=10_000)
        printer.mode = "ok"
        page.wait_for_selector(".toast-ok:has-text('hoạt động bình thường')", timeout=10_000)
        assert page.locator(".toast-error").count() == 0  # the good news replaced the alarm

        page.keyboard.press("t")
        page.wait_for_selector("#dlg-transfer[open]")
        page.keyboard.press("Escape")  # Esc closes a dialog without acting
        page.wait_for_selector("#dlg-transfer:not([open])", state="attached")
        assert current_number(page) == chosen
        page.keyboard.press("t")
        page.wait_for_selector("#dlg-transfer[open]")
        page.check("#transfer-form input[value='counter']")
        page.select_option("#transfer-counter", str(bag.c2.id))
        page.fill("#transfer-note", "Hồ sơ đất đai, quầy 2 giải quyết")
        screenshot(page, "counter-transfer-dialog")
        page.click("#transfer-submit")
        page.wait_for_selector("#dlg-transfer:not([open])", state="attached")
        page.wait_for_selector("#message:text('Đã chuyển số')")

        # Counter 2 sends a ticket here by name: a toast at once, the row is marked.
        clerk2 = server.session(username="canbo2")
        sent = clerk2.post(f"{server.url}/api/counters/{bag.c2.id}/call-next", timeout=10).json()["ticket"]
        clerk2.post(f"{server.url}/api/tickets/{sent['id']}/transfer",
                    json={"counter": bag.c1.id, "note": "Công dân cần quầy 1 hướng dẫn"}, timeout=10)
        page.wait_for_selector(f".toast:has-text('Số {sent['number']} được chuyển đến quầy của bạn')")
        page.wait_for_selector(f"#waiting-body tr.is-transfer-in:has-text('{sent['number']}')")
        assert "Chuyển đến quầy này" in page.inner_text("#waiting-body tr.is-transfer-in")
        page.keyboard.press("Escape")

        page.keyboard.press("p")  # pause: typing in the reason box must not fire shortcuts
        page.wait_for_selector("#dlg-pause[open]")
        page.fill("#pause-other", "")
        page.type("#pause-other", "Đi lấy hồ sơ tại phòng lưu trữ")
        screenshot(page, "counter-pause-dialog")
        page.click("#pause-submit")
        page.wait_for_selector("#paused-banner:not([hidden])")
        assert "Đi lấy hồ sơ tại phòng lưu trữ" in page.inner_text("#paused-banner")
        screenshot(page, "counter-paused")
        with models.connection():
            counter = Counter.get_by_id(bag.c1.id)
            assert (counter.state, counter.pause_reason) == ("paused", "Đi lấy hồ sơ tại phòng lưu trữ")
            assert Ticket.select().where((Ticket.counter == bag.c1.id) & (Ticket.state == "called")).count() == 0
        page.keyboard.press("p")
        page.wait_for_selector("#paused-banner", state="hidden")

        with models.connection():
            assert TicketEvent.select().where(TicketEvent.kind == "no_show").count() == 1
            assert Counter.get_by_id(bag.c1.id).state == "open"
        assert not page.locator("#net-banner").is_visible()
        page.click("#btn-switch")  # change counter: this one closes, the choice comes back
        page.wait_for_selector("#view-choose:not([hidden]) .choose-item")
        with models.connection():
            assert Counter.get_by_id(bag.c1.id).state == "closed"
        choose_counter(page, 1)
        page.click("#btn-logout")
        page.wait_for_selector("#view-login:not([hidden])")
        with models.connection():
            assert Counter.get_by_id(bag.c1.id).state == "closed"
        page.wait_for_timeout(500)  # the dropped connection must not raise "Mất kết nối" on the login page
        assert not page.locator("#net-banner").is_visible()
        assert first != chosen and page.errors == [] and page.dialogs == []
    finally:
        context.close()
        printer.close()
