"""Admin room: who may reach the administration area, and that one office never reaches another's rows."""

import re

from admin_helpers import OGG, other_office, put, upload  # noqa: F401  (other_office: fixture "other")
from models import Counter, Device, Field, Office, PriorityCategory, Procedure, User, VoiceClip

SKIP_ENDPOINTS = {"admin.login"}  # the login page is for everyone


def admin_routes(app):
    """Every (method, rule) of the admin blueprint, read from the app's url_map."""
    rows = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("admin.") or rule.endpoint in SKIP_ENDPOINTS:
            continue
        assert rule.rule.startswith(("/admin", "/api/admin")), rule.rule
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            rows.append((method, rule.rule))
    return rows


def concrete(rule: str, office) -> str:
    """A real URL for a rule, with ids of the office's own rows."""
    ids = {
        "field_id": office.f1.id,
        "counter_id": office.c1.id,
        "user_id": office.clerk1.id,
        "device_id": office.kiosk.id,
        "category_id": office.prio.id,
        "procedure_id": 1,
    }
    url = re.sub(r"<int:(\w+)>", lambda m: str(ids[m.group(1)]), rule)
    return re.sub(r"<(\w+)>", "mot", url)


def call(client, method, url):
    """Send ``method`` to ``url`` with an empty JSON body where one is expected."""
    if method == "GET":
        return client.get(url)
    if method == "DELETE":
        return client.delete(url)
    if method == "PUT":
        return put(client, url, {})
    return client.post(url, json={})


def test_the_admin_route_table_is_complete(app):
    rules = {rule for _, rule in admin_routes(app)}
    assert len(admin_routes(app)) >= 44
    assert {
        "/admin",
        "/admin/fields",
        "/admin/counters",
        "/admin/users",
        "/admin/devices",
        "/admin/voice",
        "/admin/audit",
        "/api/admin/settings",
        "/api/admin/devices/<int:device_id>/revoke",
    } <= rules


def test_clerk_gets_403_on_every_admin_route(app, office, api):
    clerk = api("canbo1")
    wrong = [(m, r, s) for m, r in admin_routes(app) if (s := call(clerk, m, concrete(r, office)).status_code) != 403]
    assert wrong == []


def test_kiosk_device_gets_403_on_every_admin_api_route(app, office, api):
    kiosk = api(device=office.kiosk_token)
    wrong = [
        (m, r, s)
        for m, r in admin_routes(app)
        if r.startswith("/api/")
        if (s := call(kiosk, m, concrete(r, office)).status_code) != 403
    ]
    assert wrong == []


def test_anonymous_gets_401_json_from_the_api_and_the_login_page_from_pages(app, office, api):
    anonymous = api()
    for method, rule in admin_routes(app):
        response = call(anonymous, method, concrete(rule, office))
        if rule.startswith("/api/"):
            assert (response.status_code, response.get_json()["error"]) == (401, "unauthorized"), rule
        else:
            assert response.status_code == 302 and "/admin/login?next=" in response.headers["Location"], rule


def test_leader_reads_every_page_and_list(app, office, api):
    leader = api("lanhdao1")
    VoiceClip.create(office=office.office, key="mot", data=OGG, content_type="audio/ogg")
    Office.update(logo=b"x", logo_type="image/png").where(Office.id == office.office.id).execute()
    Procedure.create(id=1, field=office.f1, name="Đăng ký khai sinh")
    wrong = [
        (r, s) for m, r in admin_routes(app) if m == "GET" if (s := leader.get(concrete(r, office)).status_code) != 200
    ]
    assert wrong == []


def test_leader_gets_403_on_every_write(app, office, api):
    leader = api("lanhdao1")
    wrong = [
        (m, r, s)
        for m, r in admin_routes(app)
        if m != "GET"
        if (s := call(leader, m, concrete(r, office)).status_code) != 403
    ]
    assert wrong == []


def test_leader_cannot_change_settings_and_is_told_why(office, api):
    response = put(api("lanhdao1"), "/api/admin/settings", {"name": "Tên mới"})
    assert response.status_code == 403
    assert "chỉ được xem" in response.get_json()["message"]
    assert Office.get_by_id(office.office.id).name == office.office.name


def test_admin_can_change_settings(office, api):
    response = put(api("admin1"), "/api/admin/settings", {"name": "Trung tâm Phục vụ hành chính công xã Thanh Xương"})
    assert response.status_code == 200
    assert Office.get_by_id(office.office.id).name == "Trung tâm Phục vụ hành chính công xã Thanh Xương"


