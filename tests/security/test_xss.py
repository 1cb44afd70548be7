"""Security room: hostile text in every field a user can type comes out as text on every page
(checked in a real headless Chromium against the real server), and oversized or malformed bodies
are refused with the documented JSON errors."""

import pytest
import requests

import models
import ticketing
from conftest import PASSWORD, make_device, make_user
from models import Counter, Field, Office, PriorityCategory, Procedure, User

IMG = '<img src=x onerror="window.__xss=1">'
SCRIPT = '"><script>window.__xss=1</script>'
EVIL = IMG + SCRIPT
TZ = "Asia/Ho_Chi_Minh"


def tagged(label):
    """A readable label followed by both payloads (the label says where the text came from)."""
    return f"{label} {EVIL}"


def seed_hostile(bag):
    """Put the payloads into every text an admin, a clerk or a citizen can enter."""
    o = bag.office
    Office.update(name=tagged("Văn phòng"), address=tagged("Địa chỉ"), notices=tagged("Thông báo") + "\nDòng hai",
                  ticket_footer=tagged("Chân phiếu"),
                  rating_reasons=[tagged("Lý do"), "Thời gian chờ lâu"]).where(Office.id == o.id).execute()
    Field.update(name=tagged("Lĩnh vực")).where(Field.id == bag.f1.id).execute()
    Procedure.create(field=bag.f1, name=tagged("Thủ tục"), documents=tagged("Giấy tờ") + "\nTờ khai",
                     processing_time=tagged("Thời hạn"), fee=tagged("Lệ phí"))
    Counter.update(name=tagged("Quầy")).where(Counter.id == bag.c1.id).execute()
    User.update(full_name=tagged("Cán bộ")).where(User.id.in_([bag.clerk1.id, bag.leader.id])).execute()
    PriorityCategory.update(name=tagged("Ưu tiên")).where(PriorityCategory.id == bag.prio.id).execute()
    make_device(o, "kiosk", name=tagged("Máy"))
    make_user(o, "clerk", username="canbo_x", full_name=tagged("Người dùng"))
    # A served ticket rated with a hostile comment, a transferred one with a hostile note, a
    # paused counter 2 with a hostile reason, and tickets waiting.
    rated = ticketing.issue_ticket(o.id, bag.f1.id).ticket
    ticketing.call_ticket(bag.c1.id, rated.id, user=bag.clerk1)
    ticketing.finish(rated.id, user=bag.clerk1)
    ticketing.rate(rated.id, 1, [tagged("Lý do")], tagged("Góp ý"), source="phone")
    moved = ticketing.issue_ticket(o.id, bag.f2.id).ticket
    ticketing.transfer(moved.id, counter_id=bag.c1.id, note=tagged("Ghi chú chuyển"))
    waiting = ticketing.issue_ticket(o.id, bag.f1.id, priority=bag.prio.code).ticket
    ticketing.set_counter_state(bag.c2.id, "paused", tagged("Tạm nghỉ"))
    return waiting.public_token


def check(page, name, *labels):
    """No payload ran, and each label's payload is shown literally as text."""
    page.wait_for_timeout(300)  # let live updates (snapshot, lists) render
    assert page.evaluate("typeof window.__xss") == "undefined", f"{name}: a payload ran"
    text = page.evaluate("document.body.textContent")  # innerText would apply text-transform
    shown = [label for label in labels if f"{label} {EVIL}" in text]
    assert shown == list(labels), f"{name}: not shown literally: {set(labels) - set(shown)}"
    assert page.errors == [], f"{name}: {page.errors}"


def new_page(browser, viewport=None):
    """A fresh context with the office's time zone; page errors collected."""
    context = browser.new_context(viewport=viewport or {"width": 1366, "height": 900}, timezone_id=TZ)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    return page


