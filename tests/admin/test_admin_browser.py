"""Admin room: the administration pages in a real headless Chromium against the real eventlet server.

An admin logs in, is refused a bad opening time (message beside the box), creates a field, a
procedure, a counter and a clerk, creates a tablet and pairs it from a second browser with the
link shown once (the QR code on screen is decoded and must hold that link), uploads a voice clip,
and reads the audit log; a leader sees the same pages read-only. Screenshots of every page go to
tests/screenshots/admin-*.png.
"""

import pathlib

import pytest
from PIL import Image
from playwright.sync_api import expect

import models
from admin_helpers import OGG
from conftest import PASSWORD
from conftest import screenshot as _screenshot
from models import Office, Procedure

SCREEN = {"width": 1366, "height": 900}


@pytest.fixture
def server(live_office, live_server_factory):
    """A live server whose office looks like a commune centre's."""
    url, bag = live_office
    with models.connection():
        Office.update(name="Trung tâm Phục vụ hành chính công xã Thanh Xương",
                      address="Xã Thanh Xương, tỉnh Điện Biên", open_time="07:30", close_time="17:00",
                      cutoff_time="16:30", working_days=[1, 2, 3, 4, 5]).execute()
        Procedure.create(field=bag.f1, name="Đăng ký khai sinh", processing_time="Trong ngày",
                         fee="Miễn phí khi đăng ký đúng hạn", documents="Tờ khai đăng ký khai sinh\nGiấy chứng sinh")
    return live_server_factory(db_url=url), bag


def screenshot(page, name):
    """A screenshot once the bundled font is in use (font-display: swap paints a fallback first)."""
    page.evaluate("() => document.fonts.ready")
    return _screenshot(page, name)


def _login(page, base, username):
    """Log in through the admin login page."""
    page.goto(base + "/admin")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', PASSWORD)
    page.click('#login-form button[type="submit"]')
    page.wait_for_url(base + "/admin")


def _open_new(page, label):
    """Click an "add" button (once admin.js is running) and return its dialog."""
    page.wait_for_load_state("load")
    page.get_by_role("button", name=label).click()
    dialog = page.locator("dialog[open]")
    expect(dialog).to_be_visible()
    return dialog


