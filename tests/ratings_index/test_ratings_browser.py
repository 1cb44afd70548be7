"""Ratings room: issue 15's acceptance in a real headless Chromium against a real server process.

A clerk types two dossier codes (each ending with Enter) and finishes; the tablet rates
"Không hài lòng" with a reason; the leader's live monitor shows the alert with its details and
marks it handled (audit log); the report shows both dossiers and the index %. Then a citizen
rates a later visit from the phone page, and the dossier's slip is printed and opened. Each
screen is written to tests/screenshots/."""

import time

import pytest

import models
import ticketing
from models import AuditLog, Dossier, DossierRating, Rating, RatingAlert, Ticket
from tests.conftest import PASSWORD, screenshot
from tests.counter.test_console_browser import DESK, TABLET, choose_counter, login, open_page

from .conftest import CODES

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def closing():
    """Browser contexts a test opens (it appends them), closed after the test whatever happened."""
    opened = []
    yield opened
    for context in opened:
        context.close()


def leader_page(browser, server, url):
    """A leader's page: a fresh context logged in through the API, then ``url`` opened."""
    context = browser.new_context(viewport=DESK, timezone_id="Asia/Ho_Chi_Minh", locale="vi-VN")
    assert context.request.post(server.url + "/api/session", data={"username": "lanhdao1", "password": PASSWORD}).ok
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.goto(server.url + url)
    return context, page


def clerk_console(page):
    """Log the clerk in and open counter 1 (the console test's helpers)."""
    login(page, "canbo1")
    choose_counter(page, 1)