def test_cookie_write_without_csrf_header_is_refused(office, api):
    admin = api("admin1")
    response = admin.client.put("/api/admin/settings", json={"name": "Không CSRF"})
    assert (response.status_code, response.get_json()["error"]) == (403, "csrf_failed")
    assert Office.get_by_id(office.office.id).name == office.office.name


def test_leader_pages_show_no_edit_buttons(office, api):
    html = api("lanhdao1").get("/admin/fields").get_data(as_text=True)
    assert "Chế độ chỉ xem" in html
    assert "+ Thêm lĩnh vực" not in html and "data-call=" not in html


def test_admin_list_shows_only_own_office_rows(office, other, api):
    admin = api("admin1")
    field_codes = {f["code"] for f in admin.get("/api/admin/fields").get_json()["fields"]}
    usernames = {u["username"] for u in admin.get("/api/admin/users").get_json()["users"]}
    counters = {c["number"] for c in admin.get("/api/admin/counters").get_json()["counters"]}
    devices = {d["id"] for d in admin.get("/api/admin/devices").get_json()["devices"]}
    assert field_codes == {"HT", "CT"} and "khac_admin" not in usernames
    assert 7 not in counters and other["device"].id not in devices


def test_other_office_rows_are_404_for_reads_and_writes(office, other, api):
    admin = api("admin1")
    attempts = [
        admin.get(f"/api/admin/fields/{other['field'].id}"),
        put(admin, f"/api/admin/fields/{other['field'].id}", {"name": "Bị sửa"}),
        admin.delete(f"/api/admin/fields/{other['field'].id}"),
        admin.post(f"/api/admin/fields/{other['field'].id}/procedures", json={"name": "Bị thêm"}),
        put(admin, f"/api/admin/procedures/{other['procedure'].id}", {"name": "Bị sửa"}),
        admin.delete(f"/api/admin/procedures/{other['procedure'].id}"),
        put(admin, f"/api/admin/counters/{other['counter'].id}", {"name": "Bị sửa"}),
        admin.delete(f"/api/admin/counters/{other['counter'].id}"),
        put(admin, f"/api/admin/users/{other['user'].id}", {"full_name": "Bị sửa"}),
        admin.post(f"/api/admin/users/{other['admin'].id}/password", json={"password": "mat-khau-moi-1"}),
        put(admin, f"/api/admin/devices/{other['device'].id}", {"name": "Bị sửa"}),
        admin.post(f"/api/admin/devices/{other['device'].id}/revoke"),
        admin.post(f"/api/admin/devices/{other['device'].id}/reissue"),
        put(admin, f"/api/admin/priority-categories/{other['category'].id}", {"name": "Bị sửa"}),
        admin.delete(f"/api/admin/priority-categories/{other['category'].id}"),
        admin.get(f"/admin/fields/{other['field'].id}"),
        admin.get("/admin/voice/mot/audio"),
    ]
    assert [r.status_code for r in attempts] == [404] * len(attempts)
    assert Field.get_by_id(other["field"].id).name == "Đất đai"
    assert Procedure.get_by_id(other["procedure"].id).name == "Thủ tục khác"
    assert Counter.get_by_id(other["counter"].id).name == "Quầy thử"
    assert User.get_by_id(other["user"].id).full_name == "Nguyễn Văn Thử"
    assert Device.get_by_id(other["device"].id).revoked_at is None
    assert PriorityCategory.get_by_id(other["category"].id).name == "Khác"


def test_other_office_ids_cannot_be_attached(office, other, api):
    admin = api("admin1")
    counter = admin.post("/api/admin/counters", json={"number": 9, "fields": [other["field"].id]})
    user = admin.post(
        "/api/admin/users",
        json={
            "username": "canbo9",
            "full_name": "Cán bộ 9",
            "role": "clerk",
            "password": "mat-khau-123",
            "counters": [other["counter"].id],
        },
    )
    tablet = admin.post("/api/admin/devices", json={"kind": "tablet", "name": "Máy", "counter_id": other["counter"].id})
    assert (counter.status_code, user.status_code, tablet.status_code) == (422, 422, 422)
    assert "fields" in counter.get_json()["fields"] and "counters" in user.get_json()["fields"]
    assert not Counter.select().where(Counter.number == 9).exists()


def test_deleting_own_voice_clip_leaves_other_office_clip(office, other, api):
    admin = api("admin1")
    upload(admin, "/api/admin/voice/mot", "clip", OGG, "mot.ogg")
    assert admin.delete("/api/admin/voice/mot").status_code == 200
    assert VoiceClip.get_by_id(other["clip"].id).office_id == other["office"].id