@pytest.mark.browser
def test_admin_sets_up_the_office_and_pairs_a_tablet(browser, server, tmp_path):
    live, bag = server
    base = live.url
    context = browser.new_context(viewport=SCREEN)
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("dialog", lambda d: d.accept())

    page.goto(base + "/admin")
    assert "/admin/login" in page.url
    page.fill('input[name="username"]', "admin1")
    page.fill('input[name="password"]', "sai-mat-khau")
    page.click('#login-form button[type="submit"]')
    expect(page.locator("#login-form .form-error")).to_have_text("Sai tên đăng nhập hoặc mật khẩu.")
    screenshot(page, "admin-login")
    _login(page, base, "admin1")

    # A lunch break after closing time is refused beside the box, and nothing is saved.
    hours = page.locator("form", has=page.locator('input[name="lunch_start"]'))
    hours.locator('input[name="lunch_start"]').fill("18:00")
    hours.get_by_role("button", name="Lưu thay đổi").click()
    expect(hours.locator('[data-error-for="lunch_start"]')).to_have_text("Giờ nghỉ trưa phải trước giờ làm việc lại (13:30).")
    screenshot(page, "admin-settings-error")
    hours.locator('input[name="lunch_start"]').fill("11:45")
    hours.get_by_role("button", name="Lưu thay đổi").click()
    expect(page.locator("#admin-toast")).to_have_text("Đã lưu thay đổi.")
    screenshot(page, "admin-settings")

    page.goto(base + "/admin/fields")
    dialog = _open_new(page, "+ Thêm lĩnh vực")
    dialog.locator('input[name="name"]').fill("Đất đai")
    dialog.locator('input[name="name_en"]').fill("Land")
    dialog.locator('input[name="code"]').fill("dd")
    dialog.locator('input[name="number_start"]').fill("3001")
    screenshot(page, "admin-fields-dialog")
    dialog.get_by_role("button", name="Lưu").click()
    expect(page.locator("tr", has_text="Đất đai")).to_contain_text("3001")
    screenshot(page, "admin-fields")

    with page.expect_navigation():
        page.locator("tr", has_text="Tư pháp - Hộ tịch").get_by_role("link").click()
    dialog = _open_new(page, "+ Thêm thủ tục")
    dialog.locator('input[name="name"]').fill("Đăng ký kết hôn")
    dialog.locator('textarea[name="documents"]').fill("Tờ khai đăng ký kết hôn\nGiấy tờ tùy thân của hai bên")
    dialog.locator('input[name="processing_time"]').fill("Ngay khi nhận đủ hồ sơ; tối đa 5 ngày làm việc")
    dialog.locator('input[name="fee"]').fill("Miễn phí")
    dialog.get_by_role("button", name="Lưu").click()
    expect(page.locator("tr", has_text="Đăng ký kết hôn")).to_contain_text("Giấy tờ tùy thân của hai bên")
    screenshot(page, "admin-procedures")

    page.goto(base + "/admin/counters")
    dialog = _open_new(page, "+ Thêm quầy")
    dialog.locator('input[name="number"]').fill("3")
    dialog.locator('input[name="name"]').fill("Quầy Đất đai")
    dialog.get_by_role("button", name="Lưu").click()
    expect(dialog.locator('[data-error-for="fields"]')).to_have_text("Chọn ít nhất 1 lĩnh vực.")
    dialog.get_by_label("Đất đai").check()
    dialog.get_by_role("button", name="Lưu").click()
    expect(page.locator("tr", has_text="Quầy Đất đai")).to_contain_text("Đất đai")
    screenshot(page, "admin-counters")

    page.goto(base + "/admin/users")
    dialog = _open_new(page, "+ Thêm người dùng")
    dialog.locator('input[name="username"]').fill("canbo3")
    dialog.locator('input[name="full_name"]').fill("Phạm Thị Mai")
    dialog.locator('input[name="password"]').fill("mat-khau-canbo-3")
    dialog.get_by_label("Quầy 3 · Quầy Đất đai").check()
    screenshot(page, "admin-users-dialog")
    dialog.get_by_role("button", name="Lưu").click()
    expect(page.locator("tr", has_text="canbo3")).to_contain_text("Quầy 3")
    screenshot(page, "admin-users")

    page.goto(base + "/admin/devices")
    dialog = _open_new(page, "+ Thêm thiết bị")
    dialog.locator('select[name="kind"]').select_option("tablet")
    dialog.locator('input[name="name"]').fill("Máy đánh giá quầy 3")
    dialog.locator('select[name="counter_id"]').select_option(label="Quầy 3 · Quầy Đất đai")
    dialog.get_by_role("button", name="Lưu").click()
    pairing = page.locator("#pair-dialog")
    expect(pairing).to_be_visible()
    link = page.locator("#pair-url").text_content()
    assert link.startswith(base + "/pair/")
    screenshot(page, "admin-devices-pairing")
    qr_png = tmp_path / "qr.png"
    page.locator("#pair-qr").screenshot(path=str(qr_png))
    assert _decode_qr(qr_png) == link

    tablet = browser.new_context(viewport={"width": 1280, "height": 800})
    tablet_page = tablet.new_page()
    tablet_page.goto(link)
    assert tablet_page.url == base + "/rating"
    screenshot(tablet_page, "admin-paired-tablet")
    tablet.close()

    pairing.get_by_role("button", name="Xong").click()
    expect(page.locator("tr", has_text="Máy đánh giá quầy 3")).to_contain_text("Vừa xong")
    screenshot(page, "admin-devices")

    page.goto(base + "/admin/voice")
    clip = tmp_path / "moi.ogg"
    clip.write_bytes(OGG)
    page.locator('input[data-clip-upload="moi_cong_dan_co_so_thu_tu"]').set_input_files(str(clip))
    row = page.locator('tr[data-row="clip-moi_cong_dan_co_so_thu_tu"]')
    expect(row.get_by_role("button", name="Nghe bản thu: mời công dân có số thứ tự")).to_be_visible()
    row.get_by_role("button", name="Nghe bản thu: mời công dân có số thứ tự").click()
    page.wait_for_function("() => !document.querySelector('.btn-play.playing')", timeout=10000)
    screenshot(page, "admin-voice")

    page.goto(base + "/admin/audit")
    for action in ("Sửa cài đặt", "Thêm lĩnh vực", "Thêm thủ tục", "Thêm quầy", "Thêm người dùng", "Thêm thiết bị",
                   "Tải lên giọng đọc"):
        expect(page.locator("table.audit-table")).to_contain_text(action)
    screenshot(page, "admin-audit")
    assert problems == []
    context.close()


@pytest.mark.browser
def test_leader_sees_settings_read_only(browser, server):
    live, bag = server
    context = browser.new_context(viewport=SCREEN)
    page = context.new_page()
    _login(page, live.url, "lanhdao1")
    expect(page.locator(".read-only-note")).to_be_visible()
    assert page.locator('input[name="name"]').is_disabled()
    assert page.get_by_role("button", name="Lưu thay đổi").count() == 0
    screenshot(page, "admin-settings-leader")
    page.get_by_role("button", name="Đăng xuất", exact=True).click()
    page.wait_for_url(live.url + "/admin/login")
    page.goto(live.url + "/admin/users")
    assert "/admin/login?next=/admin/users" in page.url
    context.close()


def _decode_qr(path: pathlib.Path) -> str:
    """The text of the QR code in an image."""
    import zxingcpp

    results = zxingcpp.read_barcodes(Image.open(path))
    assert results, "no QR code found"
    return results[0].text
