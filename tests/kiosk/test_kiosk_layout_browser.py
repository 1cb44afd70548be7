"""Kiosk room: the demo office's kiosk at every screen size kiosks come in (portrait, 16:9, 1366x768,
5:4 and 4:3), in Vietnamese and English. Every element a citizen needs (header, field tiles, priority
choices, the ticket's number, wait and QR, the buttons, the check-in error and its back button) must be
inside the screen, whole, and clear of the others; a field no open counter serves says so instead of a
wait. Screenshots go to tests/screenshots/kiosk-layout-*.png."""

from __future__ import annotations

import pathlib

import pytest
import requests

import demo
import migrations
import models
from models import Counter, Field
from tests.conftest import screenshot

SIZES = [(1080, 1920), (1920, 1080), (1366, 768), (1280, 1024), (1024, 768)]

# Rectangles of the visible elements matching each selector, and whether each one's text fits its box.
BOXES_JS = """(selectors) => {
  const out = [];
  for (const sel of selectors) {
    for (const el of document.querySelectorAll(sel)) {
      if (!el.getClientRects().length) continue;
      const r = el.getBoundingClientRect();
      if (!r.width || !r.height) continue;
      out.push({sel, text: (el.innerText || '').trim().slice(0, 40), x: r.left, y: r.top, r: r.right, b: r.bottom,
                clipped: el.scrollWidth > el.clientWidth + 1 ||
                el.scrollHeight > el.clientHeight + Math.max(2, parseFloat(getComputedStyle(el).fontSize) * .2)});
    }
  }
  return out;
}"""


def seed_demo_office(tmp_path: pathlib.Path, open_counters=(1, 2, 4)) -> tuple[str, str]:
    """The office ``python server.py`` seeds; the counters named are open. -> (db url, kiosk token)."""
    url = f"sqlite:///{tmp_path / 'live.db'}"
    models.db.initialize(models.make_database(url))
    migrations.upgrade()
    with models.connection():
        links = demo.seed_demo(tmp_path / "instance")
        Counter.update(state="open").where(Counter.number.in_(list(open_counters))).execute()
    return url, links["kiosk"]


def open_kiosk(browser, server, token, size):
    """A paired kiosk page of the given size, live, on its home screen."""
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, timezone_id="Asia/Ho_Chi_Minh")
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.goto(f"{server.url}/pair/{token}")
    page.wait_for_selector("#screen-home:not([hidden])")
    page.wait_for_function("window.KioskApp && window.KioskApp.state.net.socket === true")
    page.evaluate("document.fonts.ready")
    return context, page


def tap(page, selector):
    """Tap like a person: not within the guard time right after a screen appeared."""
    page.wait_for_function("Date.now() >= window.KioskApp.state.guardUntil")
    page.click(selector)


def boxes(page, selectors):
    """The visible elements' rectangles (see BOXES_JS)."""
    return page.evaluate(BOXES_JS, selectors)


def assert_laid_out(page, selectors, where, at_least=None, inside=None):
    """Each element is inside the screen (and ``inside``'s box), whole, and overlaps none of the others."""
    width, height = page.viewport_size["width"], page.viewport_size["height"]
    found = boxes(page, selectors)
    for sel in at_least or selectors:
        assert any(b["sel"] == sel for b in found), f"{where}: {sel} not shown"
    frame = boxes(page, [inside])[0] if inside else {"x": 0, "y": 0, "r": width, "b": height}
    for b in found:
        assert b["x"] >= -1 and b["y"] >= -1 and b["r"] <= width + 1 and b["b"] <= height + 1, f"{where}: off screen {b}"
        assert b["x"] >= frame["x"] - 1 and b["y"] >= frame["y"] - 1 and b["r"] <= frame["r"] + 1 \
            and b["b"] <= frame["b"] + 1, f"{where}: outside {inside} {frame}: {b}"
        assert not b["clipped"], f"{where}: text cut off {b}"
    for i, a in enumerate(found):
        for b in found[i + 1:]:
            overlap = min(a["r"], b["r"]) - max(a["x"], b["x"]) > 1 and min(a["b"], b["b"]) - max(a["y"], b["y"]) > 1
            assert not overlap, f"{where}: {a} overlaps {b}"


def set_language(page, lang):
    """Tap the VI/EN toggle until the page is in ``lang``."""
    if page.evaluate("KioskApp.state.lang") != lang:
        tap(page, ".k-lang")
        page.wait_for_function(f"document.documentElement.lang === '{lang}'")


HOME = [".k-top", "#home-title", ".k-field", ".k-hint", ".k-bottom .k-proc-open"]
HEADER = [".k-office-name", ".k-clock", ".k-top .k-proc-top", ".k-checkin-open", ".k-lang"]
PRIORITY = [".k-top", "#priority-title", "#k-priority-field", ".k-prio", ".k-noprio", "#screen-priority .k-back",
            "#screen-priority .k-small"]
TICKET_CARD = [".k-ticket-label", "#k-number", ".k-facts > div", ".k-qr", ".k-qr-caption"]
TICKET = [".k-top", ".k-ticket", ".k-keep", ".k-done"]
CHECKIN = [".k-top", "#checkin-title", ".k-checkin-hint", "#k-checkin-code", ".k-keypad .k-btn", "#k-checkin-camera",
           "#k-checkin-status", "#screen-checkin .k-back"]


