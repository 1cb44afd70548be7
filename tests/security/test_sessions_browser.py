"""Security room, issue 13 rows 3 and 7 in a real headless Chromium against the eventlet server: the
admin logs canbo1 out everywhere from the users page (canbo1's console PC is out at once), then "Đăng
xuất mọi nơi" for themselves; a guesser at the login page reads how long to wait, in Vietnamese.
Screenshots: security-users-logout-all.png, security-login-wait.png."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD, screenshot as _screenshot

SCREEN = {"width": 1366, "height": 900}


def screenshot(page, name):
    """A screenshot once the bundled font is in use."""
    page.evaluate("() => document.fonts.ready")
    return _screenshot(page, name)


def _log_in(page, url, username, password=PASSWORD):
    """Fill and send the admin login form."""
    page.goto(url + "/admin/login")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', password)
    page.click('#login-form button[type="submit"]')


@pytest.mark.browser
@pytest.mark.slow
def test_the_admin_logs_a_clerk_out_everywhere_then_themselves(browser, live_office, live_server_factory):
    """Users page → "Đăng xuất mọi nơi" on canbo1's row (confirmed): canbo1's session answers 401; the
    header's "Đăng xuất mọi nơi" ends the admin's own session and shows the login page."""
    url, _bag = live_office
    live = live_server_factory(db_url=url, env={"BACKGROUND_TASKS": "0"})
    clerk = live.session("canbo1")
    assert clerk.get(live.url + "/api/session", timeout=10).status_code == 200
    context = browser.new_context(viewport=SCREEN)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    try:
        _log_in(page, live.url, "admin1")
        page.wait_for_url("**/admin")
        page.goto(live.url + "/admin/users")
        row = page.locator("tr", has=page.locator("code", has_text="canbo1"))
        button = row.get_by_role("button", name="Đăng xuất mọi nơi")
        expect(button).to_be_visible()
        screenshot(page, "security-users-logout-all")
        button.click()
        page.wait_for_load_state("networkidle")
        assert clerk.get(live.url + "/api/session", timeout=10).status_code == 401
        page.locator("#admin-logout-all").click()
        page.wait_for_url("**/admin/login")
        assert page.context.request.get(live.url + "/api/session").status == 401
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.slow
def test_a_guesser_at_the_login_page_is_told_to_wait(browser, live_office, live_server_factory):
    """Six wrong passwords for admin1 in the browser: the sixth is answered "Xin thử lại sau N giây"."""
    url, _bag = live_office
    live = live_server_factory(db_url=url, env={"BACKGROUND_TASKS": "0"})
    context = browser.new_context(viewport=SCREEN)
    page = context.new_page()
    try:
        error = page.locator("#login-form .form-error")
        for n in range(5):
            _log_in(page, live.url, "admin1", f"doan-sai-{n}")
            expect(error).to_contain_text("Sai tên đăng nhập hoặc mật khẩu")
        _log_in(page, live.url, "admin1", PASSWORD)
        expect(error).to_contain_text("Xin thử lại sau")
        expect(error).to_contain_text("giây")
        screenshot(page, "security-login-wait")
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.slow
def test_a_clerk_logs_out_everywhere_from_the_console(browser, live_office, live_server_factory):
    """canbo1 at the console's counter choice presses "Đăng xuất mọi nơi" (confirmed): back at the login
    form, and canbo1's session on another PC answers 401."""
    url, _bag = live_office
    live = live_server_factory(db_url=url, env={"BACKGROUND_TASKS": "0"})
    other_pc = live.session("canbo1")
    context = browser.new_context(viewport=SCREEN)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    try:
        page.goto(live.url + "/counter")
        page.fill("#login-username", "canbo1")
        page.fill("#login-password", PASSWORD)
        page.click("#login-submit")
        button = page.locator("#choose-logout-all")
        expect(button).to_be_visible()
        screenshot(page, "security-console-logout-all")
        button.click()
        expect(page.locator("#login-username")).to_be_visible()
        assert other_pc.get(live.url + "/api/session", timeout=10).status_code == 401
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.slow
def test_open_screens_follow_a_changed_or_ended_identity(browser, live_office, live_server_factory):
    """The server closes a socket when its identity changes or ends (issue 13 row 1); the screen does
    not just sit there offline. canbo1 made a leader: the console reconnects at once (a second
    snapshot, live again). canbo1 logged out everywhere: the console shows the login form. The
    display revoked: the board shows "Màn hình chưa được ghép nối"."""
    url, bag = live_office
    live = live_server_factory(db_url=url, env={"BACKGROUND_TASKS": "0"})
    admin = live.session("admin1")
    console_context = browser.new_context(viewport=SCREEN)
    board_context = browser.new_context(viewport={"width": 1280, "height": 720})
    console, board = console_context.new_page(), board_context.new_page()
    try:
        console.goto(live.url + "/counter")
        console.fill("#login-username", "canbo1")
        console.fill("#login-password", PASSWORD)
        console.click("#login-submit")
        console.click(".choose-item:has-text('Quầy 1')")
        expect(console.locator("#top-live.online")).to_be_visible()
        board.goto(f"{live.url}/pair/{bag.display_token}")
        board.wait_for_function("Motcua.lives.length === 1 && Motcua.lives[0].stats.snapshots === 1")

        def snapshots(page):
            return page.evaluate("Motcua.lives[0].stats.snapshots")

        assert snapshots(console) == 1
        changed = admin.put(f"{live.url}/api/admin/users/{bag.clerk1.id}", json={"role": "leader"}, timeout=10)
        assert changed.status_code == 200, changed.text
        console.wait_for_function("Motcua.lives[0].stats.snapshots === 2", timeout=10_000)
        expect(console.locator("#top-live.online")).to_be_visible()
        assert console.locator("#login-username").is_hidden()

        ended = admin.delete(f"{live.url}/api/admin/users/{bag.clerk1.id}/sessions", timeout=10)
        assert ended.status_code == 200 and ended.json()["ended"] == 1, ended.text
        expect(console.locator("#login-username")).to_be_visible(timeout=10_000)
        screenshot(console, "security-console-after-logout-everywhere")

        revoked = admin.post(f"{live.url}/api/admin/devices/{bag.display.id}/revoke", timeout=10)
        assert revoked.status_code == 200, revoked.text
        expect(board.get_by_text("Màn hình chưa được ghép nối")).to_be_visible(timeout=10_000)
        screenshot(board, "security-board-after-revoke")
    finally:
        console_context.close()
        board_context.close()
