"""Admin room: fields, procedures, counters and users: rules, refusals that save nothing, audit."""

from admin_helpers import put
from conftest import PASSWORD, make_ticket
from models import AuditLog, Counter, CounterField, Field, Procedure, User, UserCounter

NEW_FIELD = {"name": "Đất đai", "name_en": "Land", "code": "dd", "number_start": 3001, "daily_cap": 200}


def test_admin_creates_a_field_with_code_upper_cased(office, api):
    response = api("admin1").post("/api/admin/fields", json=NEW_FIELD)
    field = Field.get_by_id(response.get_json()["field"]["id"])
    assert response.status_code == 201
    assert (field.code, field.number_start, field.daily_cap, field.office_id) == ("DD", 3001, 200, office.office.id)


def test_field_with_a_letter_prefix_prints_a001(office, api):
    body = dict(NEW_FIELD, prefix="a", number_start=1)
    assert api("admin1").post("/api/admin/fields", json=body).get_json()["field"]["first_number"] == "A001"


def test_duplicate_field_code_is_refused_and_nothing_saved(office, api):
    response = api("admin1").post("/api/admin/fields", json=dict(NEW_FIELD, code="HT"))
    assert response.status_code == 422
    assert response.get_json()["fields"] == {"code": "Mã “HT” đã dùng cho lĩnh vực “Tư pháp - Hộ tịch”."}
    assert Field.select().count() == 2 and AuditLog.select().count() == 0


def test_two_fields_cannot_start_the_same_number_range(office, api):
    response = api("admin1").post("/api/admin/fields", json=dict(NEW_FIELD, number_start=1001))
    assert "trùng với lĩnh vực “Tư pháp - Hộ tịch”" in response.get_json()["fields"]["number_start"]


def test_field_refusal_lists_every_bad_box(office, api):
    body = {"name": "", "code": "Hộ tịch", "number_start": "abc", "daily_cap": 0}
    fields = api("admin1").post("/api/admin/fields", json=body).get_json()["fields"]
    assert set(fields) == {"name", "code", "number_start", "daily_cap"}


def test_daily_cap_can_be_cleared(office, api):
    admin = api("admin1")
    put(admin, f"/api/admin/fields/{office.f1.id}", {"daily_cap": 50})
    put(admin, f"/api/admin/fields/{office.f1.id}", {"daily_cap": None})
    assert Field.get_by_id(office.f1.id).daily_cap is None


def test_field_update_is_audited_with_only_the_changed_value(office, api):
    put(api("admin1"), f"/api/admin/fields/{office.f1.id}", {"name": "Hộ tịch", "code": "HT"})
    row = AuditLog.get()
    assert (row.action, row.detail) == (
        "field.update",
        {"before": {"name": "Tư pháp - Hộ tịch"}, "after": {"name": "Hộ tịch"}},
    )


def test_field_with_tickets_cannot_be_deleted(office, api):
    make_ticket(office.f1)
    response = api("admin1").delete(f"/api/admin/fields/{office.f1.id}")
    assert response.status_code == 422 and "Đang cấp số" in response.get_json()["message"]
    assert Field.get_or_none(Field.id == office.f1.id) is not None


def test_a_counters_only_field_cannot_be_deleted(office, api):
    admin = api("admin1")
    field = Field.get_by_id(admin.post("/api/admin/fields", json=NEW_FIELD).get_json()["field"]["id"])
    admin.post("/api/admin/counters", json={"number": 5, "fields": [field.id]})
    response = admin.delete(f"/api/admin/fields/{field.id}")
    assert response.status_code == 422 and "Quầy số 5 chỉ phục vụ lĩnh vực này" in response.get_json()["message"]


def test_unused_field_is_deleted_with_its_procedures(office, api):
    admin = api("admin1")
    fid = admin.post("/api/admin/fields", json=NEW_FIELD).get_json()["field"]["id"]
    admin.post(f"/api/admin/fields/{fid}/procedures", json={"name": "Hòa giải tranh chấp đất đai"})
    assert admin.delete(f"/api/admin/fields/{fid}").status_code == 200
    assert not Procedure.select().where(Procedure.field == fid).exists()
    assert AuditLog.select().order_by(AuditLog.id.desc()).get().action == "field.delete"


