"""Go-live room tests: first run. An empty database opens the setup page, which refuses without the
one-time code from the start-up log and, with it, creates the office (hours, fields with their
procedures, counters, first admin, QR base URL). Then the devices page shows each pairing link as a
QR code, and a kiosk paired by opening the link decoded from that QR issues a ticket."""

from __future__ import annotations

import io
import re

import pytest
import requests

import demo
import firstrun
import models
from tests.conftest import screenshot

SETUP = {
    "name": "Trung tâm Phục vụ hành chính công xã Mường Phăng", "address": "Xã Mường Phăng, tỉnh Điện Biên",
    "open_time": "07:00", "lunch_start": "11:30", "lunch_end": "13:30", "close_time": "17:00",
    "cutoff_time": "16:30", "working_days": [1, 2, 3, 4, 5], "fields": ["HT", "CT", "DD"], "counters": 3,
    "username": "quantri", "full_name": "Lò Văn Minh", "password": " mật khẩu có dấu cách ",
    "public_base_url": "http://192.168.1.20:5000",
}


@pytest.fixture
def empty_app(tmp_path):
    """An app on an empty database with its one-time setup code made (as start-up makes it)."""
    from tests.conftest import make_app

    app = make_app(f"sqlite:///{tmp_path / 'empty.db'}", tmp_path)
    code = firstrun.startup_code(app)
    yield app, code
    models.db.obj.close_all()


def test_setup_refuses_without_the_code(empty_app):
    """No code or a wrong one: 403, and nothing is created."""
    app, _code = empty_app
    client = app.test_client()
    for body in (dict(SETUP, code=""), dict(SETUP, code="000-000-000")):
        response = client.post("/api/setup", json=body)
        assert response.status_code in (403, 422) and response.get_json()["error"] in ("setup_code", "invalid")
    assert client.post("/api/setup", json=dict(SETUP, code="111-222-333")).get_json()["error"] == "setup_code"
    with models.connection():
        assert not models.Office.select().exists()


def test_setup_creates_the_office_and_logs_the_admin_in(empty_app, tmp_path):
    """With the code: office, hours, the chosen fields with their catalogue procedures, counters, an admin
    whose password keeps its spaces; the QR base URL is saved; the code is retired."""
    app, code = empty_app
    client = app.test_client()
    response = client.post("/api/setup", json=dict(SETUP, code=code))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["next"] == "/admin/devices"
    assert client.get("/api/session").get_json()["user"]["username"] == "quantri"
    with models.connection():
        office = models.Office.get()
        assert (office.name, office.open_time, office.cutoff_time) == (SETUP["name"], "07:00", "16:30")
        fields = {f.code: f for f in models.Field.select()}
        assert set(fields) == {"HT", "CT", "DD"}
        assert {f.daily_cap for f in fields.values()} == {models.DEFAULT_DAILY_CAP}  # issue 13 row 4
        catalogue = {code: procedures for code, _n, _e, procedures in demo.FIELDS}
        assert fields["HT"].procedures.count() == len(catalogue["HT"])
        assert models.Counter.select().count() == 3
        assert models.CounterField.select().count() == 9
    assert app.config["PUBLIC_BASE_URL"] == "http://192.168.1.20:5000"
    assert (tmp_path / "instance" / "public_base_url").read_text().strip() == "http://192.168.1.20:5000"
    assert not (tmp_path / "instance" / firstrun.CODE_FILE).exists()
    fresh = app.test_client()
    login = fresh.post("/api/session", json={"username": "quantri", "password": SETUP["password"]})
    assert login.status_code == 200
    assert client.post("/api/setup", json=dict(SETUP, code=code)).status_code in (403, 409)
    assert client.get("/setup").status_code == 302


def test_setup_checks_each_box(empty_app):
    """A short password, no field, a bad URL or bad hours: 422 naming the box; nothing is created."""
    app, code = empty_app
    client = app.test_client()
    for change, box in (({"password": "a"}, "password"), ({"fields": []}, "fields"),
                        ({"public_base_url": "192.168.1.20"}, "public_base_url"), ({"open_time": "25:00"}, "open_time"),
                        ({"counters": 0}, "counters")):
        response = client.post("/api/setup", json=dict(SETUP, code=code, **change))
        assert response.status_code == 422, (change, response.get_json())
        assert box in response.get_json().get("fields", {}), (change, response.get_json())
    with models.connection():
        assert not models.Office.select().exists()


