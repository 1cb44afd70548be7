"""End-to-end room: a day in the office in a real headless Chromium against the real server.

The kiosk page issues four tickets in two fields (one priority); two clerks call from their
console pages; one ticket is transferred, one is a no-show; citizens rate on the two tablet
pages; the board and one phone page follow along; the leader's report (API and page) shows
exactly those figures. Screenshots: tests/screenshots/e2e-*.png.
"""

import pytest
import requests

import models
import ticketing
from conftest import PASSWORD, make_device, screenshot
from models import Office, Rating, Ticket

KIOSK = {"width": 1080, "height": 1920}
DESK = {"width": 1366, "height": 768}
TABLET = {"width": 1280, "height": 800}
BOARD = {"width": 1920, "height": 1080}
PHONE = {"width": 390, "height": 844}
TZ = "Asia/Ho_Chi_Minh"


def open_page(browser, url, viewport, **context_args):
    """A fresh context (own cookies) in the office's time zone; page errors are collected."""
    context = browser.new_context(viewport=viewport, timezone_id=TZ, locale="vi-VN", **context_args)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.goto(url)
    return page


def shot(page, name):
    """A screenshot once the bundled fonts are ready."""
    page.evaluate("document.fonts.ready")
    return screenshot(page, f"e2e-{name}")


def take_ticket(kiosk, field_id, priority=None):
    """Tap a field, then the priority (or "no priority") button; the number the kiosk shows."""
    kiosk.wait_for_selector("#screen-home:not([hidden])")
    kiosk.wait_for_function("Date.now() >= Math.max(KioskApp.state.guardUntil, KioskApp.state.blockedUntil || 0)")
    kiosk.click(f'.k-field[data-field="{field_id}"]')
    kiosk.wait_for_selector("#screen-priority:not([hidden])")
    kiosk.wait_for_function("Date.now() >= window.KioskApp.state.guardUntil")
    kiosk.click(f'.k-prio[data-code="{priority}"]' if priority else ".k-noprio")
    kiosk.wait_for_selector("#screen-ticket:not([hidden])")
    return kiosk.inner_text("#k-number").strip()


def done_with_ticket(kiosk):
    """The citizen takes the paper and the kiosk goes home."""
    kiosk.wait_for_function("Date.now() >= window.KioskApp.state.guardUntil")
    kiosk.click(".k-done")
    kiosk.wait_for_selector("#screen-home:not([hidden])")