def test_procedure_documents_one_per_line(office, api):
    body = {
        "name": "Đăng ký khai sinh",
        "documents": ["Tờ khai", "", "Giấy chứng sinh "],
        "fee": "Miễn phí",
        "processing_time": "Trong ngày",
    }
    created = api("admin1").post(f"/api/admin/fields/{office.f1.id}/procedures", json=body).get_json()["procedure"]
    assert created["documents"] == ["Tờ khai", "Giấy chứng sinh"]
    assert Procedure.get_by_id(created["id"]).documents == "Tờ khai\nGiấy chứng sinh"


def test_procedure_needs_a_name(office, api):
    response = api("admin1").post(f"/api/admin/fields/{office.f1.id}/procedures", json={"name": " "})
    assert response.get_json()["fields"] == {"name": "Vui lòng nhập tên thủ tục."}


def test_public_listing_shows_an_edited_procedure(office, api):
    admin = api("admin1")
    pid = admin.post(f"/api/admin/fields/{office.f1.id}/procedures", json={"name": "Khai sinh"}).get_json()[
        "procedure"
    ]["id"]
    put(admin, f"/api/admin/procedures/{pid}", {"name": "Đăng ký khai sinh", "fee": "Miễn phí"})
    listing = api(device=office.kiosk_token).get("/api/procedures").get_json()
    assert listing["fields"][0]["procedures"][0]["name"] == "Đăng ký khai sinh"


def test_admin_creates_a_counter_serving_fields(office, api):
    response = api("admin1").post("/api/admin/counters", json={"number": 3, "name": "Quầy 3", "fields": [office.f2.id]})
    counter = Counter.get_by_id(response.get_json()["counter"]["id"])
    assert response.status_code == 201 and counter.field_ids() == [office.f2.id]


def test_counter_needs_at_least_one_field(office, api):
    response = api("admin1").post("/api/admin/counters", json={"number": 3, "fields": []})
    assert response.get_json()["fields"] == {"fields": "Chọn ít nhất 1 lĩnh vực."}


def test_counter_number_must_be_unique(office, api):
    response = api("admin1").post("/api/admin/counters", json={"number": 1, "fields": [office.f1.id]})
    assert response.get_json()["fields"]["number"] == "Số quầy 1 đã có (“Quầy 1”)."


def test_bad_counter_update_changes_nothing(office, api):
    response = put(api("admin1"), f"/api/admin/counters/{office.c1.id}", {"number": 11, "fields": []})
    assert response.status_code == 422
    assert Counter.get_by_id(office.c1.id).number == 1
    assert CounterField.select().where(CounterField.counter == office.c1.id).count() == 2


def test_counter_fields_are_replaced(office, api):
    put(api("admin1"), f"/api/admin/counters/{office.c1.id}", {"fields": [office.f2.id]})
    assert Counter.get_by_id(office.c1.id).field_ids() == [office.f2.id]
    assert AuditLog.get().detail["after"] == {"fields": [office.f2.id]}


def test_counter_that_served_cannot_be_deleted(office, api):
    ticket = make_ticket(office.f1)
    ticket.counter = office.c1
    ticket.save()
    assert api("admin1").delete(f"/api/admin/counters/{office.c1.id}").status_code == 422
    assert Counter.get_or_none(Counter.id == office.c1.id) is not None


def _new_clerk(**overrides):
    """A valid body for a new clerk."""
    return dict(
        {"username": "CanBo5", "full_name": "Phạm Thị Mai", "role": "clerk", "password": "mat-khau-moi-5"}, **overrides
    )


def test_admin_creates_a_clerk_who_can_log_in_to_her_counter(office, api, client):
    api("admin1").post("/api/admin/users", json=_new_clerk(counters=[office.c2.id]))
    login = client.post("/api/session", json={"username": "canbo5", "password": "mat-khau-moi-5"}).get_json()
    assert [c["number"] for c in login["counters"]] == [2]


