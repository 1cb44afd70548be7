"""Kiosk room: the /kiosk page (paired or not), its texts, and the /kiosk/logo route."""

import json
import re

import security
from kiosk import routes as kiosk_routes
from models import Field, Office
from tests.conftest import make_device, make_office

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")


def paired(client, token):
    """The test client carrying a device cookie, as after opening /pair/<token>."""
    client.set_cookie(security.DEVICE_COOKIE, token)
    return client


def page_config(response) -> dict:
    """The JSON the kiosk page hands to kiosk.js."""
    match = re.search(r'<script type="application/json" id="kiosk-config">(.*?)</script>',
                      response.get_data(as_text=True), re.DOTALL)
    assert match, "kiosk-config missing"
    return json.loads(match.group(1))


def test_unpaired_screen_tells_staff_to_pair_from_admin(client, office):
    """Without a device cookie the kiosk shows pairing instructions pointing at /admin."""
    response = client.get("/kiosk")
    text = response.get_data(as_text=True)
    assert response.status_code == 401
    assert "Máy cấp số chưa được ghép nối" in text
    assert "http://localhost/admin" in text
    assert "/pair/" in text
    assert "kiosk-config" not in text


def test_revoked_kiosk_is_treated_as_unpaired(client, office):
    """A revoked device token no longer opens the kiosk."""
    office.kiosk.revoked_at = office.kiosk.created_at
    office.kiosk.save()
    response = paired(client, office.kiosk_token).get("/kiosk")
    assert response.status_code == 401
    assert "chưa được ghép nối" in response.get_data(as_text=True)


def test_display_device_is_told_it_is_not_a_kiosk(client, office):
    """A screen paired as a display gets an explanation instead of the kiosk."""
    response = paired(client, office.display_token).get("/kiosk")
    assert response.status_code == 403
    assert "màn hình hiển thị" in response.get_data(as_text=True)


def test_pairing_link_opens_the_kiosk_with_the_office_name(client, office):
    """/pair/<token> sets the cookie and lands on /kiosk showing the office's name."""
    response = client.get(f"/pair/{office.kiosk_token}", follow_redirects=True)
    assert response.status_code == 200
    assert response.request.path == "/kiosk"
    assert office.office.name in response.get_data(as_text=True)


def test_paired_page_carries_fields_opening_categories_and_ticket_seconds(client, office):
    """The page gets what it needs to work at once, including the office's ticket display time."""
    Office.update(kiosk_ticket_seconds=9).where(Office.id == office.office.id).execute()
    config = page_config(paired(client, office.kiosk_token).get("/kiosk"))
    assert config["ticket_seconds"] == 9
    assert config["office"]["name"] == office.office.name
    assert [f["name"] for f in config["fields"]] == ["Tư pháp - Hộ tịch", "Chứng thực"]
    assert config["opening"]["open"] is True
    assert [c["code"] for c in config["categories"]] == ["cao_tuoi"]


def test_inactive_field_is_marked_closed_in_the_page(client, office):
    """A field that stopped receiving stays listed but inactive, so the kiosk can say why."""
    Field.update(active=False).where(Field.id == office.f2.id).execute()
    config = page_config(paired(client, office.kiosk_token).get("/kiosk"))
    assert {f["code"]: f["active"] for f in config["fields"]} == {"HT": True, "CT": False}


def test_closed_office_page_says_why_and_when(client, app):
    """An office on holiday today hands the reason and the next opening to the page."""
    import ticketing

    o = make_office(name="UBND xã Nghỉ Lễ")
    o.holidays = [ticketing.business_day(o).isoformat()]
    o.save()
    _, token = make_device(o, "kiosk")
    config = page_config(paired(client, token).get("/kiosk"))
    assert config["opening"]["open"] is False
    assert config["opening"]["reason"] == "holiday"
    assert config["opening"]["next_open"]["time"] == o.open_time


def test_page_loads_nothing_from_outside(client, office):
    """Offline first: every script, style and image comes from this server."""
    text = paired(client, office.kiosk_token).get("/kiosk").get_data(as_text=True)
    urls = re.findall(r'(?:src|href)="([^"#]+)"', text)
    assert urls, "no assets found"
    assert all(u.startswith("/") for u in urls), urls
    assert "/static/vendor/qrcode.js" in urls and "/static/js/kiosk.js" in urls


def test_every_text_exists_in_vietnamese_and_english():
    """The VI/EN toggle never falls back to an empty or missing text."""
    texts = kiosk_routes.texts_by_language()
    assert set(texts["vi"]) == set(texts["en"])
    for lang in ("vi", "en"):
        assert all(texts[lang][key] for key in texts[lang]), lang
    assert texts["vi"]["priority_title"] == "Quý vị có thuộc đối tượng ưu tiên không?"
    assert texts["vi"]["no_priority"] == "Không ưu tiên"
    assert texts["vi"]["ticket_keep"] == "Vui lòng giữ phiếu và theo dõi màn hình"


def test_logo_is_served_to_the_paired_kiosk(client, office):
    """/kiosk/logo answers the office's logo bytes with their type."""
    Office.update(logo=PNG, logo_type="image/png").where(Office.id == office.office.id).execute()
    response = paired(client, office.kiosk_token).get("/kiosk/logo")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.data == PNG
    assert page_config(client.get("/kiosk"))["office"]["has_logo"] is True


def test_logo_missing_is_404(client, office):
    """An office without a logo answers 404, and the page shows no logo image."""
    response = paired(client, office.kiosk_token).get("/kiosk/logo")
    assert response.status_code == 404
    assert "/kiosk/logo" not in client.get("/kiosk").get_data(as_text=True)


def test_logo_needs_a_paired_device_or_staff(client, office):
    """The logo route is not public."""
    Office.update(logo=PNG, logo_type="image/png").where(Office.id == office.office.id).execute()
    assert client.get("/kiosk/logo").status_code == 401


def test_logo_of_an_unexpected_type_is_not_served(client, office):
    """A stored logo that is not an image is refused rather than served as a page."""
    Office.update(logo=b"<script>alert(1)</script>", logo_type="text/html").where(
        Office.id == office.office.id).execute()
    assert paired(client, office.kiosk_token).get("/kiosk/logo").status_code == 404


def test_page_and_api_offer_the_same_active_categories_in_order(client, office, api):
    """One scope (PriorityCategory.for_office) serves the page and the API: order kept, inactive left out."""
    from models import PriorityCategory
    from tests.conftest import make_priority

    make_priority(office.office, code="khuyet_tat", name="Người khuyết tật")
    hidden = make_priority(office.office, code="mang_thai", name="Phụ nữ mang thai")
    PriorityCategory.update(active=False).where(PriorityCategory.id == hidden.id).execute()
    PriorityCategory.update(sort_order=-1).where(PriorityCategory.code == "khuyet_tat").execute()
    config = page_config(paired(client, office.kiosk_token).get("/kiosk"))
    served = api(device=office.kiosk_token).get("/api/priority-categories").get_json()["categories"]
    assert [c["code"] for c in config["categories"]] == ["khuyet_tat", "cao_tuoi"]
    assert served == config["categories"]
