"""Counter room: a clerk puts a no-show back in line and cancels a ticket from the console, and
staff screens (console, live monitor) show the office's time on a PC set to another time zone.
Real Chromium against a real server; screenshots go to tests/screenshots/."""

import datetime as dt
import time
import zoneinfo

import pytest

import models
from models import Office, Ticket, TicketEvent
from tests.conftest import PASSWORD, screenshot
from tests.counter.test_console_browser import DESK, choose_counter, login, seed_waiting, wait_until

OFFICE_TZ = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


def open_desk(browser, url, timezone_id="Asia/Ho_Chi_Minh"):
    """A fresh desk-sized context in ``timezone_id`` (the PC's zone); page errors are collected."""
    context = browser.new_context(viewport=DESK, timezone_id=timezone_id, locale="vi-VN")
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.on("dialog", lambda d: (page.errors.append("dialog: " + d.message), d.dismiss()))
    page.goto(url)
    return context, page


def no_shows(server, bag, count):
    """Counter 1 calls ``count`` tickets and marks each a no-show (over the API); their payloads."""
    clerk = server.session(username="canbo1")
    assert clerk.post(f"{server.url}/api/counters/{bag.c1.id}/open", timeout=10).ok
    missed = []
    for n in range(count):
        if n:
            time.sleep(1.1)  # the API's times are to the second: one no-show per second, in order
        ticket = clerk.post(f"{server.url}/api/counters/{bag.c1.id}/call-next", timeout=10).json()["ticket"]
        assert clerk.post(f"{server.url}/api/tickets/{ticket['id']}/no-show", timeout=10).ok
        missed.append(ticket)
    return missed


def hhmm(at: dt.datetime, tz=OFFICE_TZ) -> str:
    """The wall-clock "HH:MM" of a naive UTC datetime in ``tz``."""
    return at.replace(tzinfo=dt.timezone.utc).astimezone(tz).strftime("%H:%M")


def state_of(ticket_id):
    """The ticket's state in the database."""
    return Ticket.get_by_id(ticket_id).state


@pytest.mark.browser
def test_a_no_show_goes_back_in_line_and_a_cancel_asks_first(browser, live_office, live_server_factory):
    db_url, bag = live_office
    seed_waiting(bag, count=12)
    server = live_server_factory(db_url=db_url)
    first, last = no_shows(server, bag, 2)
    context, page = open_desk(browser, server.url + "/counter")
    try:
        login(page, "canbo1")
        choose_counter(page, 1)
        page.wait_for_function("document.querySelectorAll('#noshow-list li').length === 2")
        assert page.inner_text("#noshow-count") == "2"
        rows = page.locator("#noshow-list li")
        assert rows.nth(0).locator(".cv-num").inner_text() == last["number"]  # newest first
        assert f"gọi lúc {hhmm(dt.datetime.fromisoformat(last['called_at'][:-1]))}" in rows.nth(0).inner_text()
        screenshot(page, "counter-noshow-list")

        # The citizen of the newest no-show is back at the desk: V, Enter.
        page.keyboard.press("v")
        assert page.evaluate("document.activeElement.dataset.reactivate") == str(last["id"])
        page.keyboard.press("Enter")
        page.wait_for_selector(f"#message:text('Số {last['number']} đã vào lại hàng chờ')")
        page.wait_for_selector(f"#waiting-body tr.is-back:has-text('{last['number']}')")
        assert wait_until(lambda: state_of(last["id"]) == "waiting")
        with models.connection():
            ticket = Ticket.get_by_id(last["id"])
            assert ticket.counter_id is None
            assert TicketEvent.select().where((TicketEvent.ticket == ticket.id) & (TicketEvent.kind == "reactivate")).count() == 1
        assert page.locator("#noshow-list li").count() == 1
        assert page.inner_text("#waiting-count") == "11"
        screenshot(page, "counter-noshow-back-in-line")

        # Someone else put the other one back while this console was offline: the API's own words.
        page.evaluate("Motcua.lives.forEach(function (l) { l.socket.disconnect(); })")
        leader = server.session(username="lanhdao1")
        assert leader.post(f"{server.url}/api/tickets/{first['id']}/reactivate", timeout=10).ok
        page.click(f"#noshow-list [data-reactivate='{first['id']}']")
        page.wait_for_selector("#message.error")
        assert "đang ở trạng thái “đang chờ”" in page.inner_text("#message")
        page.wait_for_function("document.querySelectorAll('#noshow-list li').length === 0")  # read again
        page.reload()
        choose_counter_or_console(page)

        # Cancel from the waiting list's row: it asks first; Esc keeps the ticket.
        row = page.locator("#waiting-body tr").nth(3)
        number = row.locator(".cv-num").inner_text()
        ticket_id = int(row.get_attribute("data-ticket"))
        row.locator("[data-cancel]").click()
        page.wait_for_selector("#dlg-cancel[open]")
        assert page.inner_text("#cancel-number") == number
        screenshot(page, "counter-cancel-dialog")
        page.keyboard.press("Escape")
        page.wait_for_selector("#dlg-cancel:not([open])", state="attached")
        with models.connection():
            assert state_of(ticket_id) == "waiting"
        row.locator("[data-cancel]").click()
        page.wait_for_selector("#dlg-cancel[open]")
        page.keyboard.press("Enter")  # the confirm button has the focus
        page.wait_for_selector(f"#message:text('Đã hủy số {number}.')")
        assert wait_until(lambda: state_of(ticket_id) == "cancelled")
        assert page.locator(f"#waiting-body tr[data-ticket='{ticket_id}']").count() == 0
        assert page.errors == []
    finally:
        context.close()


