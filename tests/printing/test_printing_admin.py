"""Printing room, issue 14: a kiosk's printer on the admin's devices page. In Chromium against the real
server an admin sets one kiosk's printer and prints a test page: it reaches that printer and no other.
The API refuses a bad address beside the field, leaders only read, and the change is in the audit log."""

import pytest
from playwright.sync_api import expect

import models
from models import AuditLog, Device, PrintJob
from tests.conftest import PASSWORD, make_device
from tests.conftest import screenshot as _screenshot

from .conftest import FakePrinter

DESK = {"width": 1366, "height": 900}


def screenshot(page, name):
    """A screenshot once the bundled font is in use."""
    page.evaluate("() => document.fonts.ready")
    return _screenshot(page, name)


def test_admin_sets_a_kiosks_printer_and_its_test_page_prints_there_only(live_office, live_server_factory,
                                                                        browser):
    db_url, bag = live_office
    mine, other = FakePrinter(), FakePrinter()
    try:
        with models.connection():
            Device.update(name="Kiosk sảnh tầng 1").where(Device.id == bag.kiosk.id).execute()
            second, _ = make_device(bag.office, "kiosk", name="Kiosk tầng 2",
                                    settings={"printer": {"kind": "network", "url": other.url, "paper_mm": 80}})
        server = live_server_factory(db_url=db_url, env={"PRINTER": "none", "PRINTER_POLL_S": "1",
                                                         "LEADER_RETRY_S": "0.2"})
        page = browser.new_page(viewport=DESK, locale="vi-VN")
        page.goto(server.url + "/admin")
        page.fill('input[name="username"]', "admin1")
        page.fill('input[name="password"]', PASSWORD)
        page.click('#login-form button[type="submit"]')
        page.wait_for_url(server.url + "/admin")
        page.goto(server.url + "/admin/devices")
        page.wait_for_load_state("load")
        row = page.locator(f'[data-kiosk-printer="{bag.kiosk.id}"]')
        expect(row).to_contain_text("Không in phiếu")
        row.get_by_role("button", name="Máy in…").click()
        dialog = page.locator("#printer-dialog")
        expect(dialog).to_be_visible()
        dialog.locator('select[name="kind"]').select_option("network")
        dialog.locator('input[name="url"]').fill(mine.url)
        dialog.locator('select[name="paper_mm"]').select_option("80")
        screenshot(page, "printing-admin-printer-dialog")
        dialog.get_by_role("button", name="Lưu").click()
        row = page.locator(f'[data-kiosk-printer="{bag.kiosk.id}"]')
        expect(row).to_contain_text(mine.url)
        expect(row.locator("[data-printer-state]")).to_contain_text("Sẵn sàng", timeout=15_000)
        row.get_by_role("button", name="In thử").click()
        expect(row.locator("[data-test-result]")).to_have_text("Đã in trang thử.", timeout=30_000)
        screenshot(page, "printing-admin-devices-printers")
        assert len(mine.printed) == 1 and b"\x1dv0" in mine.printed[0]
        assert other.printed == []  # the other kiosk's printer got nothing
        with models.connection():
            [job] = PrintJob.select().where(PrintJob.kind == "test")
        assert job.kiosk_id == bag.kiosk.id and job.state == "done"
        page.close()
    finally:
        mine.close()
        other.close()


@pytest.fixture
def kiosk_printer_api(app, office, api):
    """An admin's API client and the office's kiosk."""
    return api(username="admin1"), office.kiosk


def test_a_bad_printer_address_is_refused_beside_the_field(kiosk_printer_api):
    admin, kiosk = kiosk_printer_api
    response = admin.client.put(f"/api/admin/devices/{kiosk.id}/printer",
                                json={"kind": "network", "url": "http//192.168.1.50", "paper_mm": 80},
                                headers={"X-CSRF-Token": admin.csrf})
    body = response.get_json()
    assert response.status_code == 422 and body["error"] == "invalid" and "url" in body["fields"]


@pytest.mark.parametrize("url", ["http://abc", "network://", "usb://epson"])
def test_a_bad_network_printer_address_is_explained_in_vietnamese(kiosk_printer_api, url):
    """What to type, in the admin's language: no transport message in English, no PRINTER setting."""
    admin, kiosk = kiosk_printer_api
    response = admin.client.put(f"/api/admin/devices/{kiosk.id}/printer",
                                json={"kind": "network", "url": url, "paper_mm": 80},
                                headers={"X-CSRF-Token": admin.csrf})
    body = response.get_json()
    assert response.status_code == 422
    text = body["fields"]["url"]
    assert "network://192.168.1.50:9100" in text and "Invalid" not in text and "PRINTER" not in text, text


def test_a_printer_on_the_server_box_is_still_a_server_reached_printer(kiosk_printer_api):
    """DEPLOY.md: the network kind also takes usb://, file://, serial:// and cups:// printers of the server."""
    admin, kiosk = kiosk_printer_api
    response = admin.client.put(f"/api/admin/devices/{kiosk.id}/printer",
                                json={"kind": "network", "url": "usb://0x04b8:0x0202", "paper_mm": 80},
                                headers={"X-CSRF-Token": admin.csrf})
    assert response.status_code == 200, response.get_json()


def test_a_kiosk_printer_change_is_audited_and_leaders_only_read(kiosk_printer_api, api, office):
    admin, kiosk = kiosk_printer_api
    setting = {"kind": "agent", "url": "usb://0x04b8:0x0202", "paper_mm": 58, "profile": "TM-T88V"}
    response = admin.client.put(f"/api/admin/devices/{kiosk.id}/printer", json=setting,
                                headers={"X-CSRF-Token": admin.csrf})
    assert response.status_code == 200 and response.get_json()["printer"]["kind"] == "agent"
    entry = AuditLog.select().where(AuditLog.action == "device.printer").get()
    assert entry.detail["after"]["printer"] == setting
    leader = api(username="lanhdao1")
    refused = leader.client.put(f"/api/admin/devices/{kiosk.id}/printer", json=setting,
                                headers={"X-CSRF-Token": leader.csrf})
    assert refused.status_code == 403
    assert leader.get("/api/admin/printers").get_json()["printers"][0]["printer"]["paper_mm"] == 58


def test_a_test_page_for_a_kiosk_without_a_printer_is_refused(kiosk_printer_api):
    admin, kiosk = kiosk_printer_api
    response = admin.post(f"/api/admin/devices/{kiosk.id}/printer/test")
    assert response.status_code == 409 and response.get_json()["error"] == "printer_off"

