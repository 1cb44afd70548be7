"""Rating room: the tablet in a real headless Chromium against a real server process, on an
office that rates on 5 levels (and one on 2): the citizen who walks away leaves no rating, only the two lowest
levels ask for reasons, a reload still offers the ticket just finished; a comment typed on the
on-screen Vietnamese keyboard is stored exactly; the unpaired page."""

import contextlib
import unicodedata

import pytest

import models
from models import Office, Rating, Ticket
from tests.conftest import screenshot

TABLET = {"width": 1280, "height": 800}


def finish_one(server, bag, clerk):
    """Issue a ticket at the kiosk, call it at counter 1 and finish it; its number."""
    kiosk = server.session(device_token=bag.kiosk_token)
    assert kiosk.post(server.url + "/api/tickets", json={"field": bag.f1.id}, timeout=10).status_code == 201
    ticket = clerk.post(f"{server.url}/api/counters/{bag.c1.id}/call-next", timeout=10).json()["ticket"]
    assert clerk.post(f"{server.url}/api/tickets/{ticket['id']}/finish", timeout=10).status_code == 200
    return ticket["number"]


def stored_level(number):
    """The level stored for a ticket number, or None."""
    with models.connection():
        ticket = Ticket.get(Ticket.display_number == number)
        rating = Rating.get_or_none(Rating.ticket == ticket.id)
        return (rating.level, rating.scale) if rating else None


@contextlib.contextmanager
def tablet_on_scale(levels, browser, live_office, live_server_factory, clock=False):
    """A real server whose office rates on ``levels``, counter 1 open, and its tablet paired and idle.

    Yields (server, bag, clerk session, page, page errors); the browser context closes after.
    """
    db_url, bag = live_office
    with models.connection():
        Office.update(rating_levels=levels).where(Office.id == bag.office.id).execute()
    server = live_server_factory(db_url=db_url)
    clerk = server.session(username="canbo1")
    clerk.post(f"{server.url}/api/counters/{bag.c1.id}/open", timeout=10)
    context = browser.new_context(viewport=TABLET, timezone_id="Asia/Ho_Chi_Minh")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    if clock:
        page.clock.install()
    try:
        page.goto(f"{server.url}/pair/{bag.tablet1_token}")
        page.wait_for_selector("#screen-idle:not([hidden])")
        yield server, bag, clerk, page, errors
    finally:
        context.close()


@pytest.mark.browser
def test_five_level_tablet_walk_away_reasons_and_reload(browser, live_office, live_server_factory):
    """Five faces: nobody rates a citizen who walked away, levels 1-2 ask reasons, a reload still asks."""
    with tablet_on_scale(5, browser, live_office, live_server_factory, clock=True) as (server, bag, clerk, page, errors):
        page.wait_for_function("!document.getElementById('net-banner').classList.contains('show')")

        walked_away = finish_one(server, bag, clerk)
        page.wait_for_selector("#screen-rate:not([hidden])")
        assert page.locator(".rt-face-word").all_inner_texts() == [
            "Rất hài lòng", "Hài lòng", "Bình thường", "Không hài lòng", "Rất không hài lòng"]
        page.evaluate("document.fonts.ready")
        screenshot(page, "rating-5-levels")
        page.clock.fast_forward(46_000)  # nobody touches the screen
        page.wait_for_selector("#screen-idle:not([hidden])")
        assert stored_level(walked_away) is None

        low = finish_one(server, bag, clerk)
        page.wait_for_selector(f"#rate-number:text('{low}')")
        page.click(".rt-face:has-text('Không hài lòng') >> nth=0")  # level 2 of 5 asks for reasons
        page.wait_for_selector("#screen-reasons:not([hidden])")
        assert "Không hài lòng" in page.inner_text("#reasons-chosen")
        page.click("#reasons-back")
        page.click(".rt-face:has-text('Bình thường')")  # level 3 does not
        page.wait_for_selector("#screen-thanks:not([hidden])")
        assert stored_level(low) == (3, 5)

        reloaded = finish_one(server, bag, clerk)
        page.reload()  # the tablet restarted: it still offers the ticket just finished
        page.wait_for_selector(f"#rate-number:text('{reloaded}')")
        page.click(".rt-face:has-text('Rất hài lòng')")
        page.wait_for_selector("#screen-thanks:not([hidden])")
        assert stored_level(reloaded) == (5, 5)
        assert errors == []


@pytest.mark.browser
def test_two_level_tablet_asks_reasons_only_for_khong_hai_long(browser, live_office, live_server_factory):
    """The smallest scale: two faces, the frown asks for reasons, "Hài lòng" is thanked at once."""
    with tablet_on_scale(2, browser, live_office, live_server_factory) as (server, bag, clerk, page, errors):
        number = finish_one(server, bag, clerk)
        page.wait_for_selector(f"#rate-number:text('{number}')")
        assert page.locator(".rt-face-word").all_inner_texts() == ["Hài lòng", "Không hài lòng"]
        page.evaluate("document.fonts.ready")
        screenshot(page, "rating-2-levels")
        page.click(".rt-face:has-text('Không hài lòng')")
        page.wait_for_selector("#screen-reasons:not([hidden])")
        page.click("#reasons-back")
        page.click(".rt-face:has(.rt-face-word:text-is('Hài lòng'))")
        page.wait_for_selector("#screen-thanks:not([hidden])")
        assert stored_level(number) == (2, 2)
        assert errors == []