@pytest.mark.browser
def test_hostile_text_is_shown_as_text_on_every_page(browser, live_office, live_server_factory):
    db_url, bag = live_office
    with models.connection():
        phone_token = seed_hostile(bag)
    server = live_server_factory(db_url=db_url)
    url = server.url
    pages = []

    kiosk = new_page(browser, {"width": 1080, "height": 1920})
    pages.append(kiosk)
    kiosk.goto(f"{url}/pair/{bag.kiosk_token}")
    kiosk.wait_for_selector("#screen-home:not([hidden])")
    kiosk.wait_for_function("window.KioskApp && window.KioskApp.state.net.socket === true")
    check(kiosk, "kiosk home", "Văn phòng", "Lĩnh vực")
    kiosk.wait_for_function("Date.now() >= window.KioskApp.state.guardUntil")
    kiosk.click(f'.k-field[data-field="{bag.f1.id}"]')
    kiosk.wait_for_selector("#screen-priority:not([hidden])")
    check(kiosk, "kiosk priority", "Ưu tiên")
    kiosk.wait_for_function("Date.now() >= window.KioskApp.state.guardUntil")
    kiosk.click(f'.k-prio[data-code="{bag.prio.code}"]')
    kiosk.wait_for_selector("#screen-ticket:not([hidden])")
    check(kiosk, "kiosk ticket", "Lĩnh vực", "Ưu tiên")
    kiosk.wait_for_function("Date.now() >= window.KioskApp.state.guardUntil")
    kiosk.click(".k-done")
    kiosk.wait_for_selector("#screen-home:not([hidden])")
    kiosk.wait_for_function("Date.now() >= window.KioskApp.state.guardUntil")
    kiosk.click(".k-proc-open:visible")
    kiosk.wait_for_selector("#screen-procedures:not([hidden])")
    kiosk.wait_for_function("Date.now() >= window.KioskApp.state.guardUntil")
    kiosk.click(f'.k-proc-tab[data-field="{bag.f1.id}"]')
    kiosk.wait_for_selector("#k-proc-list .k-proc")
    kiosk.locator("#k-proc-list .k-proc").first.click()
    check(kiosk, "kiosk procedures", "Thủ tục")

    board = new_page(browser, {"width": 1920, "height": 1080})
    pages.append(board)
    board.goto(f"{url}/pair/{bag.display_token}")
    board.wait_for_function("() => window.MotcuaBoard && MotcuaBoard.state.snapshots > 0")
    check(board, "board", "Văn phòng", "Thông báo", "Lĩnh vực")

    phone = new_page(browser, {"width": 390, "height": 844})
    pages.append(phone)
    phone.goto(f"{url}/t/{phone_token}")
    phone.wait_for_function("() => document.getElementById('live-status').dataset.state === 'online'")
    check(phone, "phone", "Văn phòng", "Lĩnh vực")

    tablet = new_page(browser, {"width": 1280, "height": 800})
    pages.append(tablet)
    tablet.goto(f"{url}/pair/{bag.tablet1_token}")
    tablet.wait_for_selector("#screen-idle:not([hidden])")

    clerk = new_page(browser)
    pages.append(clerk)
    clerk.goto(url + "/counter")
    clerk.fill("#login-username", "canbo1")
    clerk.fill("#login-password", PASSWORD)
    clerk.click("#login-submit")
    clerk.wait_for_selector("#view-choose:not([hidden]) .choose-item")
    check(clerk, "console choice", "Quầy")
    clerk.locator("#view-choose .choose-item").first.click()
    clerk.wait_for_selector("#top-live.online")
    clerk.wait_for_selector("#waiting-body tr.is-transfer-in")
    check(clerk, "console", "Quầy", "Cán bộ", "Lĩnh vực", "Ghi chú chuyển")
    clerk.keyboard.press("F1")
    clerk.wait_for_selector("#current-ticket:not([hidden])")
    clerk.keyboard.press("t")
    clerk.wait_for_selector("#dlg-transfer[open]")
    check(clerk, "console transfer dialog", "Quầy", "Lĩnh vực")
    clerk.keyboard.press("Escape")
    clerk.wait_for_selector("#dlg-transfer:not([open])", state="attached")
    clerk.keyboard.press("s")
    clerk.wait_for_selector("#current-label:text('Đang phục vụ')")
    clerk.keyboard.press("f")
    clerk.wait_for_selector("#current-empty:not([hidden])")

    tablet.wait_for_selector("#screen-rate:not([hidden])")
    check(tablet, "tablet rate", "Cán bộ")
    tablet.click(".rt-face:has-text('Không hài lòng')")
    tablet.wait_for_selector("#screen-reasons:not([hidden])")
    check(tablet, "tablet reasons", "Lý do")

    leader = new_page(browser)
    pages.append(leader)
    assert leader.context.request.post(url + "/api/session", data={"username": "admin1", "password": PASSWORD}).ok
    admin = server.session(username="admin1")  # an edit through the API leaves hostile text in the audit log
    assert admin.put(f"{url}/api/admin/counters/{bag.c2.id}", json={"name": tagged("Quầy sửa")}, timeout=10).ok
    admin_pages = {
        "/admin": ("Văn phòng",),
        "/admin/fields": ("Lĩnh vực",),
        f"/admin/fields/{bag.f1.id}": ("Thủ tục",),
        "/admin/counters": ("Quầy",),
        "/admin/users": ("Cán bộ", "Người dùng"),
        "/admin/devices": ("Máy", "Quầy"),
        "/admin/audit": ("Quầy sửa",),
        "/admin/monitor": ("Quầy", "Cán bộ", "Tạm nghỉ", "Lĩnh vực"),
        "/admin/reports": ("Góp ý", "Lĩnh vực", "Quầy", "Cán bộ", "Lý do"),
        "/admin/reports/satisfaction": ("Văn phòng",),
    }
    for path, labels in admin_pages.items():
        leader.goto(url + path)
        leader.wait_for_load_state("networkidle")
        check(leader, path, *labels)
    # Form fields hold the payload as a value, not as markup.
    leader.goto(url + "/admin")
    leader.wait_for_load_state("networkidle")
    values = leader.evaluate("[...document.querySelectorAll('input, textarea')].map(e => e.value).join('\\n')")
    assert tagged("Chân phiếu") in values and tagged("Địa chỉ") in values
    assert leader.evaluate("typeof window.__xss") == "undefined"
    for p in pages:
        p.context.close()


