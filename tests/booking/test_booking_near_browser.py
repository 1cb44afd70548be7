"""Booking room, in Chromium against the real server: the phone status page says "your turn is near"
(banner, the chime from a local file, vibration) when the office's threshold is reached, shows the
number and counter full screen when called, and catches up after the phone slept (its socket gone,
the page woken by visibilitychange)."""

import pytest
import requests

import models
from booking_browser import PHONE, open_page, shot
from conftest import free_port
from models import BookingSettings


@pytest.mark.browser
def test_near_turn_warning_and_the_call_after_the_phone_slept(browser, live_office, live_server_factory):
    db_url, bag = live_office
    with models.connection():
        BookingSettings.create(office=bag.office, near_people=1, near_minutes=0)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = live_server_factory(db_url=db_url, env={"PUBLIC_BASE_URL": base}, port=port)
    kiosk = requests.Session()
    kiosk.headers["X-Device-Token"] = bag.kiosk_token
    first, second, mine = (kiosk.post(f"{base}/api/tickets", json={"field": bag.f1.id}, timeout=10).json()
                           for _ in range(3))
    assert not mine["near"] and mine["people_ahead"] == 2

    phone = open_page(browser, f"{base}/t/{mine['public_token']}", PHONE, phone=True)
    phone.wait_for_selector("#live-status[data-state=online]")
    assert phone.is_hidden("#near-banner")
    phone.tap("#ticket-number")  # a tap lets the page play sound later
    clerk = server.session("canbo1")
    clerk.post(f"{base}/api/counters/{bag.c1.id}/call-next", timeout=10)  # `first`: one person left ahead
    phone.wait_for_selector("#near-banner:not([hidden])")
    assert "Còn 1 người trước bạn" in phone.inner_text("#near-banner")
    # Once: the vibration, and the chime (static/sounds/chime.ogg) really played.
    phone.wait_for_function("document.getElementById('phone').dataset.rang === '1'")
    phone.wait_for_function("document.getElementById('phone').dataset.chimed === '1'")
    shot(phone, "phone-near-turn")

    # The phone sleeps: its socket is gone. Meanwhile `first` is done, `second` served, `mine` called.
    phone.evaluate("Motcua.lives.forEach((live) => live.socket.disconnect())")
    phone.wait_for_selector("#live-status[data-state=offline]")
    clerk.post(f"{base}/api/tickets/{first['ticket']['id']}/finish", timeout=10)
    clerk.post(f"{base}/api/counters/{bag.c1.id}/call-next", timeout=10)
    clerk.post(f"{base}/api/tickets/{second['ticket']['id']}/finish", timeout=10)
    assert clerk.post(f"{base}/api/counters/{bag.c1.id}/call-next", timeout=10).json()["ticket"]["number"] == mine["number"]
    assert phone.is_hidden("#called-overlay")  # asleep: it knows nothing yet
    phone.evaluate("""() => {
        Object.defineProperty(document, "visibilityState", { value: "visible", configurable: true });
        document.dispatchEvent(new Event("visibilitychange"));
    }""")
    phone.wait_for_selector("#called-overlay:not([hidden])")
    assert phone.inner_text("#co-number") == mine["number"] and phone.inner_text("#co-counter") == "1"
    assert phone.is_hidden("#near-banner")
    shot(phone, "phone-called-after-sleep")
    assert phone.errors == []