# "Thái độ phục vụ chưa tốt" as an elderly citizen taps it: letters, then the tone of the word.
# The first "t" comes out capital by itself (start of the text), "x" is a slip taken back.
TAPS = ["t", "h", "a", "i", "sac", " ", "đ", "ô", "nang", " ", "p", "h", "u", "c", "nang", " ", "v", "u", "nang", " ",
        "c", "h", "ư", "a", " ", "t", "ô", "t", "x", "back", "sac"]
TONE_KEYS = {"sac", "huyen", "hoi", "nga", "nang"}


def tap_key(page, key):
    """Tap one key of the on-screen keyboard, named by what it types or does."""
    if key in TONE_KEYS:
        page.tap(f'.vk-tone[data-tone="{key}"]')
    elif key == " ":
        page.tap(".vk-space")
    elif key == "back":
        page.tap(".vk-back")
    else:
        page.tap(f'.vk-key[data-char="{key}"]')


def keyboard_layout(page):
    """Smallest key, and whether the send and back buttons can still be touched above the keyboard."""
    return page.evaluate("""() => {
        const keys = [...document.querySelectorAll('#vk .vk-key')].map(k => k.getBoundingClientRect());
        const free = id => {
            const r = document.getElementById(id).getBoundingClientRect();
            const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
            return Boolean(hit && hit.closest('#' + id));
        };
        const box = document.getElementById('comment').getBoundingClientRect();
        return {minW: Math.min(...keys.map(r => r.width)), minH: Math.min(...keys.map(r => r.height)),
                sendFree: free('reasons-send'), backFree: free('reasons-back'),
                boxAbove: box.bottom <= document.getElementById('vk').getBoundingClientRect().top};
    }""")


def stored_comment(number):
    """The comment stored with a ticket number's rating."""
    with models.connection():
        ticket = Ticket.get(Ticket.display_number == number)
        return Rating.get(Rating.ticket == ticket.id).comment


@pytest.mark.browser
def test_comment_typed_on_the_vietnamese_keyboard_is_stored_exactly(browser, live_office, live_server_factory):
    db_url, bag = live_office
    server = live_server_factory(db_url=db_url)
    clerk = server.session(username="canbo1")
    clerk.post(f"{server.url}/api/counters/{bag.c1.id}/open", timeout=10)
    context = browser.new_context(viewport=TABLET, has_touch=True, timezone_id="Asia/Ho_Chi_Minh")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(f"{server.url}/pair/{bag.tablet1_token}")
        page.wait_for_selector("#screen-idle:not([hidden])")
        number = finish_one(server, bag, clerk)
        page.wait_for_selector(f"#rate-number:text('{number}')")
        page.tap(".rt-face:has-text('Không hài lòng')")
        page.wait_for_selector("#screen-reasons:not([hidden])")
        page.tap(".rt-chip:has-text('Thái độ phục vụ')")
        assert page.is_hidden("#vk")
        page.evaluate("document.fonts.ready")
        screenshot(page, "rating-reasons-keyboard-closed")
        page.tap("#comment")
        page.wait_for_selector("#vk:not([hidden])")
        assert page.get_attribute("#comment", "inputmode") == "none"
        assert page.inner_text('.vk-key[data-char="t"]') == "T"  # the text starts with a capital
        page.evaluate("document.fonts.ready")
        screenshot(page, "rating-keyboard-open-empty")
        for key in TAPS:
            tap_key(page, key)
        assert page.input_value("#comment") == "Thái độ phục vụ chưa tốt"
        page.evaluate("document.fonts.ready")

        landscape = keyboard_layout(page)
        assert landscape["minH"] >= 85 and landscape["minW"] >= 85  # about 15 mm at 6 px/mm
        assert landscape["sendFree"] and landscape["backFree"] and landscape["boxAbove"]
        screenshot(page, "rating-keyboard-landscape")
        page.set_viewport_size({"width": 800, "height": 1280})
        page.wait_for_function("document.getElementById('vk').getBoundingClientRect().width === 800")
        # The page makes room for the keyboard from a ResizeObserver (--vk-height); the new width can
        # be seen a frame before that runs, so wait for the room to match the keyboard's new height.
        page.wait_for_function("getComputedStyle(document.documentElement).getPropertyValue('--vk-height').trim()"
                               " === document.getElementById('vk').offsetHeight + 'px'")
        portrait = keyboard_layout(page)
        assert portrait["minH"] >= 90 and portrait["minW"] >= 68  # a QWERTY row of 10 in 135 mm
        assert portrait["sendFree"] and portrait["backFree"] and portrait["boxAbove"]
        screenshot(page, "rating-keyboard-portrait")

        page.tap("#reasons-send")
        page.wait_for_selector("#screen-thanks:not([hidden])")
        assert page.is_hidden("#vk")
        comment = stored_comment(number)
        assert comment == "Thái độ phục vụ chưa tốt" and unicodedata.is_normalized("NFC", comment)
        assert "\u1ed1" in comment  # "ố" precomposed, not o + two combining marks
        assert errors == []
    finally:
        context.close()


@pytest.mark.browser
def test_unpaired_tablet_shows_how_to_pair(browser, live_office, live_server_factory):
    db_url, _bag = live_office
    server = live_server_factory(db_url=db_url)
    context = browser.new_context(viewport=TABLET)
    page = context.new_page()
    try:
        page.goto(server.url + "/rating")
        assert "Máy đánh giá chưa được ghép nối" in page.inner_text("h1")
        assert "liên kết ghép nối" in page.inner_text("main")
        page.evaluate("document.fonts.ready")
        screenshot(page, "rating-unpaired")
    finally:
        context.close()
