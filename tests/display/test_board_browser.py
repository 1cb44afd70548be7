"""Display room: the board and the phone page in a real headless Chromium against the real
eventlet server; writes screenshots to tests/screenshots/display-*.png and phone-*.png."""

import time

import pytest

import models
from conftest import CHROMIUM, make_device, screenshot
from models import Field, Office, VoiceClip

FIELDS = [  # the fields a commune office shows (DOMAIN.md), so the board is seen full
    ("DD", "Đất đai"),
    ("LD", "Lao động - Thương binh và Xã hội"),
    ("BT", "Bảo trợ xã hội"),
    ("XD", "Xây dựng"),
    ("VH", "Văn hóa - Thể thao"),
    ("NN", "Nông nghiệp"),
    ("GD", "Giáo dục và Đào tạo"),
    ("TD", "Thi đua - Khen thưởng"),
    ("YT", "Y tế"),
]
NOTICES = (
    "Giờ làm việc: sáng 7:30 - 11:30, chiều 13:30 - 17:00, thứ Hai đến thứ Sáu.\n"
    "Công dân vui lòng chuẩn bị đầy đủ giấy tờ theo danh mục thủ tục."
)
FIRST = "Mời công dân có số thứ tự 1001 đến quầy số 1"
SECOND = "Mời công dân có số thứ tự 1002 đến quầy số 2"
BOARD_NUMBER = "() => document.getElementById('call-number').textContent"
# Records vibrations instead of buzzing: headless Chromium has no motor to ask.
VIBRATE_SPY = "window.vibrations = []; navigator.vibrate = (p) => { window.vibrations.push(p); return true; };"


@pytest.fixture
def hall(live_office, live_server_factory):
    """A live server whose office has a full hall: 11 fields, notices, tickets waiting."""
    url, bag = live_office
    with models.connection():
        Office.update(name="Trung tâm Phục vụ hành chính công xã Thanh Xương", notices=NOTICES).execute()
        for order, (code, name) in enumerate(FIELDS, start=3):
            Field.create(office=bag.office, code=code, name=name, number_start=order * 1000 + 1, sort_order=order)
        # A second board that shows and calls only counter 2 (a hall split in two).
        bag["corner_token"] = make_device(bag.office, "display", settings={"counters": [bag.c2.id]})[1]
        # The office recorded its own "hai"; every other clip stays the bundled one.
        VoiceClip.create(office=bag.office, key="hai", data=b"OggS", content_type="audio/ogg")
    server = live_server_factory(db_url=url)
    kiosk = server.session(device_token=bag.kiosk_token)
    issued = [
        kiosk.post(server.url + "/api/tickets", json={"field": field.id}, timeout=10).json()
        for field in (bag.f1, bag.f1, bag.f1, bag.f2)
    ]
    return server, bag, issued


@pytest.mark.browser
def test_calls_reach_the_board_and_the_phone_live(browser, hall):
    server, bag, issued = hall
    tv = browser.new_context(viewport={"width": 1920, "height": 1080})
    board = tv.new_page()
    board.goto(f"{server.url}/pair/{bag.display_token}")
    board.wait_for_function("() => window.MotcuaBoard && MotcuaBoard.state.snapshots > 0", timeout=5000)
    phone_ctx = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    phone_ctx.add_init_script(VIBRATE_SPY)
    phone = phone_ctx.new_page()
    phone.goto(issued[1]["status_url"])  # ticket 1002, one person ahead
    phone.wait_for_function("() => document.getElementById('live-status').dataset.state === 'online'")
    assert phone.locator("#ahead").inner_text() == "1"
    screenshot(board, "display-waiting")
    screenshot(phone, "phone-waiting")

    clerk1, clerk2 = server.session(username="canbo1"), server.session(username="canbo2")
    response = clerk1.post(f"{server.url}/api/counters/{bag.c1.id}/call-next", timeout=10)
    answered = time.monotonic()
    assert response.status_code == 200
    board.wait_for_function(f"() => ({BOARD_NUMBER})() === '1001'", timeout=1000)
    assert time.monotonic() - answered < 1.0
    assert board.locator("#call-text").text_content() == FIRST
    assert "call--flash" in board.locator("#call").get_attribute("class")
    phone.wait_for_function("() => document.getElementById('ahead').textContent === 'Tiếp theo'", timeout=3000)

    response = clerk2.post(f"{server.url}/api/counters/{bag.c2.id}/call-next", timeout=10)
    answered = time.monotonic()
    board.wait_for_function(f"() => ({BOARD_NUMBER})() === '1002'", timeout=1000)
    assert time.monotonic() - answered < 1.0
    phone.wait_for_function("() => document.getElementById('phone').dataset.state === 'called'", timeout=3000)
    assert phone.locator("#called-counter").inner_text() == "2"
    assert phone.evaluate("window.vibrations.length") == 1
    screenshot(board, "display-called-flash")
    screenshot(phone, "phone-called")

    # Both calls are read aloud, one after the other, in the right words.
    board.wait_for_function("() => MotcuaAnnouncer.log.length >= 2", timeout=30000)
    assert board.evaluate("MotcuaAnnouncer.log") == [FIRST, SECOND]
    board.wait_for_function("() => !document.getElementById('call').classList.contains('call--flash')", timeout=10000)
    assert board.locator(f"[data-counter='{bag.c1.id}'] .counter-ticket").inner_text() == "1001"
    screenshot(board, "display-called")
    tv.close()

    clerk2.post(f"{server.url}/api/tickets/{response.json()['ticket']['id']}/finish", timeout=10)
    phone.wait_for_function("() => !document.getElementById('rating-form').hidden", timeout=3000)
    screenshot(phone, "phone-done-rating")
    phone.get_by_role("radio", name="Không hài lòng").click()
    phone.get_by_label("Thời gian chờ lâu").check()
    screenshot(phone, "phone-rating-low")
    phone.get_by_role("button", name="Gửi đánh giá").click()
    phone.wait_for_function("() => !document.getElementById('rating-thanks').hidden", timeout=3000)
    assert phone.locator("#rating-form").is_hidden()
    screenshot(phone, "phone-rated")
    phone_ctx.close()


