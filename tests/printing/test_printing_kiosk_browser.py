"""Printing room, issue 14: the kiosk screen says what happened to the paper ticket, whichever way it
prints, and browser printing prints one ticket-wide page with no margins. Real Chromium, real server."""

import re

import pytest

import models
from models import Device
from tests.kiosk.test_kiosk_browser import PORTRAIT, open_kiosk, seed_kiosk_office, shot, tap

MM_TO_PT = 72 / 25.4


def set_printer(device_id, **printer):
    """Give a kiosk its printer setting."""
    with models.connection():
        Device.update(settings={"printer": printer}).where(Device.id == device_id).execute()


def issue_at(page):
    """Tap the first field, then "Không ưu tiên": the ticket screen."""
    page.wait_for_function("Date.now() >= window.KioskApp.state.blockedUntil")  # a late second tap is ignored
    tap(page, ".k-field:not([disabled])")
    page.wait_for_selector("#screen-priority:not([hidden])")
    tap(page, ".k-noprio")
    page.wait_for_selector("#screen-ticket:not([hidden])")


def print_text(page):
    """The kiosk's printing message."""
    return page.inner_text("#k-print")


@pytest.mark.browser
def test_the_kiosk_says_printing_printed_and_paper_out(browser, live_office, live_server_factory, fake_printer):
    db_url, bag = live_office
    seed_kiosk_office(bag)
    set_printer(bag.kiosk.id, kind="network", url=fake_printer.url, paper_mm=80)
    server = live_server_factory(db_url=db_url, env={"PRINTER": "none", "PRINTER_TIMEOUT": "4",
                                                     "PRINTER_POLL_S": "600", "LEADER_RETRY_S": "0.2"})
    context, page = open_kiosk(browser, server.url, bag.kiosk_token, PORTRAIT)
    try:
        fake_printer.mode = "hang"  # takes the connection, never answers: the print is in progress
        issue_at(page)
        page.wait_for_function("document.getElementById('k-print').dataset.outcome === 'printing'")
        assert print_text(page) == "Đang in phiếu…"
        shot(page, "printing-kiosk-printing-portrait")

        fake_printer.mode = "ok"  # the retry prints it
        page.wait_for_function("document.getElementById('k-print').dataset.outcome === 'printed'", timeout=30_000)
        assert print_text(page) == "Đã in phiếu. Mời nhận phiếu bên dưới."
        shot(page, "printing-kiosk-printed-portrait")

        tap(page, ".k-done")
        page.wait_for_selector("#screen-home:not([hidden])")
        fake_printer.mode = "paper_out"
        issue_at(page)
        page.wait_for_function("document.getElementById('k-print').dataset.outcome === 'paper_out'",
                               timeout=30_000)
        assert print_text(page) == "Máy in hết giấy, vui lòng ghi nhớ số"
        number = page.inner_text("#k-number")
        size = page.evaluate("parseFloat(getComputedStyle(document.getElementById('k-number')).fontSize)")
        assert number.isdigit() and size >= 150  # the number stays large: it is all the citizen has
        shot(page, "printing-kiosk-paper-out-portrait")
        assert page.errors == []
    finally:
        context.close()


@pytest.mark.browser
def test_browser_printing_prints_one_ticket_wide_page_without_margins(browser, live_office, live_server_factory):
    db_url, bag = live_office
    set_printer(bag.kiosk.id, kind="browser", paper_mm=80)
    server = live_server_factory(db_url=db_url, env={"PRINTER": "none"})
    context, page = open_kiosk(browser, server.url, bag.kiosk_token, PORTRAIT)
    try:
        issue_at(page)
        page.wait_for_function("document.getElementById('k-print').dataset.outcome === 'printed'", timeout=20_000)
        url = page.get_attribute("#k-print-frame", "src")
        assert re.fullmatch(r"/kiosk/tickets/[\w-]+/print", url), url
        shot(page, "printing-kiosk-browser-printed-portrait")

        sheet = context.new_page()
        sheet.goto(server.url + url)
        sheet.wait_for_function("document.querySelector('img').complete && document.querySelector('img').naturalWidth")
        natural = sheet.evaluate("[document.querySelector('img').naturalWidth, document.querySelector('img').naturalHeight]")
        assert natural[0] == 576  # 80 mm paper: 72 mm printable at 8 dots a millimetre
        pdf = sheet.pdf(prefer_css_page_size=True, print_background=True)
        boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
        assert len(boxes) == 1, boxes  # one ticket, one page
        width_pt, height_pt = (float(v) for v in boxes[0])
        assert abs(width_pt - 80 * MM_TO_PT) < 1.0  # the paper's width
        assert abs(height_pt - natural[1] / 8 * MM_TO_PT) < 2.0  # the ticket's height: nothing cut, no blank page
        sheet.emulate_media(media="print")
        box = sheet.evaluate("(() => { const r = document.querySelector('img').getBoundingClientRect();"
                             " return [r.left, r.top, r.width]; })()")
        px_per_mm = 96 / 25.4
        assert abs(box[1]) < 0.5  # no top margin
        assert abs(box[2] - 72 * px_per_mm) < 1 and abs(box[0] - 4 * px_per_mm) < 1  # centred on the roll
        sheet.close()
    finally:
        context.close()
