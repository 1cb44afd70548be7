"""Live protocol v2, acceptance: a normal day's changes replayed against the real eventlet server
while one screen of every kind follows in real headless Chromium (kiosk, board, clerk's console,
rating tablet, leader's live monitor, a citizen's phone), each through the real static/js/motcua.js.

A normal day (issue, call, recall, start, finish, rating, no-show, reactivate, transfer with a
note, pause and resume, cancel, a settings change, a printer running out of paper and back)
causes **zero** snapshot requests on every screen. Then a real gap: a sequence number is taken
in the database and its message never sent; the next change makes every screen ask for exactly
**one** snapshot. Requests are counted on the wire (every WebSocket frame a page sends), and the
snapshots each page receives are counted as the server sent them; motcua.js's own counters must
agree. Screenshots: tests/screenshots/replay-*.png.
"""

from __future__ import annotations

import time

import pytest

import models
from conftest import PASSWORD, make_device, screenshot
from models import Office
from printing.conftest import FakePrinter  # the fake ESC/POS network printer of the printing tests

TZ = "Asia/Ho_Chi_Minh"
SCREENS = {
    "kiosk": {"width": 1080, "height": 1920},
    "board": {"width": 1920, "height": 1080},
    "console": {"width": 1366, "height": 768},
    "tablet": {"width": 1280, "height": 800},
    "monitor": {"width": 1366, "height": 900},
    "phone": {"width": 390, "height": 844},
}


class Screen:
    """One page of a kind, with the Socket.IO frames it sent and received counted on the wire."""

    def __init__(self, browser, kind):
        """A fresh context (own cookies) in the office's time zone."""
        self.kind = kind
        self.context = browser.new_context(viewport=SCREENS[kind], timezone_id=TZ, locale="vi-VN")
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.errors, self.sent, self.received = [], [], []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("websocket", self._watch)

    def _watch(self, ws):
        """Keep every Socket.IO frame of the page's live connection."""
        ws.on("framesent", lambda payload: self.sent.append(payload))
        ws.on("framereceived", lambda payload: self.received.append(payload))

    def requests(self) -> int:
        """Snapshot requests the page sent."""
        return sum(1 for frame in self.sent if isinstance(frame, str) and '"snapshot_request"' in frame)

    def snapshots(self) -> int:
        """Snapshots the server sent the page."""
        return sum(1 for frame in self.received if isinstance(frame, str) and frame.startswith('42["snapshot"'))

    def heard(self, text, after=None) -> bool:
        """Whether a frame the page received holds ``text`` (after one holding ``after``)."""
        frames = [f for f in self.received if isinstance(f, str)]
        if after is not None:
            starts = [i for i, f in enumerate(frames) if after in f]
            frames = frames[starts[0] + 1:] if starts else []
        return any(text in f for f in frames)

    def stats(self) -> dict:
        """motcua.js's own counters and the sequence number the page is at."""
        return self.page.evaluate("() => Object.assign({seq: Motcua.lives[0].lastSeq()}, Motcua.lives[0].stats)")

    def live(self):
        """Wait until the page holds its first snapshot."""
        self.page.wait_for_function("() => window.Motcua && Motcua.lives.length === 1 && Motcua.lives[0].stats.snapshots > 0")
        return self


def office_seq(office_id) -> int:
    """The office's last sequence number, read from the database."""
    with models.connection():
        return Office.get_by_id(office_id).event_seq


