"""Booking room, in Chromium against the real server: a citizen reads the board's join QR with a
phone-sized browser (the code is decoded from a screenshot of the board, as a phone camera would),
takes a number, sees it called on the board and the phone; an expired code is refused with a clear
message; the phone's third number of the day is refused."""

import datetime as dt

import pytest

import models
import ticketing
from booking_browser import BOARD, PHONE, open_page, qr_texts, shot
from conftest import free_port, make_field
from models import Office, Ticket
from ticketing import remote


def board_join_url(board) -> str:
    """What the board's join QR says now, read from a screenshot."""
    board.wait_for_selector(".join:not([hidden]) #join-qr svg")
    texts = qr_texts(board.screenshot())
    assert len(texts) == 1, texts
    return texts[0]


def take_number(phone, url, field_id, priority=None):
    """Open the join page, tap a field and the priority step; the page the phone lands on."""
    phone.goto(url)
    phone.wait_for_selector(f'#step-field:not([hidden]) .c-choice[data-field="{field_id}"]')
    phone.tap(f'.c-choice[data-field="{field_id}"]')
    phone.wait_for_selector("#step-priority:not([hidden])")
    phone.tap(f'#j-prio .c-choice[data-code="{priority}"]' if priority else "#j-noprio")


@pytest.mark.browser
def test_a_phone_takes_a_number_from_the_boards_qr_code(browser, live_office, live_server_factory):
    db_url, bag = live_office
    with models.connection():
        Office.update(name="Trung tâm Phục vụ hành chính công xã Thanh Xương").where(Office.id == bag.office.id).execute()
        third = make_field(bag.office, name="Đất đai", code="DD", number_start=3001)
        models.CounterField.create(counter=bag.c1, field=third)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = live_server_factory(db_url=db_url, env={"PUBLIC_BASE_URL": base}, port=port)

    board = open_page(browser, f"{base}/pair/{bag.display_token}", BOARD)
    url = board_join_url(board)
    assert url.startswith(f"{base}/j/{bag.office.id}/")
    shot(board, "display-join-qr")

    phone = open_page(browser, url, PHONE, phone=True)
    phone.wait_for_selector("#step-field:not([hidden]) .c-choice")
    assert "Mời chọn lĩnh vực cần giải quyết" in phone.inner_text("#step-field")  # the kiosk's words
    shot(phone, "phone-join-page")
    take_number(phone, url, bag.f1.id)
    phone.wait_for_url("**/t/**")
    number = phone.inner_text("#ticket-number").strip()
    with models.connection():
        ticket = Ticket.get(Ticket.display_number == number, Ticket.field == bag.f1.id)
        assert (ticket.channel, ticket.state) == ("phone", "waiting")
    # The board lists the field with the one person waiting (it lists only fields where someone waits).
    board.wait_for_function(f"(document.querySelector('#fields li[data-field=\"{bag.f1.id}\"] .field-count') || {{}})"
                            ".textContent === '1'")

    clerk = server.session("canbo1")
    called = clerk.post(f"{base}/api/counters/{bag.c1.id}/call-next", timeout=10).json()
    assert called["ticket"]["number"] == number
    board.wait_for_function(f"document.getElementById('call-number').textContent === '{number}'")
    phone.wait_for_selector("#called-overlay:not([hidden])")
    assert phone.inner_text("#co-number") == number and phone.inner_text("#co-counter") == "1"
    shot(phone, "phone-called")

    # A second number (another field, a priority group): fine. A third: the daily limit says no.
    take_number(phone, board_join_url(board), bag.f2.id, priority=bag.prio.code)
    phone.wait_for_url("**/t/**")
    take_number(phone, board_join_url(board), third.id)
    phone.wait_for_selector("#step-error:not([hidden])")
    assert "tối đa 2 số" in phone.inner_text("#j-error")
    shot(phone, "phone-third-number-refused")

    # Yesterday's photo of the code (three minutes old is enough) opens a page that says why not.
    stale = remote.current_join("live-secret", bag.office.id, 60, models.utcnow() - dt.timedelta(minutes=3))["code"]
    response = phone.goto(f"{base}/j/{bag.office.id}/{stale}")
    assert response.status == 410
    assert "Mã QR này đã hết hạn" in phone.inner_text("main")
    assert "Số bạn đã lấy hôm nay" in phone.inner_text("main")  # with a way back to the numbers it has
    shot(phone, "phone-join-expired")
    assert board.errors == [] and phone.errors == []
    with models.connection():
        today = ticketing.business_day(Office.get_by_id(bag.office.id))
        assert Ticket.select().where((Ticket.channel == "phone") & (Ticket.day == today)).count() == 2