@pytest.mark.browser
def test_codes_low_rating_alert_handled_and_the_index_in_chromium(browser, live_office, live_server_factory, closing):
    db_url, bag = live_office
    with models.connection():
        for _ in range(2):
            ticketing.issue_ticket(bag.office.id, bag.f1.id)
    server = live_server_factory(db_url=db_url)
    leader_ctx, monitor = leader_page(browser, server, "/admin/monitor")
    clerk_ctx, clerk = open_page(browser, server.url + "/counter", DESK)
    tablet_ctx, tablet = open_page(browser, f"{server.url}/pair/{bag.tablet1_token}", TABLET)
    closing.extend((leader_ctx, clerk_ctx, tablet_ctx))
    monitor.wait_for_selector("#live-status.online", timeout=10_000)
    assert monitor.locator("#rating-alerts-card").is_hidden()
    clerk_console(clerk)
    tablet.wait_for_selector("#screen-idle:not([hidden])")

    # The clerk calls, starts, and takes two codes: H to the box, each code typed and Enter.
    clerk.keyboard.press("F1")
    clerk.wait_for_selector("#current-ticket:not([hidden])")
    number = clerk.inner_text("#current-number")
    clerk.keyboard.press("s")
    clerk.wait_for_selector("#current-label:text('Đang phục vụ')")
    clerk.wait_for_selector("#dossiers:not([hidden])")
    clerk.keyboard.press("h")
    assert clerk.evaluate("document.activeElement.id") == "dossier-code"
    clerk.keyboard.type(CODES[0].lower())  # typed in lower case; stored as the rule writes it
    clerk.keyboard.press("Enter")
    clerk.wait_for_selector(f"#dossier-list code:text('{CODES[0]}')")
    clerk.select_option("#dossier-kind", "return")
    clerk.keyboard.type("https://dichvucong.example.gov.vn/tra-cuu?ma=" + CODES[1])  # a receipt QR's text
    clerk.keyboard.press("Enter")
    clerk.wait_for_selector(f"#dossier-list code:text('{CODES[1]}')")
    clerk.keyboard.type("1005")  # a ticket number typed by mistake: refused, said plainly
    clerk.keyboard.press("Enter")
    clerk.wait_for_selector("#dossier-error:not([hidden])")
    assert "không phải mã hồ sơ" in clerk.inner_text("#dossier-error")
    clerk.fill("#dossier-code", "")
    clerk.evaluate("document.fonts.ready")
    screenshot(clerk, "ratings-console-dossier-codes")
    assert clerk.locator("#dossier-list .cv-dossier-kind").all_inner_texts() == ["Tiếp nhận hồ sơ", "Trả kết quả"]

    # Esc leaves the box; F finishes; the tablet asks and gets "Không hài lòng" with a reason.
    clerk.keyboard.press("Escape")
    clerk.keyboard.press("f")
    clerk.wait_for_selector("#dossiers-for:text('vừa phục vụ xong')")
    tablet.wait_for_selector("#screen-rate:not([hidden])")
    tablet.click(".rt-face:has-text('Không hài lòng')")
    tablet.wait_for_selector("#screen-reasons:not([hidden])")
    tablet.click(".rt-chip:has-text('Thái độ phục vụ')")
    tablet.fill("#comment", "Cán bộ trả lời cộc lốc")
    sent = time.monotonic()
    tablet.click("#reasons-send")
    tablet.wait_for_selector("#screen-thanks:not([hidden])")

    # The leader's monitor shows the alert live, with counter, clerk, codes, reason and comment.
    monitor.wait_for_selector(".rating-alert", timeout=10_000)
    print(f"\nalert on the monitor {time.monotonic() - sent:.2f} s after the tablet's send")
    text = monitor.inner_text("#rating-alerts")
    for part in ("Quầy 1", "Trần Thị Hoa", number, CODES[0], CODES[1], "Thái độ phục vụ", "Cán bộ trả lời cộc lốc",
                 "Không hài lòng"):
        assert part in text
    monitor.evaluate("document.fonts.ready")
    screenshot(monitor, "ratings-monitor-alert")

    monitor.click("[data-handle]")
    monitor.wait_for_selector("#rating-alert-dialog[open]")
    monitor.fill("#rating-alert-note", "Đã gọi điện xin lỗi công dân, nhắc nhở cán bộ")
    screenshot(monitor, "ratings-monitor-handle")
    monitor.click("#rating-alert-save")
    monitor.wait_for_selector("#rating-alerts-card", state="hidden")
    with models.connection():
        ticket = Ticket.get(Ticket.display_number == number)
        rating = Rating.get(Rating.ticket == ticket.id)
        assert [r.code for r in DossierRating.select().where(DossierRating.rating == rating.id)] == list(CODES)
        assert RatingAlert.get(RatingAlert.rating == rating.id).handled_by_id == bag.leader.id
        entry = AuditLog.get(AuditLog.action == "rating_alert.handle")
        assert (entry.user_id, entry.detail["after"]["note"]) == (bag.leader.id, "Đã gọi điện xin lỗi công dân, nhắc nhở cán bộ")

    # The report: both dossiers, the index %, the alert handled; the view by dossier lists them.
    monitor.goto(server.url + "/admin/reports?period=day")
    monitor.wait_for_selector("#index766")
    assert monitor.inner_text("#index-pct") == "0,0%"
    assert monitor.inner_text("#alerts-handled") == "1/1"
    monitor.locator("#index766").scroll_into_view_if_needed()
    screenshot(monitor, "ratings-report-index")
    monitor.click("#index766 a:has-text('Xem từng hồ sơ')")
    monitor.wait_for_selector("#table-dossiers")
    rows = monitor.locator("#table-dossiers tbody tr").all_inner_texts()
    assert len(rows) == 2 and CODES[0] in rows[0] and CODES[1] in rows[1]
    assert all("Không hài lòng" in row and "Máy tính bảng" in row for row in rows)
    screenshot(monitor, "ratings-report-by-dossier")

    # The hand-off page: the records waiting to be pushed, read-only for a leader.
    monitor.goto(server.url + "/admin/ratings")
    monitor.wait_for_selector("#outbox-recent")
    assert monitor.locator("#outbox-recent tbody tr").count() == 4  # 2 codes seen, 2 ratings of dossiers
    assert monitor.inner_text("#push-pending") == "4"
    screenshot(monitor, "ratings-admin-handoff")
    assert monitor.errors == [] and clerk.errors == [] and tablet.errors == []