def wait_until(page, predicate, timeout=20.0, what="condition"):
    """Poll ``predicate`` until it is true (bounded); waiting through ``page`` lets Playwright
    deliver the frames every page received meanwhile."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"timed out waiting for {what}")


def caught_up(screens, seq):
    """Every screen has applied everything up to ``seq``."""
    wait_until(screens[0].page, lambda: all(s.stats()["seq"] == seq for s in screens), what=f"every screen at seq {seq}")


def open_screens(browser, server, bag, phone_token):
    """The six screens, paired or logged in as an office would, each live."""
    url = server.url
    kiosk = Screen(browser, "kiosk")
    kiosk.page.goto(f"{url}/pair/{bag.kiosk_token}")
    board = Screen(browser, "board")
    board.page.goto(f"{url}/pair/{bag.display_token}")
    tablet = Screen(browser, "tablet")
    tablet.page.goto(f"{url}/pair/{bag.tablet1_token}")
    console = Screen(browser, "console")
    console.page.goto(f"{url}/counter")
    console.page.fill("#login-username", "canbo1")
    console.page.fill("#login-password", PASSWORD)
    console.page.click("#login-submit")
    console.page.click(".choose-item:has-text('Quầy 1')")
    console.page.wait_for_selector("#top-live.online")
    monitor = Screen(browser, "monitor")
    assert monitor.context.request.post(f"{url}/api/session", data={"username": "lanhdao1", "password": PASSWORD}).ok
    monitor.page.goto(f"{url}/admin/monitor")
    phone = Screen(browser, "phone")
    phone.page.goto(f"{url}/t/{phone_token}")
    return [s.live() for s in (kiosk, board, console, tablet, monitor, phone)]


def normal_day(server, bag, printer, console):
    """Every kind of change of a day, through the HTTP API as the screens' people make them."""
    url = server.url
    kiosk = server.session(device_token=bag.kiosk_token)
    clerk1, clerk2 = server.session(username="canbo1"), server.session(username="canbo2")
    tablet = server.session(device_token=bag.tablet1_token)
    admin = server.session(username="admin1")

    def ok(response):
        assert response.status_code in (200, 201), response.text
        return response.json()

    ok(clerk2.post(f"{url}/api/counters/{bag.c2.id}/open", timeout=10))
    ok(kiosk.post(f"{url}/api/tickets", json={"field": bag.f1.id, "priority": "cao_tuoi"}, timeout=10))
    ok(kiosk.post(f"{url}/api/tickets", json={"field": bag.f2.id}, timeout=10))
    ok(kiosk.post(f"{url}/api/tickets", json={"field": bag.f1.id}, timeout=10))
    first = ok(clerk1.post(f"{url}/api/counters/{bag.c1.id}/call-next", timeout=10))["ticket"]["id"]
    ok(clerk1.post(f"{url}/api/tickets/{first}/recall", timeout=10))
    ok(clerk1.post(f"{url}/api/tickets/{first}/start", timeout=10))
    ok(clerk1.post(f"{url}/api/tickets/{first}/finish", timeout=10))
    ok(tablet.post(f"{url}/api/ratings", json={"ticket": first, "level": 3}, timeout=10))
    second = ok(clerk2.post(f"{url}/api/counters/{bag.c2.id}/call-next", timeout=10))["ticket"]["id"]
    ok(clerk2.post(f"{url}/api/tickets/{second}/no-show", timeout=10))
    ok(clerk2.post(f"{url}/api/tickets/{second}/reactivate", timeout=10))
    third = ok(clerk2.post(f"{url}/api/counters/{bag.c2.id}/call-next", timeout=10))["ticket"]["id"]
    ok(clerk2.post(f"{url}/api/tickets/{third}/transfer", json={"counter": bag.c1.id, "note": "Thiếu bản sao"},
                   timeout=10))
    ok(clerk2.post(f"{url}/api/counters/{bag.c2.id}/pause", json={"reason": "Họp giao ban"}, timeout=10))
    ok(clerk2.post(f"{url}/api/counters/{bag.c2.id}/resume", timeout=10))
    fourth = ok(kiosk.post(f"{url}/api/tickets", json={"field": bag.f2.id}, timeout=10))["ticket"]["id"]
    ok(clerk1.post(f"{url}/api/tickets/{fourth}/cancel", timeout=10))
    ok(admin.put(f"{url}/api/admin/settings", json={"notices": "Sáng thứ Bảy làm việc đến 11:30"}, timeout=10))
    # The ticket printer runs out of paper, then gets a new roll: the print worker alerts twice.
    printer.mode = "paper_out"
    wait_until(console.page, lambda: console.heard('"paper_out"'), what="the paper-out alert")
    printer.mode = "ok"
    wait_until(console.page, lambda: console.heard('"printer_ok"', after='"paper_out"'), what="the paper-back alert")


@pytest.fixture
def fake_printer():
    """A fake network printer for one test."""
    printer = FakePrinter()
    yield printer
    printer.close()


@pytest.mark.browser
def test_a_normal_day_asks_no_snapshot_and_a_real_gap_asks_exactly_one(browser, live_office, live_server_factory,
                                                                       fake_printer):
    db_url, bag = live_office
    with models.connection():
        make_device(bag.office, "tablet", counter=bag.c2)
    server = live_server_factory(db_url=db_url, env={"PRINTER": fake_printer.url, "PRINTER_POLL_S": "0.3",
                                                     "PRINTER_TIMEOUT": "0.5", "LEADER_RETRY_S": "0.2"})
    phone_ticket = server.session(device_token=bag.kiosk_token).post(
        server.url + "/api/tickets", json={"field": bag.f2.id}, timeout=10).json()
    screens = open_screens(browser, server, bag, phone_ticket["public_token"])
    try:
        normal_day(server, bag, fake_printer, screens[2])
        caught_up(screens, office_seq(bag.office.id))
        for s in screens:
            stats = s.stats()
            assert (s.requests(), stats["requests"], stats["gaps"]) == (0, 0, 0), (s.kind, stats)
            assert (s.snapshots(), stats["snapshots"], stats["settings"]) == (1, 1, 1), (s.kind, stats)
        for s in screens:
            s.page.evaluate("document.fonts.ready")
            screenshot(s.page, f"replay-{s.kind}")

        # A real gap: a number taken and its message never sent, then one more change.
        with models.connection():
            models.bump_event_seq(bag.office.id)
        server.session(device_token=bag.kiosk_token).post(server.url + "/api/tickets", json={"field": bag.f1.id},
                                                         timeout=10)
        caught_up(screens, office_seq(bag.office.id))
        for s in screens:
            stats = s.stats()
            assert (s.requests(), stats["requests"], stats["gaps"]) == (1, 1, 1), (s.kind, stats)
            assert (s.snapshots(), stats["snapshots"]) == (2, 2), (s.kind, stats)
        assert all(not s.errors for s in screens), {s.kind: s.errors for s in screens}
    finally:
        for s in screens:
            s.context.close()
