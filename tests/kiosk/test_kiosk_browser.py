"""Kiosk room: the touch kiosk in a real headless Chromium against a real server process.

Each test pairs a fresh browser context through /pair/<token>, drives the screens a citizen
sees, checks what the server committed, and writes screenshots to tests/screenshots/.
"""

import io

import pytest

import models
import ticketing
from models import Field, Office, PriorityCategory, Procedure, Ticket
from tests.conftest import make_field, make_ticket, screenshot

PORTRAIT = {"width": 1080, "height": 1920}
LANDSCAPE = {"width": 1920, "height": 1080}

PROCEDURES = [
    ("Đăng ký khai sinh", "Trong ngày (sau 15 giờ: ngày làm việc tiếp theo)", "Miễn phí khi đăng ký đúng hạn",
     "Tờ khai đăng ký khai sinh\nGiấy chứng sinh\nGiấy tờ tùy thân của người đi đăng ký"),
    ("Đăng ký kết hôn", "Ngay khi nhận đủ hồ sơ; tối đa 5 ngày làm việc nếu cần xác minh", "Miễn phí",
     "Tờ khai đăng ký kết hôn\nGiấy tờ tùy thân của hai bên\nGiấy xác nhận tình trạng hôn nhân (nếu cư trú nơi khác)"),
    ("Đăng ký khai tử", "Trong ngày (sau 15 giờ: ngày làm việc tiếp theo)", "Miễn phí khi đăng ký đúng hạn",
     "Tờ khai đăng ký khai tử\nGiấy báo tử hoặc giấy tờ thay thế"),
    ("Cấp bản sao trích lục hộ tịch", "Trong ngày", "Theo quy định của tỉnh",
     "Tờ khai cấp bản sao trích lục hộ tịch\nGiấy tờ tùy thân"),
]


def seed_kiosk_office(bag, **office_updates):
    """Make the standard live office look like a real one: more fields, people waiting, procedures, icons."""
    with models.connection():
        office = bag.office
        Field.update(name_en="Justice - Civil status").where(Field.id == bag.f1.id).execute()
        Field.update(name_en="Certification").where(Field.id == bag.f2.id).execute()
        extra = [("Lao động - Thương binh và Xã hội (Người có công)", "Labour, Invalids and Social Affairs", True),
                 ("Bảo trợ xã hội", "Social protection", True),
                 ("Văn hóa - Thể thao", "Culture - Sports", True),
                 ("Xây dựng", "Construction", True),
                 ("Đất đai", "Land", False)]
        for name, name_en, active in extra:
            make_field(office, name=name, name_en=name_en, active=active)
        for order, (name, time, fee, docs) in enumerate(PROCEDURES):
            Procedure.create(field=bag.f1, name=name, processing_time=time, fee=fee, documents=docs, sort_order=order)
        Procedure.create(field=bag.f2, name="Chứng thực chữ ký", processing_time="Trong ngày", fee="10.000 đ",
                         documents="Giấy tờ tùy thân\nGiấy tờ, văn bản cần chứng thực chữ ký")
        PriorityCategory.update(icon="elderly", name_en="Elderly").where(PriorityCategory.id == bag.prio.id).execute()
        for order, (code, name, name_en, icon) in enumerate([
            ("khuyet_tat", "Người khuyết tật", "Person with disability", "disability"),
            ("mang_thai", "Phụ nữ mang thai", "Pregnant woman", "pregnant"),
            ("co_cong", "Người có công với cách mạng", "Person with meritorious service", "merit"),
            ("tre_nho", "Người bế trẻ nhỏ", "Carrying a small child", "child"),
        ], start=1):
            PriorityCategory.create(office=office, code=code, name=name, name_en=name_en, icon=icon, sort_order=order)
        for _ in range(3):
            make_ticket(bag.f1)
        make_ticket(bag.f2)
        if office_updates:  # last: a closed office could not have issued the tickets above
            Office.update(**office_updates).where(Office.id == office.id).execute()


def open_kiosk(browser, server_url, token, viewport, clock=False):
    """A fresh browser context paired as the kiosk, on the home screen, live connection up."""
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    if clock:
        page.clock.install()
    page.goto(f"{server_url}/pair/{token}")
    page.wait_for_selector("#screen-home:not([hidden])")
    page.wait_for_function("window.KioskApp && window.KioskApp.state.net.socket === true")
    page.evaluate("document.fonts.ready")
    page.errors = errors
    return context, page


def tap(page, selector):
    """Tap like a person: not within the guard time right after a screen appeared."""
    page.wait_for_function("Date.now() >= window.KioskApp.state.guardUntil")
    page.click(selector)