def _decode_qr(png: bytes) -> list[str]:
    """Texts of the QR codes in a screenshot."""
    import zxingcpp
    from PIL import Image

    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


@pytest.mark.browser
@pytest.mark.slow
def test_first_run_in_the_browser(browser, live_server_factory, tmp_path):
    """Empty database -> setup refused without the code -> with it, the office -> a kiosk created on the
    devices page -> its QR decoded from the screenshot -> opened as the kiosk -> a ticket issued."""
    srv = live_server_factory(db_url=f"sqlite:///{tmp_path / 'first.db'}", args=("--no-demo",))
    log = srv.log_path.read_text()
    code = re.search(r"nhập mã (\d{3}-\d{3}-\d{3})", log).group(1)
    assert (srv.instance_dir / firstrun.CODE_FILE).read_text().strip() == code

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    page.goto(srv.url + "/setup")
    page.fill('[name="name"]', SETUP["name"])
    page.fill('[name="address"]', SETUP["address"])
    page.fill('[name="full_name"]', SETUP["full_name"])
    page.fill('[name="username"]', SETUP["username"])
    page.fill('[name="password"]', "mat-khau-2026")
    page.fill('[name="password2"]', "mat-khau-2026")
    page.fill('[name="counters"]', "2")
    # Open all day, every day: the test may run at night or on a Sunday.
    for box, value in (("open_time", "00:00"), ("close_time", "23:59"), ("cutoff_time", "23:59")):
        page.fill(f'[name="{box}"]', value)
    for day in ("6", "7"):
        page.check(f'[name="working_days"][value="{day}"]')
    page.fill('[name="public_base_url"]', srv.url)
    page.fill('[name="code"]', "999-999-999")
    page.click("#setup-submit")
    page.wait_for_function("document.querySelector('[data-error-for=code]').textContent.length > 0")
    assert "Mã thiết lập không đúng" in page.inner_text('[data-error-for="code"]')
    screenshot(page, "golive_setup_refused")
    page.fill('[name="code"]', code)
    screenshot(page, "golive_setup_page")
    page.click("#setup-submit")
    page.wait_for_url("**/admin/devices")

    page.click('[data-open="device-dialog"]')
    page.select_option('#device-dialog [name="kind"]', "kiosk")
    page.fill('#device-dialog [name="name"]', "Kiosk sảnh chính")
    page.click('#device-dialog [type="submit"]')
    page.wait_for_selector("#pair-qr svg")
    shot = screenshot(page, "golive_devices_qr")
    links = _decode_qr(shot.read_bytes())
    assert len(links) == 1 and links[0].startswith(srv.url + "/pair/")
    assert links[0] == page.inner_text("#pair-url")
    context.close()

    kiosk = browser.new_context(viewport={"width": 1080, "height": 1920})
    screen = kiosk.new_page()
    screen.goto(links[0])
    screen.wait_for_url("**/kiosk")
    screen.wait_for_selector("#screen-home:not([hidden])")
    assert any("Hộ tịch" in n for n in screen.locator(".k-field").all_inner_texts())
    screen.wait_for_function("Date.now() >= window.KioskApp.state.guardUntil")
    screen.locator(".k-field").first.click()
    screen.wait_for_selector("#screen-priority:not([hidden])")
    screen.wait_for_function("Date.now() >= window.KioskApp.state.guardUntil")
    screen.click(".k-noprio")
    screen.wait_for_selector("#screen-ticket:not([hidden])")
    number = screen.inner_text("#k-number").strip()
    screenshot(screen, "golive_first_ticket")
    kiosk.close()
    admin = requests.Session()
    login = admin.post(srv.url + "/api/session", json={"username": "quantri", "password": "mat-khau-2026"}, timeout=10)
    admin.headers["X-CSRF-Token"] = login.json()["csrf_token"]
    assert [t["number"] for t in admin.get(srv.url + "/api/tickets", timeout=10).json()["tickets"]] == [number]