@pytest.mark.browser
def test_the_phone_rates_a_visit_later_and_the_slip_opens_the_same_form(browser, live_office, live_server_factory,
                                                                         closing):
    db_url, bag = live_office
    with models.connection():
        visits = []
        for code in CODES:
            ticket = ticketing.issue_ticket(bag.office.id, bag.f1.id).ticket
            ticketing.call_ticket(bag.c1.id, ticket.id, user=bag.clerk1)
            ticketing.add_dossier(ticket.id, code, user=bag.clerk1)
            ticketing.finish(ticket.id, user=bag.clerk1)
            visits.append((ticket, Dossier.get(Dossier.code == code)))
    server = live_server_factory(db_url=db_url)
    (first, _), (second, slip) = visits
    phone_ctx, phone = open_page(browser, f"{server.url}/t/{first.public_token}", PHONE)
    clerk_ctx, clerk = open_page(browser, server.url + "/counter", DESK)
    closing.extend((phone_ctx, clerk_ctx))
    clerk_console(clerk)  # the clerk prints the slip from the console's session
    clerk.goto(f"{server.url}/hs/{slip.public_token}/phieu")
    # The ticket's own page, after the visit: the form, and until when it takes a rating.
    phone.wait_for_selector("#rating-form:not([hidden])")
    assert phone.locator("#live-status").is_hidden()  # a visit that is over follows nothing live
    assert phone.inner_text("#rating-until").startswith("Bạn có thể gửi đánh giá đến")
    phone.click(".level[data-level='2']")  # "Hài lòng" on the 3-level scale
    phone.fill("#rating-comment", "Cán bộ hướng dẫn tận tình")
    phone.evaluate("document.fonts.ready")
    screenshot(phone, "ratings-phone-rate-later")
    phone.click("#rating-submit")
    phone.wait_for_selector("#rating-thanks:not([hidden])")
    screenshot(phone, "ratings-phone-thanks")

    # The slip of the second visit's dossier: code, clerk, a QR to the rate-later page.
    clerk.wait_for_selector("#slip svg")
    assert CODES[1] in clerk.inner_text("#slip-code") and "Trần Thị Hoa" in clerk.inner_text("#slip")
    clerk.evaluate("document.fonts.ready")
    screenshot(clerk, "ratings-dossier-slip")
    phone.goto(f"{server.url}/hs/{slip.public_token}")
    phone.wait_for_selector("#rating-form:not([hidden])")
    assert CODES[1] in phone.inner_text("#ticket-dossier")
    phone.click(".level--low")
    phone.wait_for_selector("#reasons:not([hidden])")
    phone.check("input[name='reason'][value='Thời gian chờ lâu']")
    screenshot(phone, "ratings-phone-slip-rate")
    phone.click("#rating-submit")
    phone.wait_for_selector("#rating-thanks:not([hidden])")
    with models.connection():
        assert [(r.ticket_id, r.source, r.level) for r in Rating.select().order_by(Rating.id)] == [
            (first.id, "phone", 2), (second.id, "phone", 1)]
    # A second rating of that visit, from the tablet: refused.
    tablet = server.session(device_token=bag.tablet1_token)
    again = tablet.post(server.url + "/api/ratings", json={"ticket": second.id, "level": 3}, timeout=10)
    assert (again.status_code, again.json()["error"]) == (409, "already_rated")
    assert phone.errors == [] and clerk.errors == []


@pytest.mark.browser
def test_a_scanner_firing_outside_the_box_adds_the_code_and_runs_no_shortcut(browser, live_office, live_server_factory,
                                                                             closing):
    db_url, bag = live_office
    with models.connection():
        ticketing.issue_ticket(bag.office.id, bag.f1.id)
    server = live_server_factory(db_url=db_url)
    context, page = open_page(browser, server.url + "/counter", DESK)
    closing.append(context)
    clerk_console(page)
    page.keyboard.press("F1")
    page.wait_for_selector("#dossiers:not([hidden])")
    # A scanner's keys come a few milliseconds apart, faster than any hand: dispatched here in one
    # task, so their timestamps are that close. The code holds "H" and "S": neither may act.
    page.evaluate("""(code) => {
      const send = (key) => document.dispatchEvent(new KeyboardEvent("keydown", {key, bubbles: true, cancelable: true}));
      for (const key of code) send(key);
      send("Enter");
    }""", "000.00.15.H42-250915-0007")
    page.wait_for_selector("#dossier-list code:text('000.00.15.H42-250915-0007')")
    assert page.text_content("#current-label").startswith("Đã gọi")  # "S" did not start the service
    assert page.evaluate("document.activeElement.id") != "dossier-code"  # "H" did not take the focus
    assert page.errors == []