def shot(page, name):
    """Screenshot once fonts are ready."""
    page.evaluate("document.fonts.ready")
    return screenshot(page, name)


def tickets_of(field):
    """Tickets of a field as the database holds them."""
    with models.connection():
        return list(Ticket.select().where(Ticket.field == field.id).order_by(Ticket.id))


def decode_qr(png_bytes):
    """Text of the QR code in an image."""
    import zxingcpp
    from PIL import Image

    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png_bytes)))
    return [r.text for r in results]


@pytest.mark.browser
@pytest.mark.parametrize("orientation", ["portrait", "landscape"])
def test_tap_field_choose_priority_and_see_the_committed_ticket(browser, live_office, live_server_factory, orientation):
    """Home -> field -> priority step -> ticket: the number shown is the one the server committed."""
    db_url, bag = live_office
    seed_kiosk_office(bag)
    server = live_server_factory(db_url=db_url)
    viewport = PORTRAIT if orientation == "portrait" else LANDSCAPE
    context, page = open_kiosk(browser, server.url, bag.kiosk_token, viewport)
    assert page.locator(f'.k-field[data-field="{bag.f1.id}"]').inner_text().count("3") >= 1
    assert page.locator(".k-field--closed").is_disabled()
    shot(page, f"kiosk-home-{orientation}")

    tap(page, f'.k-field[data-field="{bag.f1.id}"]')
    page.wait_for_selector("#screen-priority:not([hidden])")
    assert page.locator(".k-prio").count() == 5
    shot(page, f"kiosk-priority-{orientation}")
    before = len(tickets_of(bag.f1))
    if orientation == "portrait":
        page.wait_for_function("Date.now() >= window.KioskApp.state.guardUntil")
        page.dblclick(".k-noprio")  # a double tap must not issue two tickets
    else:
        tap(page, '.k-prio[data-code="cao_tuoi"]')
    page.wait_for_selector("#screen-ticket:not([hidden])")
    shown = page.inner_text("#k-number").strip()
    page.wait_for_timeout(400)

    issued = tickets_of(bag.f1)[before:]
    assert len(issued) == 1
    assert issued[0].display_number == shown
    assert issued[0].priority_id == (None if orientation == "portrait" else bag.prio.id)
    clerk = server.session(username="canbo1")
    numbers = [t["number"] for t in clerk.get(server.url + "/api/tickets", timeout=10).json()["tickets"]]
    assert shown in numbers
    assert page.inner_text("#k-ticket-ahead") == ("3" if orientation == "portrait" else "0")
    assert page.locator("#k-ticket-prio").is_visible() == (orientation == "landscape")
    assert decode_qr(page.locator("#k-qr").screenshot()) == [f"{server.url}/t/{issued[0].public_token}"]
    shot(page, f"kiosk-ticket-{orientation}")

    tap(page, ".k-done")
    page.wait_for_selector("#screen-home:not([hidden])")
    tap(page, ".k-proc-open:visible")
    page.wait_for_selector("#screen-procedures:not([hidden])")
    tap(page, f'.k-proc-tab[data-field="{bag.f1.id}"]')
    page.wait_for_selector("#k-proc-list .k-proc")
    assert "Giấy chứng sinh" in page.inner_text("#k-proc-list")
    assert "Thứ Hai" in page.inner_text("#k-schedule")
    shot(page, f"kiosk-procedures-{orientation}")
    if orientation == "landscape":
        tap(page, "[data-action=home]:visible")
        tap(page, ".k-lang")
        assert page.inner_text("#home-title") == "Please choose a service"
        assert "Justice - Civil status" in page.inner_text("#k-fields")
        shot(page, "kiosk-home-en-landscape")
    assert page.errors == []
    context.close()


@pytest.mark.browser
def test_closed_office_says_why_and_when_it_opens(browser, live_office, live_server_factory):
    """On a holiday no field is offered; the screen says why and when numbers are issued again."""
    db_url, bag = live_office
    with models.connection():
        today = ticketing.business_day(Office.get_by_id(bag.office.id)).isoformat()
    seed_kiosk_office(bag, holidays=[today], open_time="07:30")
    server = live_server_factory(db_url=db_url)
    context, page = open_kiosk(browser, server.url, bag.kiosk_token, PORTRAIT)
    assert page.locator("#k-closed").is_visible()
    assert page.locator(".k-field:visible").count() == 0
    assert "nghỉ lễ" in page.inner_text("#k-closed-reason")
    assert "07:30" in page.inner_text("#k-closed-next")
    shot(page, "kiosk-closed-portrait")
    page.set_viewport_size(LANDSCAPE)
    shot(page, "kiosk-closed-landscape")
    context.close()

    unpaired = browser.new_page(viewport=PORTRAIT)
    response = unpaired.goto(f"{server.url}/kiosk")
    assert response.status == 401
    assert "/admin" in unpaired.inner_text("body")
    shot(unpaired, "kiosk-unpaired-portrait")
    unpaired.close()