def test_user_refusals_name_each_box(office, api):
    body = _new_clerk(username="canbo1", password="short", role="boss", full_name="")
    fields = api("admin1").post("/api/admin/users", json=body).get_json()["fields"]
    assert fields == {
        "username": "Tên đăng nhập “canbo1” đã có người dùng.",
        "password": "Mật khẩu phải có từ 8 đến 200 ký tự.",
        "full_name": "Vui lòng nhập họ và tên.",
        "role": "Vai trò phải là một trong: Quản trị viên, Lãnh đạo, Cán bộ một cửa.",
    }
    assert User.select().count() == 4


def test_user_audit_never_holds_the_password(office, api):
    api("admin1").post("/api/admin/users", json=_new_clerk())
    detail = str(AuditLog.get().detail)
    assert "mat-khau-moi-5" not in detail and "password_hash" not in detail and "pbkdf2" not in detail


def test_clerk_counters_are_replaced_and_dropped_for_a_leader(office, api):
    admin = api("admin1")
    put(admin, f"/api/admin/users/{office.clerk1.id}", {"counters": [office.c1.id, office.c2.id]})
    assert UserCounter.select().where(UserCounter.user == office.clerk1.id).count() == 2
    put(admin, f"/api/admin/users/{office.clerk1.id}", {"role": "leader"})
    assert UserCounter.select().where(UserCounter.user == office.clerk1.id).count() == 0


def test_admin_cannot_lock_or_demote_themselves(office, api):
    response = put(api("admin1"), f"/api/admin/users/{office.admin.id}", {"active": False, "role": "clerk"})
    assert response.get_json()["fields"] == {
        "role": "Không thể tự đổi vai trò của chính mình.",
        "active": "Không thể tự khóa tài khoản của chính mình.",
    }


def test_another_admin_can_be_demoted_and_locked(office, api):
    from conftest import make_user

    second = make_user(office.office, "admin", username="admin2")
    response = put(api("admin1"), f"/api/admin/users/{second.id}", {"role": "leader", "active": False})
    assert response.status_code == 200
    assert (User.get_by_id(second.id).role, User.get_by_id(second.id).active) == ("leader", False)


def test_a_locked_user_is_logged_out_at_once(office, api):
    clerk = api("canbo1")
    put(api("admin1"), f"/api/admin/users/{office.clerk1.id}", {"active": False})
    assert clerk.get("/api/session").status_code == 401


def test_password_reset_ends_old_password_and_lifts_login_delays(office, api, client):
    for n in range(11):  # guesses from eleven PCs: canbo1's account now waits on browsers it never used
        client.post("/api/session", json={"username": "canbo1", "password": f"doan-sai-{n}"},
                    environ_base={"REMOTE_ADDR": f"192.168.1.{100 + n}"})
    assert client.post("/api/session", json={"username": "canbo1", "password": PASSWORD}).status_code == 429
    response = api("admin1").post(f"/api/admin/users/{office.clerk1.id}/password", json={"password": "mat-khau-moi-9"})
    old = client.post("/api/session", json={"username": "canbo1", "password": PASSWORD})
    new = client.post("/api/session", json={"username": "canbo1", "password": "mat-khau-moi-9"})
    assert (response.status_code, old.status_code, new.status_code) == (200, 401, 200)
    assert AuditLog.get().detail == {"after": {"password": "(đã đặt mới)"}}


def test_admin_changing_own_password_stays_logged_in(office, api):
    admin = api("admin1")
    admin.post(f"/api/admin/users/{office.admin.id}/password", json={"password": "mat-khau-moi-9"})
    assert admin.get("/api/admin/users").status_code == 200


def test_short_password_is_refused(office, api):
    response = api("admin1").post(f"/api/admin/users/{office.clerk1.id}/password", json={"password": "123"})
    assert response.get_json()["fields"] == {"password": "Mật khẩu phải có từ 8 đến 200 ký tự."}
