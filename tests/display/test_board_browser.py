"""Display room: the board and the phone page in a real headless Chromium against the real
eventlet server; writes screenshots to tests/screenshots/display-*.png and phone-*.png."""

import time

import pytest

import models
from conftest import CHROMIUM, screenshot
from models import Field, Office

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


@pytest.fixture
def hall(live_office, live_server_factory):
    """A live server whose office has a full hall: 11 fields, notices, tickets waiting."""
    url, bag = live_office
    with models.connection():
        Office.update(name="Trung tâm Phục vụ hành chính công xã Thanh Xương", notices=NOTICES).execute()
        for order, (code, name) in enumerate(FIELDS, start=3):
            Field.create(office=bag.office, code=code, name=name, number_start=order * 1000 + 1, sort_order=order)
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
