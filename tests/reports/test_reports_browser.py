"""Reports room: the live monitor and the reports in a real headless Chromium against a real server.

Seven weeks of history are written through the queue rules before the server starts; today's
tickets go through the HTTP API of the running server (kiosk, clerks, rating tablet), so the
monitor shows a live office. Screenshots: tests/screenshots/monitor-*.png, reports-*.png.
"""

import datetime as dt
import random

import pytest

import models
import ticketing
from conftest import PASSWORD, free_port, make_ticket, screenshot

COMMENTS = ["Cán bộ hướng dẫn tận tình, dễ hiểu.", "Buổi sáng chờ hơi lâu, nên mở thêm quầy.",
            "Phòng chờ sạch sẽ, có nước uống."]


def seed_history(bag, today: dt.date, days: int = 49, seed: int = 3) -> int:
    """Serve a few tickets on each past working day (morning peak); returns how many."""
    rng = random.Random(seed)
    count = 0
    for back in range(days, 0, -1):
        day = today - dt.timedelta(days=back)
        if day.isoweekday() > 5:
            continue
        for _ in range(rng.randrange(6, 12)):
            minute = rng.choice([7 * 60 + 45, 8 * 60, 8 * 60 + 30, 9 * 60, 9 * 60 + 30, 10 * 60, 14 * 60, 15 * 60])
            minute += rng.randrange(0, 25)
            arrival = dt.datetime.combine(day, dt.time(minute // 60, minute % 60)) - dt.timedelta(hours=7)
            field, counter, clerk = rng.choice([(bag.f1, bag.c1, bag.clerk1), (bag.f2, bag.c2, bag.clerk2),
                                                (bag.f1, bag.c2, bag.clerk2)])
            ticket = make_ticket(field, now=arrival)
            called = arrival + dt.timedelta(minutes=rng.randrange(2, 35))
            ticketing.call_ticket(counter.id, ticket.id, user=clerk, now=called)
            if rng.random() < 0.06:
                ticketing.no_show(ticket.id, user=clerk, now=called + dt.timedelta(minutes=2))
                continue
            ticketing.start(ticket.id, user=clerk, now=called + dt.timedelta(minutes=1))
            done = called + dt.timedelta(minutes=rng.randrange(3, 18))
            ticketing.finish(ticket.id, user=clerk, now=done)
            count += 1
            if rng.random() < 0.7:
                level = rng.choices([3, 2, 1], [70, 24, 6])[0]
                reasons = ["Thời gian chờ lâu"] if level == 1 else []
                comment = rng.choice(COMMENTS) if rng.random() < 0.08 else ""
                ticketing.rate(ticket.id, level, reasons, comment, source="phone", now=done + dt.timedelta(seconds=20))
    return count


def today_through_the_api(server, bag):
    """Tickets issued at the kiosk, served at two counters, rated on the tablet; counter 2 pauses."""
    url = server.url
    kiosk = server.session(device_token=bag.kiosk_token)
    for field in [bag.f1, bag.f2, bag.f1, bag.f1, bag.f2, bag.f1, bag.f2]:
        assert kiosk.post(url + "/api/tickets", json={"field": field.id}, timeout=10).status_code == 201
    clerk1, clerk2 = server.session(username="canbo1"), server.session(username="canbo2")
    tablet = server.session(device_token=bag.tablet1_token)
    first = clerk1.post(f"{url}/api/counters/{bag.c1.id}/call-next", timeout=10).json()["ticket"]
    clerk1.post(f"{url}/api/tickets/{first['id']}/start", timeout=10)
    assert clerk1.post(f"{url}/api/tickets/{first['id']}/finish", timeout=10).status_code == 200
    rated = tablet.post(url + "/api/ratings", json={"ticket": first["id"], "level": 1, "reasons": ["Thời gian chờ lâu"],
                                                    "comment": "Chờ gần nửa tiếng mới được gọi."}, timeout=10)
    assert rated.status_code == 201, rated.text
    second = clerk2.post(f"{url}/api/counters/{bag.c2.id}/call-next", timeout=10).json()["ticket"]
    clerk2.post(f"{url}/api/tickets/{second['id']}/finish", timeout=10)
    assert clerk2.post(f"{url}/api/counters/{bag.c2.id}/pause", json={"reason": "Họp giao ban"}, timeout=10).ok
    third = clerk1.post(f"{url}/api/counters/{bag.c1.id}/call-next", timeout=10).json()["ticket"]
    clerk1.post(f"{url}/api/tickets/{third['id']}/start", timeout=10)
    return kiosk


@pytest.mark.browser
def test_monitor_and_reports_in_chromium(live_office, live_server_factory, browser):
    db_url, bag = live_office
    with models.connection():
        today = ticketing.business_day(models.Office.get_by_id(bag.office.id))
        models.PrinterStatus.create(office=bag.office.id, name="Kiosk sảnh chờ", online=True, paper="low",
                                    message="Cuộn giấy còn khoảng 10%")
        assert seed_history(bag, today) > 150
    # A ticket printer that does not answer: the real print worker reports it, the monitor shows it.
    printer = f"network://127.0.0.1:{free_port()}?name=M%C3%A1y%20in%20s%E1%BB%91%202"  # "Máy in số 2"
    server = live_server_factory(db_url=db_url, env={"PRINTER": printer, "PRINTER_POLL_S": "1",
                                                     "PRINTER_TIMEOUT": "0.5"})
    kiosk = today_through_the_api(server, bag)

    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN",
                                  timezone_id="Asia/Ho_Chi_Minh")
    try:
        login = context.request.post(server.url + "/api/session", data={"username": "lanhdao1", "password": PASSWORD})
        assert login.ok
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))

        # Live monitor: both counters, the serving ticket, the pause reason, queues, printer warning.
        page.goto(server.url + "/admin/monitor")
        page.wait_for_selector("#live-status.online", timeout=10000)
        page.wait_for_selector(".counter-card.state-paused", timeout=10000)
        assert "Họp giao ban" in page.inner_text("#counters")
        assert page.inner_text("#t-issued") == "7"
        assert "sắp hết giấy" in page.inner_text("#alerts")
        page.wait_for_function("document.querySelector('#alerts').textContent.includes('Máy in số 2')", timeout=10000)
        assert "không phản hồi" in page.inner_text("#alerts") and "Mất kết nối" in page.inner_text("#printers")
        page.wait_for_function("/\\d+ phút|dưới 1 phút/.test(document.querySelector('#t-longest').textContent)", timeout=5000)
        assert ":" not in page.inner_text("#t-longest")  # a wait in words, not a time of day
        screenshot(page, "monitor-live")
        # A ticket issued at the kiosk now shows up without reloading.
        assert kiosk.post(server.url + "/api/tickets", json={"field": bag.f2.id}, timeout=10).status_code == 201
        page.wait_for_function("document.querySelector('#t-issued').textContent === '8'", timeout=10000)

        # Today's report: charts drawn, today's comment listed with its ticket number.
        page.goto(f"{server.url}/admin/reports?period=day&date={today.isoformat()}")
        page.wait_for_selector('[data-chart="hours"] canvas', timeout=10000)
        assert "Chờ gần nửa tiếng mới được gọi." in page.inner_text("#comments")
        screenshot(page, "reports-day")

        # The quarter, as a leader prepares the report sent upward.
        quarter = (today.month - 1) // 3 + 1
        page.goto(f"{server.url}/admin/reports?period=quarter&year={today.year}&quarter={quarter}")
        page.wait_for_selector('[data-chart="satisfaction"] canvas', timeout=10000)
        assert page.locator(".chart-empty").count() == 0
        screenshot(page, "reports-quarter")

        # A month with no data: every chart says so instead of drawing an empty frame.
        page.goto(f"{server.url}/admin/reports?period=month&month={today.year - 3}-01")
        page.wait_for_selector(".chart-empty")
        assert page.locator(".chart-empty").count() == 6
        assert page.locator("canvas").count() == 0
        screenshot(page, "reports-empty")

        page.goto(f"{server.url}/admin/reports/satisfaction?period=quarter&year={today.year}&quarter={quarter}")
        assert "NĂM" in page.inner_text("#doc-title")
        screenshot(page, "reports-satisfaction")
        page.emulate_media(media="print")  # what goes to paper: no toolbar, no shadow
        assert not page.is_visible(".doc-toolbar")
        screenshot(page, "reports-satisfaction-print")
        page.goto(f"{server.url}/admin/reports?period=quarter&year={today.year}&quarter={quarter}")
        page.wait_for_selector('[data-chart="satisfaction"] canvas', timeout=10000)
        assert not page.is_visible(".admin-nav") and not page.is_visible("#period-form")
        screenshot(page, "reports-quarter-print")
        assert errors == []
    finally:
        context.close()