@pytest.mark.browser
def test_live_counts_then_offline_banner_until_the_network_is_back(browser, live_office, live_server_factory):
    """Counts follow queue_changed live; a dropped network shows "Đang kết nối lại…" and disables
    the fields until it is back; a stopped server does the same."""
    db_url, bag = live_office
    seed_kiosk_office(bag)
    server = live_server_factory(db_url=db_url)
    context, page = open_kiosk(browser, server.url, bag.kiosk_token, PORTRAIT)
    field = f'.k-field[data-field="{bag.f1.id}"]'
    clerk = server.session(username="canbo1")
    assert clerk.post(server.url + "/api/tickets", json={"field": bag.f1.id}, timeout=10).status_code == 201
    page.wait_for_function(f"document.querySelector('{field}').textContent.includes('Đang chờ: 4 người')")
    context.set_offline(True)
    page.wait_for_selector("#k-net:not([hidden])")
    assert "Đang kết nối lại" in page.inner_text("#k-net")
    assert page.locator(field).is_disabled()
    shot(page, "kiosk-offline-portrait")
    page.set_viewport_size(LANDSCAPE)
    shot(page, "kiosk-offline-landscape")
    context.set_offline(False)
    page.wait_for_selector("#k-net", state="hidden")
    assert page.locator(field).is_enabled()

    server.stop()
    page.wait_for_selector("#k-net:not([hidden])", timeout=10000)
    assert page.locator(field).is_disabled()
    assert page.errors == []
    context.close()


@pytest.mark.browser
def test_lost_answer_is_retried_with_the_same_client_ref(browser, live_office, live_server_factory):
    """The server commits but the answer is lost: the kiosk asks again with the same client_ref,
    shows the one committed number, and returns home after kiosk_ticket_seconds."""
    db_url, bag = live_office
    seed_kiosk_office(bag, kiosk_ticket_seconds=3)
    with models.connection():
        PriorityCategory.update(active=False).where(PriorityCategory.office == bag.office.id).execute()
    server = live_server_factory(db_url=db_url)
    context, page = open_kiosk(browser, server.url, bag.kiosk_token, PORTRAIT)
    sent, block = [], {"on": True}

    def lose_answers(route):
        """Let the request reach the server, then drop its answer while blocked."""
        sent.append(route.request.post_data_json)
        if block["on"]:
            route.fetch()
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/api/tickets", lose_answers)
    before = len(tickets_of(bag.f2))
    tap(page, f'.k-field[data-field="{bag.f2.id}"]')  # no active category: no priority step
    page.wait_for_selector("#k-pending:not([hidden])")
    shot(page, "kiosk-pending-portrait")
    block["on"] = False
    page.wait_for_selector("#screen-ticket:not([hidden])", timeout=15000)
    shown = page.inner_text("#k-number").strip()
    issued = tickets_of(bag.f2)[before:]
    assert [t.display_number for t in issued] == [shown]
    assert len(sent) >= 2
    assert len({s["client_ref"] for s in sent}) == 1
    page.wait_for_selector("#screen-home:not([hidden])", timeout=6000)
    assert page.errors == []
    context.close()


@pytest.mark.browser
def test_inactivity_returns_home_in_vietnamese(browser, live_office, live_server_factory):
    """A sub-page left alone for a minute goes back to home, and the next citizen gets Vietnamese."""
    db_url, bag = live_office
    seed_kiosk_office(bag)
    server = live_server_factory(db_url=db_url)
    context, page = open_kiosk(browser, server.url, bag.kiosk_token, LANDSCAPE, clock=True)
    tap(page, ".k-lang")
    tap(page, ".k-proc-open:visible")
    page.wait_for_selector("#screen-procedures:not([hidden])")
    assert page.inner_text("#proc-title") == "Administrative procedures"
    page.clock.run_for(55_000)
    assert page.locator("#screen-procedures").is_visible()
    page.clock.run_for(6_000)
    page.wait_for_selector("#screen-home:not([hidden])")
    assert page.inner_text("#home-title") == "Mời chọn lĩnh vực cần giải quyết"
    context.close()