@pytest.mark.browser
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_every_screen_fits_at_every_kiosk_size(browser, live_server_factory, tmp_path, size):
    """Home, priority step, ticket and a refused check-in: all inside the screen, nothing on top of anything."""
    db_url, token = seed_demo_office(tmp_path)
    server = live_server_factory(db_url=db_url)
    context, page = open_kiosk(browser, server, token, size)
    name = f"{size[0]}x{size[1]}"
    with models.connection():
        field = Field.get(Field.code == "HT")
    for lang in ("vi", "en"):
        set_language(page, lang)
        where = f"{name} {lang}"
        screenshot(page, f"kiosk-layout-{name}-{lang}-home")
        header = boxes(page, [".k-top"])[0]
        assert header["b"] - header["y"] <= size[1] * 0.2, f"{where}: the header takes {header}"
        assert_laid_out(page, HEADER, f"{where} header", at_least=[".k-office-name", ".k-lang"], inside=".k-top")
        assert_laid_out(page, HOME, f"{where} home", at_least=[".k-top", "#home-title", ".k-field"])
        assert len(boxes(page, [".k-field"])) == 11

        tap(page, f'.k-field[data-field="{field.id}"]')
        page.wait_for_selector("#screen-priority:not([hidden])")
        screenshot(page, f"kiosk-layout-{name}-{lang}-priority")
        assert_laid_out(page, PRIORITY, f"{where} priority", at_least=PRIORITY[:-1])
        assert len(boxes(page, [".k-prio"])) == 5
        for prio in boxes(page, [".k-prio"]):
            assert prio["b"] - prio["y"] >= 60, f"{where}: a priority choice too small to touch {prio}"

        tap(page, ".k-noprio")
        page.wait_for_selector("#screen-ticket:not([hidden])")
        screenshot(page, f"kiosk-layout-{name}-{lang}-ticket")
        assert_laid_out(page, TICKET_CARD, f"{where} ticket card", inside=".k-ticket")
        assert_laid_out(page, TICKET_CARD + TICKET[:1] + TICKET[2:], f"{where} ticket")
        assert_laid_out(page, TICKET, f"{where} ticket screen")
        tap(page, ".k-done")
        page.wait_for_selector("#screen-home:not([hidden])")
        set_language(page, lang)  # Done hands the kiosk back in Vietnamese

        tap(page, "[data-checkin=open]")
        page.wait_for_selector("#screen-checkin:not([hidden])")
        for key in "12345678":
            tap(page, f'[data-checkin-key="{key}"]')
        tap(page, "[data-checkin=submit]")
        page.wait_for_selector("#k-checkin-status.k-checkin-status--error")
        screenshot(page, f"kiosk-layout-{name}-{lang}-checkin-error")
        status = page.inner_text("#k-checkin-status")
        if lang == "en":
            assert "booking" in status.lower() or "appointment" in status.lower(), status
            assert "Không" not in status, status
        else:
            assert "Không tìm thấy lịch hẹn" in status
        assert_laid_out(page, CHECKIN, f"{where} check-in error", at_least=["#k-checkin-status", "#screen-checkin .k-back"])
        tap(page, "#screen-checkin .k-back")
        page.wait_for_selector("#screen-home:not([hidden])")
    assert page.errors == []
    context.close()


@pytest.mark.browser
def test_a_field_no_open_counter_serves_says_so(browser, live_server_factory, tmp_path):
    """Counter 3 closed: its fields say "Chưa có quầy mở", not a wait; a ticket can still be taken, and says so."""
    db_url, token = seed_demo_office(tmp_path, open_counters=(1, 2, 4))
    server = live_server_factory(db_url=db_url)
    context, page = open_kiosk(browser, server, token, (1080, 1920))
    with models.connection():
        education = Field.get(Field.code == "GD")
        civil = Field.get(Field.code == "HT")
    tile = f'.k-field[data-field="{education.id}"]'
    assert "Chưa có quầy mở" in page.inner_text(tile)
    assert "Không phải chờ" not in page.inner_text(tile)
    assert "Không phải chờ" in page.inner_text(f'.k-field[data-field="{civil.id}"]')
    tap(page, tile)
    page.wait_for_selector("#screen-priority:not([hidden])")
    tap(page, ".k-noprio")
    page.wait_for_selector("#screen-ticket:not([hidden])")
    assert page.inner_text("#k-ticket-wait") == "Chưa có quầy mở"
    screenshot(page, "kiosk-layout-no-counter-ticket")
    tap(page, ".k-done")
    page.wait_for_selector("#screen-home:not([hidden])")
    # Someone waits now; still no counter: no "Chờ khoảng 10 phút".
    assert "Chưa có quầy mở" in page.inner_text(tile)
    assert "phút" not in page.inner_text(tile)
    set_language(page, "en")
    assert "No counter open yet" in page.inner_text(tile)
    screenshot(page, "kiosk-layout-no-counter-home-en")
    set_language(page, "vi")

    # Counter 3 opens: the update the kiosk gets carries open_counters and the wait comes back.
    clerk = requests.Session()
    login = clerk.post(f"{server.url}/api/session", json={"username": "canbo3", "password": demo.DEMO_PASSWORD},
                       timeout=10)
    assert login.status_code == 200, login.text
    with models.connection():
        counter = Counter.get(Counter.number == 3)
    answer = clerk.post(f"{server.url}/api/counters/{counter.id}/open", timeout=10,
                        headers={"X-CSRF-Token": login.json()["csrf_token"]})
    assert answer.status_code < 300, answer.text
    # At once, from the counter's own update (not a later refresh).
    page.wait_for_function(f"!document.querySelector('{tile}').innerText.includes('Chưa có quầy mở')", timeout=5000)
    assert "phút" in page.inner_text(tile) or "Không phải chờ" in page.inner_text(tile)
    assert page.errors == []
    context.close()
