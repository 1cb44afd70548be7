"""Admin room: a leader narrows the audit log in a real headless Chromium against the real eventlet
server: by who, what, a date range and words; the filters land in the URL (a bookmark opens the
same rows), and a bad date gets its message beside its box. Screenshots: admin-audit-filtered.png,
admin-audit-bad-date.png."""

import datetime as dt
import urllib.parse

import pytest
from playwright.sync_api import expect

import models
from admin_helpers import OGG
from conftest import PASSWORD, make_user
from conftest import screenshot as _screenshot
from models import AuditLog, Office

SCREEN = {"width": 1366, "height": 900}


def screenshot(page, name):
    """A screenshot once the bundled font is in use."""
    page.evaluate("() => document.fonts.ready")
    return _screenshot(page, name)


def submit(page):
    """Press "Lọc" and wait for the filtered page."""
    with page.expect_navigation():
        page.get_by_role("button", name="Lọc", exact=True).click()


@pytest.fixture
def server(live_office, live_server_factory):
    """A live server whose office has a week of changes by two admins."""
    url, bag = live_office
    with models.connection():
        Office.update(name="Trung tâm Phục vụ hành chính công xã Thanh Xương", open_time="07:30",
                      close_time="17:00", cutoff_time="16:30").execute()
        make_user(bag.office, "admin", username="admin2", full_name="Phạm Thu Hà")
    live = live_server_factory(db_url=url)
    admin1, admin2 = live.session(username="admin1"), live.session(username="admin2")
    base = live.url + "/api/admin"
    admin1.put(base + "/settings", json={"open_time": "07:00"}, timeout=10)
    admin1.post(base + "/fields", json={"name": "Đất đai", "code": "DD", "number_start": 3001}, timeout=10)
    admin2.put(f"{base}/fields/{bag.f1.id}", json={"name": "Hộ tịch"}, timeout=10)
    admin2.put(f"{base}/counters/{bag.c2.id}", json={"fields": [bag.f2.id]}, timeout=10)
    admin2.put(base + "/settings", json={"notices": "Nghỉ lễ Quốc khánh 02/09."}, timeout=10)
    admin1.post(base + "/devices", json={"kind": "kiosk", "name": "Kiosk tầng 2"}, timeout=10)
    admin2.post(base + "/voice/mot", files={"clip": ("mot.ogg", OGG)}, timeout=10)
    admin2.put(f"{base}/fields/{bag.f2.id}", json={"daily_cap": 120}, timeout=10)
    with models.connection():
        rows = list(AuditLog.select().order_by(AuditLog.id))
        assert len(rows) == 8
        # One change a day from Monday 23/11/2026, 09:15 Hà Nội time (02:15 UTC).
        for day, row in enumerate(rows):
            AuditLog.update(at=dt.datetime(2026, 11, 23, 2, 15) + dt.timedelta(days=day, minutes=7 * day)).where(
                AuditLog.id == row.id
            ).execute()
    return live, bag


@pytest.mark.browser
def test_leader_filters_the_audit_log_and_bookmarks_it(browser, server):
    live, bag = server
    context = browser.new_context(viewport=SCREEN)
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.goto(live.url + "/admin/login?next=/admin/audit")
    page.fill('input[name="username"]', "lanhdao1")
    page.fill('input[name="password"]', PASSWORD)
    page.click('#login-form button[type="submit"]')
    page.wait_for_url(live.url + "/admin/audit")
    rows = page.locator("table.audit-table > tbody > tr[data-row]")
    expect(rows).to_have_count(8)

    # "Who changed the fields between 24 and 30 November?"
    page.select_option('select[name="user"]', "admin2")
    page.select_option('select[name="kind"]', "field")
    page.fill('input[name="from"]', "24/11/2026")
    page.fill('input[name="to"]', "30/11/2026")
    submit(page)
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).query)
    assert query == {"user": ["admin2"], "kind": ["field"], "from": ["24/11/2026"], "to": ["30/11/2026"]}
    expect(rows).to_have_count(2)
    expect(page.locator("#audit-count")).to_have_text("Tìm thấy 2 mục khớp bộ lọc.")
    expect(rows.nth(0)).to_contain_text("Tối đa mỗi ngày")
    expect(rows.nth(1)).to_contain_text("Hộ tịch")

    # Words narrow it further, typed without accents.
    page.fill('input[name="q"]', "ho tich")
    submit(page)
    expect(rows).to_have_count(1)
    expect(rows.nth(0)).to_contain_text("25/11/2026 09:29")
    expect(page.locator('input[name="from"]')).to_have_value("24/11/2026")
    expect(page.locator('select[name="kind"]')).to_have_value("field")
    screenshot(page, "admin-audit-filtered")

    # The address is the bookmark: another tab opens the same rows.
    bookmark = page.url
    other = context.new_page()
    other.goto(bookmark)
    expect(other.locator("table.audit-table > tbody > tr[data-row]")).to_have_count(1)
    expect(other.locator('input[name="q"]')).to_have_value("ho tich")
    other.close()

    # A date that does not exist: the message sits beside the box, nothing is listed.
    page.fill('input[name="to"]', "31/11/2026")
    submit(page)
    expect(page.locator('[data-error-for="to"]')).to_have_text(
        "“31/11/2026” không phải ngày có thật; dùng dạng ngày/tháng/năm, ví dụ 02/09/2026."
    )
    expect(page.locator('input[name="to"]')).to_have_attribute("aria-invalid", "true")
    expect(rows).to_have_count(0)
    screenshot(page, "admin-audit-bad-date")

    page.get_by_role("link", name="Bỏ lọc").click()
    page.wait_for_url(live.url + "/admin/audit")
    expect(rows).to_have_count(8)
    assert problems == []
    context.close()