@pytest.mark.browser
def test_a_board_without_autoplay_explains_the_flag_and_a_click_enables_sound(
    browser, live_office, live_server_factory
):
    url, bag = live_office
    server = live_server_factory(db_url=url)
    # A second Chromium with the stock policy (sound only after a gesture), as a TV gets by default.
    strict = browser.browser_type.launch(executable_path=CHROMIUM, args=["--autoplay-policy=user-gesture-required"])
    try:
        board = strict.new_page(viewport={"width": 1920, "height": 1080})
        board.goto(f"{server.url}/pair/{bag.display_token}")
        banner = board.locator("#audio-banner")
        banner.wait_for(state="visible", timeout=5000)
        assert "--autoplay-policy=no-user-gesture-required" in banner.inner_text()
        screenshot(board, "display-audio-blocked")
        board.get_by_role("button", name="Bật âm thanh").click()
        banner.wait_for(state="hidden", timeout=2000)
        assert board.evaluate("MotcuaBoard.announcer.blocked") is False
    finally:
        strict.close()


def open_board(browser, server, token):
    """A paired board in its own browser context (the device cookie), muted: logged, not played."""
    board = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
    board.goto(f"{server.url}/pair/{token}")
    board.wait_for_function("() => window.MotcuaBoard && MotcuaBoard.state.snapshots > 0", timeout=5000)
    board.evaluate("MotcuaBoard.announcer.setMuted(true)")
    return board


@pytest.mark.browser
def test_office_clips_a_filtered_board_a_recall_and_a_resync(browser, hall):
    server, bag, _issued = hall
    board, corner = open_board(browser, server, bag.display_token), open_board(browser, server, bag.corner_token)
    own, bundled = board.evaluate("[MotcuaBoard.announcer.clipUrl('hai'), MotcuaBoard.announcer.clipUrl('ba')]")
    assert own.startswith(f"/voice/{bag.office.id}/hai?v=") and bundled == "/static/sounds/vi/ba.ogg"
    assert board.request.get(server.url + own).body() == b"OggS"
    clerk1, clerk2 = server.session(username="canbo1"), server.session(username="canbo2")
    first = clerk1.post(f"{server.url}/api/counters/{bag.c1.id}/call-next", timeout=10).json()["ticket"]["id"]
    second = clerk2.post(f"{server.url}/api/counters/{bag.c2.id}/call-next", timeout=10).json()["ticket"]["id"]
    board.wait_for_function("() => MotcuaAnnouncer.log.length === 2", timeout=5000)
    corner.wait_for_function("() => MotcuaAnnouncer.log.length === 1", timeout=5000)
    assert corner.evaluate("MotcuaAnnouncer.log") == [SECOND]
    assert corner.locator("[data-counter]").count() == 1

    clerk2.post(f"{server.url}/api/tickets/{second}/recall", timeout=10)
    board.wait_for_function("() => MotcuaAnnouncer.log.length === 3", timeout=5000)
    assert board.evaluate("MotcuaAnnouncer.log") == [FIRST, SECOND, SECOND]
    assert board.locator("#call-recall").is_visible()

    # Offline while counter 1 finishes and calls again: the reconnect snapshot brings it, silently.
    board.evaluate("MotcuaBoard.live.socket.disconnect()")
    clerk1.post(f"{server.url}/api/tickets/{first}/finish", timeout=10)
    clerk1.post(f"{server.url}/api/counters/{bag.c1.id}/call-next", timeout=10)
    board.evaluate("MotcuaBoard.live.socket.connect()")
    board.wait_for_function(f"() => ({BOARD_NUMBER})() === '1003'", timeout=3000)
    assert board.evaluate("[MotcuaBoard.state.snapshots, MotcuaAnnouncer.log.length]") == [2, 3]
    assert board.locator(f"[data-counter='{bag.c1.id}'] .counter-prev").inner_text() == "Trước: 1001"
    assert corner.locator("#call-number").inner_text() == "1002"