def choose_counter_or_console(page):
    """After a reload the console comes back by itself (the counter is still ours)."""
    page.wait_for_selector("#view-console:not([hidden])")
    page.wait_for_selector("#top-live.online")


@pytest.mark.browser
def test_console_and_monitor_show_office_time_on_a_utc_pc(browser, live_office, live_server_factory):
    db_url, bag = live_office
    tickets = seed_waiting(bag, count=12)
    server = live_server_factory(db_url=db_url)
    (missed,) = no_shows(server, bag, 1)
    context, page = open_desk(browser, server.url + "/counter", timezone_id="UTC")
    try:
        login(page, "canbo1")
        choose_counter(page, 1)
        page.wait_for_function("document.querySelectorAll('#waiting-body tr').length === 11")
        with models.connection():
            arrivals = {t.display_number: hhmm(t.arrival_at) for t in Ticket.select()}
        shown = {r.locator(".cv-num").inner_text(): r.locator(".cv-time").inner_text()
                 for r in page.locator("#waiting-body tr").all()}
        assert shown and all(shown[n] == arrivals[n] for n in shown), (shown, arrivals)
        assert page.evaluate("new Date().getTimezoneOffset()") == 0  # the PC really is on UTC
        called = hhmm(dt.datetime.fromisoformat(missed["called_at"][:-1]))
        assert f"gọi lúc {called}" in page.inner_text("#noshow-list")
        page.click(f"#waiting-body tr[data-ticket='{tickets[1].id}'] [data-call]")
        page.wait_for_selector("#current-ticket:not([hidden])")
        assert f"Lấy số lúc {arrivals[tickets[1].display_number]}" in page.inner_text("#current-marks")
        screenshot(page, "counter-office-time-on-utc-pc")
    finally:
        context.close()

    context = browser.new_context(viewport=DESK, timezone_id="UTC", locale="vi-VN")
    try:
        assert context.request.post(server.url + "/api/session",
                                    data={"username": "lanhdao1", "password": PASSWORD}).ok
        page = context.new_page()
        page.goto(server.url + "/admin/monitor")
        page.wait_for_selector("#live-status.online")
        before = dt.datetime.now(OFFICE_TZ)
        shown = page.inner_text("#live-clock")
        after = dt.datetime.now(OFFICE_TZ)
        assert shown[:5] in {before.strftime("%H:%M"), after.strftime("%H:%M")}, shown
        assert page.evaluate("Motcua.clock(new Date().toISOString())") in {before.strftime("%H:%M"), after.strftime("%H:%M")}
        screenshot(page, "monitor-office-time-on-utc-pc")
    finally:
        context.close()


@pytest.mark.browser
def test_console_follows_the_office_time_zone_it_is_given(browser, live_office, live_server_factory):
    db_url, bag = live_office
    with models.connection():
        Office.update(timezone="Asia/Tokyo").where(Office.id == bag.office.id).execute()
    seed_waiting(bag, count=12)
    server = live_server_factory(db_url=db_url)
    context = browser.new_context(viewport=DESK, timezone_id="UTC", locale="vi-VN")
    try:
        assert context.request.post(server.url + "/api/session", data={"username": "canbo1", "password": PASSWORD}).ok
        page = context.new_page()
        page.goto(server.url + "/counter")  # logged in already: the page carries the office's zone
        choose_counter(page, 1)
        page.wait_for_function("document.querySelectorAll('#waiting-body tr').length === 12")
        with models.connection():
            arrivals = {t.display_number: hhmm(t.arrival_at, zoneinfo.ZoneInfo("Asia/Tokyo")) for t in Ticket.select()}
        shown = {r.locator(".cv-num").inner_text(): r.locator(".cv-time").inner_text()
                 for r in page.locator("#waiting-body tr").all()}
        assert all(shown[n] == arrivals[n] for n in shown), (shown, arrivals)
    finally:
        context.close()
