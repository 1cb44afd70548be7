"""Go-live room tests: /api/health gives the anonymous liveness only (issue 13 row 12) and the details to
an admin or the monitoring token; the status page shows database, disk, backups, devices online and
screens whose clocks are off (they report them through heartbeat.js)."""

from __future__ import annotations

import time

import pytest

import models
from tests.conftest import PASSWORD, screenshot


@pytest.fixture
def token_app(app):
    """The app with a monitoring token set."""
    app.config["MONITOR_TOKEN"] = "s3cret-monitor"
    return app


def test_anonymous_health_is_liveness_only(token_app, office):
    """No pid, lock, paths or versions for whoever asks without credentials (or with a wrong token)."""
    client = token_app.test_client()
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "s3cret-monitor"}):
        body = client.get("/api/health", headers=headers).get_json()
        assert set(body) == {"ok", "time"}, headers


def test_monitoring_token_and_admin_get_the_details(token_app, office):
    """The token (or an admin's session) sees database, disk, backups, schema, background and offices."""
    client = token_app.test_client()
    body = client.get("/api/health", headers={"Authorization": "Bearer s3cret-monitor"}).get_json()
    assert {"database", "disk", "backups", "schema", "version", "background", "offices", "clock"} <= set(body)
    assert body["database"]["synchronous"] == "full" and body["disk"]["free"] > 0
    assert body["schema"]["version"] == models.SCHEMA_VERSION
    admin = token_app.test_client()
    admin.post("/api/session", json={"username": "admin1", "password": PASSWORD})
    assert "database" in admin.get("/api/health").get_json()
    clerk = token_app.test_client()
    clerk.post("/api/session", json={"username": "canbo1", "password": PASSWORD})
    assert set(clerk.get("/api/health").get_json()) == {"ok", "time"}


def test_screen_clocks_are_reported_and_a_wrong_one_is_flagged(app, office):
    """The display posts a clock 10 minutes fast, the kiosk a right one: only the display is flagged."""
    now_ms = int(time.time() * 1000)
    client = app.test_client()
    fast = client.post("/api/heartbeat", json={"clock_ms": now_ms + 600_000, "tz_offset_min": 420},
                       headers={"X-Device-Token": office.display_token})
    assert fast.status_code == 200 and fast.get_json()["offset_s"] > 590
    right = client.post("/api/heartbeat", json={"clock_ms": now_ms}, headers={"X-Device-Token": office.kiosk_token})
    assert right.status_code == 200
    bad = client.post("/api/heartbeat", json={"clock_ms": "now"}, headers={"X-Device-Token": office.kiosk_token})
    assert bad.status_code == 422
    admin = app.test_client()
    admin.post("/api/session", json={"username": "admin1", "password": PASSWORD})
    devices = {d["id"]: d for d in admin.get("/api/admin/system").get_json()["devices"]}
    assert devices[office.display.id]["clock_wrong"] is True and devices[office.display.id]["online"] is True
    assert devices[office.kiosk.id]["clock_wrong"] is False
    assert devices[office.tablet1.id]["clock_offset_s"] is None
    page = admin.get("/admin/system").get_data(as_text=True)
    assert "Lệch +10 phút" in page and "Đúng giờ" in page


def test_the_status_page_lists_each_kiosks_own_printer(office, api):
    """A kiosk with its own network printer is listed by name with its address and health, not only
    the PRINTER default (which is "none" here)."""
    from kiosk.printing import jobs

    admin = api(username="admin1")
    office.kiosk.settings = {"printer": {"kind": "network", "url": "network://192.168.1.50:9100", "paper_mm": 58}}
    office.kiosk.save()
    jobs.record_status(office.office.id, f"kiosk:{office.kiosk.id}",
                       {"online": True, "paper": "low", "message": "Giấy sắp hết"})
    printers = admin.get("/api/admin/system").get_json()["printers"]["printers"]
    assert [(p["kiosk"], p["kind"], p["url"], p["paper_mm"], p["online"], p["paper"]) for p in printers] == [
        (office.kiosk.name, "network", "network://192.168.1.50:9100", 58, True, "low")]
    page = admin.get("/admin/system").get_data(as_text=True)
    assert "network://192.168.1.50:9100" in page and "Máy in mạng" in page and "Sắp hết" in page


@pytest.mark.browser
@pytest.mark.slow
def test_status_page_in_the_browser(browser, live_office, live_server_factory):
    """A paired display posts its clock by itself; the admin's status page shows it online, with the
    database, disk and backups; screenshot for people to judge."""
    url, bag = live_office
    srv = live_server_factory(db_url=url)
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    display = context.new_page()
    display.goto(f"{srv.url}/pair/{bag.display_token}")
    display.wait_for_url("**/display")
    admin_context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = admin_context.new_page()
    page.goto(srv.url + "/admin/login")
    page.fill('[name="username"]', "admin1")
    page.fill('[name="password"]', PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/admin")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        page.goto(srv.url + "/admin/system")
        if page.locator(f'[data-device="{bag.display.id}"] [data-clock="ok"]').count():
            break
        time.sleep(0.5)
    row = page.locator(f'[data-device="{bag.display.id}"]')
    assert "Đang hoạt động" in row.inner_text() and "Đúng giờ" in row.inner_text()
    assert "WAL, synchronous=FULL" in page.inner_text("#sys-database")
    assert "Còn trống" in page.inner_text("#sys-disk")
    for width in (1366, 1440, 1024):  # no value runs past its card (the clock's date, long chips, paths)
        page.set_viewport_size({"width": width, "height": 900})
        clipped = page.evaluate("""() => [...document.querySelectorAll('.sys-card dd')]
            .filter(dd => dd.scrollWidth > dd.clientWidth + 1
                          || dd.getBoundingClientRect().right > dd.closest('.sys-card').getBoundingClientRect().right)
            .map(dd => dd.textContent.trim())""")
        assert clipped == [], (width, clipped)
    page.set_viewport_size({"width": 1366, "height": 900})
    screenshot(page, "golive_system_status")
    context.close()
    admin_context.close()