def console(browser, url, username, counter_number):
    """A clerk's console page: log in, choose the counter, wait until it is live."""
    page = open_page(browser, url + "/counter", DESK)
    page.wait_for_selector("#view-login:not([hidden])")
    page.fill("#login-username", username)
    page.fill("#login-password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_selector("#view-choose:not([hidden]) .choose-item")
    page.click(f".choose-item:has-text('Quầy {counter_number}')")
    page.wait_for_selector("#view-console:not([hidden])")
    page.wait_for_selector("#top-live.online")
    return page


def current(page):
    """The number the console shows as its current ticket."""
    page.wait_for_selector("#current-ticket:not([hidden])")
    return page.inner_text("#current-number")


def call_row(page, number):
    """Call a chosen citizen from the waiting list."""
    page.locator(f"#waiting-body tr:has-text('{number}') [data-call]").click()
    page.wait_for_function(f"document.getElementById('current-number').textContent === '{number}'")


def serve_and_finish(page):
    """Start serving (S), then finish (F); the console goes back to empty."""
    page.keyboard.press("s")
    page.wait_for_selector("#current-label:text('Đang phục vụ')")
    page.keyboard.press("f")
    page.wait_for_selector("#current-empty:not([hidden])")


def board_shows(board, number, counter_number):
    """The board's big call is ``number`` at ``counter_number``."""
    board.wait_for_function(
        f"document.getElementById('call-number').textContent === '{number}' && "
        f"document.getElementById('call-counter').textContent === '{counter_number}'", timeout=3000)


@pytest.mark.browser
def test_a_day_in_the_office_end_to_end(browser, live_office, live_server_factory):
    db_url, bag = live_office
    with models.connection():
        Office.update(name="UBND xã Thanh Xương").where(Office.id == bag.office.id).execute()
        _, tablet2_token = make_device(bag.office, "tablet", counter=bag.c2)
        today = ticketing.business_day(Office.get_by_id(bag.office.id))
    server = live_server_factory(db_url=db_url)
    url = server.url

    board = open_page(browser, f"{url}/pair/{bag.display_token}", BOARD)
    board.wait_for_function("() => window.MotcuaBoard && MotcuaBoard.state.snapshots > 0", timeout=5000)
    tablet1 = open_page(browser, f"{url}/pair/{bag.tablet1_token}", TABLET)
    tablet2 = open_page(browser, f"{url}/pair/{tablet2_token}", TABLET)
    clerk1 = console(browser, url, "canbo1", 1)
    clerk2 = console(browser, url, "canbo2", 2)
    kiosk = open_page(browser, f"{url}/pair/{bag.kiosk_token}", KIOSK)
    kiosk.wait_for_function("window.KioskApp && window.KioskApp.state.net.socket === true")
    pages = [board, tablet1, tablet2, clerk1, clerk2, kiosk]

    # Morning: four citizens take numbers at the kiosk; the third is elderly (priority).
    a = take_ticket(kiosk, bag.f1.id)
    done_with_ticket(kiosk)
    b = take_ticket(kiosk, bag.f2.id)
    done_with_ticket(kiosk)
    c = take_ticket(kiosk, bag.f1.id, priority="cao_tuoi")
    shot(kiosk, "kiosk-priority-ticket")
    done_with_ticket(kiosk)
    d = take_ticket(kiosk, bag.f1.id)
    assert (a, b, c, d) == ("1001", "2001", "1002", "1003")
    with models.connection():
        d_token = Ticket.get(Ticket.display_number == d).public_token
    phone = open_page(browser, f"{url}/t/{d_token}", PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    pages.append(phone)
    phone.wait_for_function("() => document.getElementById('live-status').dataset.state === 'online'")
    assert phone.inner_text("#ahead") == "2"  # 1001 and the priority 1002, same field
    done_with_ticket(kiosk)
    clerk1.wait_for_function("document.getElementById('waiting-count').textContent === '4'")
    board.wait_for_function("document.getElementById('fields').textContent.includes('3')")
    shot(board, "board-waiting")
    shot(phone, "phone-waiting")

    # Counter 1 calls next: the elderly citizen goes first; served, then rates "Không hài lòng".
    clerk1.keyboard.press("F1")
    assert current(clerk1) == c
    board_shows(board, c, "1")
    serve_and_finish(clerk1)
    tablet1.wait_for_selector(f"#rate-number:text('{c}')")
    tablet1.click(".rt-face:has-text('Không hài lòng')")
    tablet1.wait_for_selector("#screen-reasons:not([hidden])")
    tablet1.click(".rt-chip:has-text('Thời gian chờ lâu')")
    tablet1.fill("#comment", "Chờ lâu vì chỉ mở hai quầy")
    shot(tablet1, "tablet1-reasons")
    tablet1.click("#reasons-send")
    tablet1.wait_for_selector("#screen-thanks:not([hidden])")

    # Counter 2 calls the oldest (1001) and sends it to counter 1 with a note.
    clerk2.keyboard.press("F1")
    assert current(clerk2) == a
    board_shows(board, a, "2")
    clerk2.keyboard.press("t")
    clerk2.wait_for_selector("#dlg-transfer[open]")
    clerk2.check("#transfer-form input[value='counter']")
    clerk2.select_option("#transfer-counter", str(bag.c1.id))
    clerk2.fill("#transfer-note", "Hồ sơ khai sinh, quầy 1 giải quyết")
    shot(clerk2, "clerk2-transfer")
    clerk2.click("#transfer-submit")
    clerk2.wait_for_selector("#message:text('Đã chuyển số')")
    clerk1.wait_for_selector(f"#waiting-body tr.is-transfer-in:has-text('{a}')")

    # Counter 2 serves 2001; the citizen rates "Rất hài lòng" on tablet 2.
    clerk2.keyboard.press("F1")
    assert current(clerk2) == b
    board_shows(board, b, "2")
    serve_and_finish(clerk2)
    tablet2.wait_for_selector(f"#rate-number:text('{b}')")
    tablet2.click(".rt-face:has-text('Rất hài lòng')")
    tablet2.wait_for_selector("#screen-thanks:not([hidden])")
    shot(tablet2, "tablet2-thanks")

    # Counter 1 serves the transferred 1001 (no rating: the citizen walks away)...
    call_row(clerk1, a)
    board_shows(board, a, "1")
    serve_and_finish(clerk1)
    # ... then calls 1003, whose phone is told to come to counter 1; nobody comes: no-show.
    call_row(clerk1, d)
    board_shows(board, d, "1")
    phone.wait_for_function("() => document.getElementById('phone').dataset.state === 'called'", timeout=3000)
    assert phone.inner_text("#called-counter") == "1"
    shot(board, "board-called")
    shot(phone, "phone-called")
    shot(clerk1, "clerk1-called")
    clerk1.keyboard.press("n")
    clerk1.wait_for_selector("#current-empty:not([hidden])")
    phone.wait_for_function("() => document.getElementById('phone').dataset.state === 'no_show'", timeout=3000)
    shot(phone, "phone-no-show")
    clerk1.wait_for_selector("#fig-served:text('2')")
    clerk2.wait_for_selector("#fig-served:text('1')")

    with models.connection():
        states = {t.display_number: t.state for t in Ticket.select()}
        ratings = sorted((r.ticket.display_number, r.level, r.reasons) for r in Rating.select())
    assert states == {a: "done", b: "done", c: "done", d: "no_show"}
    assert ratings == [(c, 1, ["Thời gian chờ lâu"]), (b, 3, [])]

    # The leader's report: the API and the page show exactly this day.
    leader = requests.Session()
    assert leader.post(url + "/api/session", json={"username": "lanhdao1", "password": PASSWORD}, timeout=10).ok
    report = leader.get(f"{url}/api/reports", params={"period": "day", "date": today.isoformat()}, timeout=10).json()
    s, sat = report["summary"], report["satisfaction"]
    assert (s["issued"], s["served"], s["no_show"], s["cancelled"], s["transferred"]) == (4, 3, 1, 0, 1)
    assert {g["key"]: g["count"] for g in sat["groups"]} == {"very_satisfied": 1, "satisfied": 0, "dissatisfied": 1}
    assert [(lv["level"], lv["count"]) for lv in sat["levels"]] == [(3, 1), (2, 0), (1, 1)]
    assert [(r["reason"], r["count"]) for r in sat["reasons"]] == [("Thời gian chờ lâu", 1)]
    assert [c_["comment"] for c_ in sat["comments"]] == ["Chờ lâu vì chỉ mở hai quầy"]
    today_figures = leader.get(f"{url}/api/reports/today", timeout=10).json()
    assert (today_figures["issued"], today_figures["served"], today_figures["no_show"]) == (4, 3, 1)

    page = open_page(browser, url + "/admin/login", DESK)
    pages.append(page)
    assert page.context.request.post(url + "/api/session", data={"username": "lanhdao1", "password": PASSWORD}).ok
    page.goto(f"{url}/admin/reports?period=day&date={today.isoformat()}")
    page.wait_for_selector('[data-chart="hours"] canvas', timeout=10000)
    figure = lambda key: page.inner_text(f'[data-figure="{key}"]').split()[0]  # noqa: E731
    assert (figure("issued"), figure("served"), figure("no_show")) == ("4", "3", "1")
    total = page.locator("#table-satisfaction tr.total td").all_inner_texts()
    assert [cell.split()[0] for cell in total] == ["Toàn", "2", "1", "0", "1"]  # ratings, then per group
    assert "Thời gian chờ lâu" in page.inner_text("#table-reasons")
    fields_total = page.locator("#table-fields tr.total td").all_inner_texts()
    assert [cell.strip() for cell in fields_total[1:6]] == ["4", "3", "1", "0", "1"]  # issued .. transferred
    assert "Chờ lâu vì chỉ mở hai quầy" in page.inner_text("#comments")
    shot(page, "leader-report")
    assert [p.errors for p in pages] == [[]] * len(pages)
    for p in pages:
        p.context.close()