@pytest.mark.parametrize("method, path, who", [("POST", "/api/tickets", "kiosk"), ("POST", "/api/session", None),
                                               ("PUT", "/api/admin/settings", "admin1"),
                                               ("POST", "/api/ratings", "tablet")])
def test_oversized_body_is_413_json(office, api, method, path, who):
    """More than 2 MiB is refused before it is read, with the documented error shape."""
    device = {"kiosk": office.kiosk_token, "tablet": office.tablet1_token}.get(who)
    caller = api(username=who if who and not device else None, device=device)
    body = b'{"note": "' + b"x" * (2 * 1024 * 1024 + 10) + b'"}'
    response = caller.client.open(path, method=method, data=body, content_type="application/json",
                                  headers=caller._headers(None))
    assert response.status_code == 413
    assert response.get_json()["error"] == "too_large" and response.get_json()["message"]


@pytest.mark.parametrize("method, path, who", [
    ("POST", "/api/tickets", "kiosk"), ("POST", "/api/session", None), ("PUT", "/api/admin/settings", "admin1"),
    ("POST", "/api/admin/fields", "admin1"), ("POST", "/api/ratings", "tablet"),
    ("POST", "/api/counters/{c1}/pause", "canbo1"), ("POST", "/api/tickets/status/{token}/rating", None)])
@pytest.mark.parametrize("body", ['{"field": 1', "\xff\xfe", "[]"])
def test_malformed_json_is_400_json(office, api, method, path, who, body):
    """Broken or non-object JSON is a 400 with the documented error shape, never a 500."""
    device = {"kiosk": office.kiosk_token, "tablet": office.tablet1_token}.get(who)
    caller = api(username=who if who and not device else None, device=device)
    ticket = ticketing.issue_ticket(office.office.id, office.f1.id).ticket
    url = path.format(c1=office.c1.id, token=ticket.public_token)
    response = caller.client.open(url, method=method, data=body.encode("latin-1"), content_type="application/json",
                                  headers=caller._headers(None))
    assert response.status_code == 400, response.get_json()
    assert set(response.get_json()) >= {"error", "message"}


def test_oversized_body_over_the_real_server_is_413(live_office, live_server_factory):
    """The eventlet server refuses a 3 MiB body too (not only the test client)."""
    db_url, bag = live_office
    server = live_server_factory(db_url=db_url)
    response = requests.post(server.url + "/api/tickets", data=b"{" + b" " * (3 * 1024 * 1024) + b"}",
                             headers={"X-Device-Token": bag.kiosk_token, "Content-Type": "application/json"},
                             timeout=10)
    assert response.status_code == 413 and response.json()["error"] == "too_large"