@pytest.mark.browser
def test_a_visit_rated_from_the_phone_stops_the_tablet_asking(browser, live_office, live_server_factory, closing):
    """The clerk finishes; the tablet asks. The citizen rates from the ticket's QR page instead: the
    tablet thanks them and goes back to idle within seconds, instead of asking for a rating the
    server would refuse."""
    db_url, bag = live_office
    with models.connection():
        issued = ticketing.issue_ticket(bag.office.id, bag.f1.id).ticket
    server = live_server_factory(db_url=db_url, env={"BACKGROUND_TASKS": "0"})
    tablet_ctx, tablet = open_page(browser, f"{server.url}/pair/{bag.tablet1_token}", TABLET)
    closing.append(tablet_ctx)
    tablet.wait_for_function("window.Motcua && Motcua.lives.length === 1 && Motcua.lives[0].stats.snapshots === 1")
    clerk = server.session("canbo1")
    called = clerk.post(f"{server.url}/api/counters/{bag.c1.id}/call-next", timeout=10)
    assert called.status_code == 200 and called.json()["ticket"]["id"] == issued.id, called.text
    assert clerk.post(f"{server.url}/api/tickets/{issued.id}/finish", timeout=10).status_code == 200
    tablet.wait_for_selector("#screen-rate:not([hidden])")
    phone = server.session()
    rated = phone.post(f"{server.url}/api/tickets/status/{issued.public_token}/rating", json={"level": 3}, timeout=10)
    assert rated.status_code == 201, rated.text
    tablet.wait_for_selector("#screen-thanks:not([hidden])", timeout=10_000)
    assert "đã được đánh giá" in tablet.inner_text("#thanks-title")
    screenshot(tablet, "rating-tablet-rated-from-phone")
    tablet.wait_for_selector("#screen-idle:not([hidden])", timeout=30_000)
    with models.connection():
        assert [(r.ticket_id, r.source) for r in Rating.select()] == [(issued.id, "phone")]
    assert tablet.errors == []


@pytest.mark.browser
def test_two_leaders_on_one_alert_the_second_is_told_and_keeps_the_note(browser, live_office, live_server_factory,
                                                                        closing):
    """Both leaders open "Đã xử lý…" on the same "Không hài lòng"; the first saves. The second's dialog
    stays open, says who handled it and how, and keeps the note being typed (not closed silently)."""
    from tests.conftest import make_user

    from .conftest import served

    db_url, bag = live_office
    with models.connection():
        make_user(bag.office, "leader", username="lanhdao2", full_name="Phạm Văn Hai")
        ticket = served(bag)
        ticketing.rate(ticket.id, 1, ["Thái độ phục vụ"], counter_id=bag.c1.id)
    server = live_server_factory(db_url=db_url, env={"BACKGROUND_TASKS": "0"})
    pages = []
    for username in ("lanhdao1", "lanhdao2"):
        context = browser.new_context(viewport=DESK, timezone_id="Asia/Ho_Chi_Minh", locale="vi-VN")
        closing.append(context)
        assert context.request.post(server.url + "/api/session", data={"username": username, "password": PASSWORD}).ok
        page = context.new_page()
        page.goto(server.url + "/admin/monitor")
        page.wait_for_selector("#live-status.online")
        page.click("[data-handle]")
        page.wait_for_selector("#rating-alert-dialog[open]")
        pages.append(page)
    first, second = pages
    second.fill("#rating-alert-note", "Tôi đang gọi cho công dân")
    first.fill("#rating-alert-note", "Đã xin lỗi công dân qua điện thoại")
    first.click("#rating-alert-save")
    first.wait_for_selector("#rating-alert-dialog", state="hidden")
    error = second.locator("#rating-alert-error")
    error.wait_for(state="visible", timeout=10_000)
    assert "đã xử lý cảnh báo này" in error.inner_text() and "Đã xin lỗi công dân qua điện thoại" in error.inner_text()
    assert second.locator("#rating-alert-dialog[open]").count() == 1
    assert second.input_value("#rating-alert-note") == "Tôi đang gọi cho công dân"
    assert second.locator("#rating-alert-save").is_disabled()
    screenshot(second, "ratings-monitor-handled-by-another")
    with models.connection():
        assert RatingAlert.get().note == "Đã xin lỗi công dân qua điện thoại"
