"""Admin room: office settings, logo and priority categories: validation, all-or-nothing saves, audit."""

from admin_helpers import png_bytes, put, upload
from conftest import make_ticket
from models import AuditLog, Office, PriorityCategory


def _office(office):
    """The office row as stored now."""
    return Office.get_by_id(office.office.id)


def test_partial_save_changes_only_the_section_sent(office, api):
    response = put(api("admin1"), "/api/admin/settings", {"region": "south", "rating_levels": 5})
    saved = _office(office)
    assert response.status_code == 200
    assert (saved.region, saved.rating_levels, saved.name) == ("south", 5, office.office.name)


def test_bad_times_are_refused_with_a_message_per_field_and_nothing_saved(office, api):
    body = {"name": "Tên mới", "open_time": "7h30", "close_time": "25:00", "rating_levels": 7}
    response = put(api("admin1"), "/api/admin/settings", body)
    data = response.get_json()
    assert (response.status_code, data["error"]) == (422, "invalid")
    assert set(data["fields"]) == {"open_time", "close_time", "rating_levels"}
    assert "ví dụ 07:30" in data["fields"]["open_time"]
    assert _office(office).name == office.office.name
    assert AuditLog.select().count() == 0


def test_lunch_must_sit_inside_opening_hours(office, api):
    response = put(
        api("admin1"),
        "/api/admin/settings",
        {
            "open_time": "07:30",
            "lunch_start": "13:00",
            "lunch_end": "12:00",
            "close_time": "17:00",
            "cutoff_time": "16:30",
        },
    )
    assert response.status_code == 422
    assert response.get_json()["fields"] == {"lunch_end": "Giờ làm việc lại phải sau giờ bắt đầu nghỉ trưa (13:00)."}


def test_the_changed_box_is_blamed_for_a_broken_order(office, api):
    current = {k: getattr(_office(office), k) for k in ("open_time", "lunch_end", "close_time", "cutoff_time")}
    response = put(api("admin1"), "/api/admin/settings", dict(current, lunch_start="18:00"))
    assert list(response.get_json()["fields"]) == ["lunch_start"]


def test_cutoff_after_closing_is_refused(office, api):
    admin = api("admin1")
    assert put(admin, "/api/admin/settings", {"close_time": "17:00", "cutoff_time": "16:30"}).status_code == 200
    response = put(admin, "/api/admin/settings", {"cutoff_time": "17:30"})
    assert response.get_json()["fields"]["cutoff_time"].startswith("Giờ ngừng cấp số không được muộn hơn")
    assert _office(office).cutoff_time == "16:30"


def test_times_are_normalised_to_two_digit_hours(office, api):
    put(api("admin1"), "/api/admin/settings", {"open_time": "7:05"})
    assert _office(office).open_time == "07:05"


def test_holidays_accept_vietnamese_dates_and_store_iso(office, api):
    put(api("admin1"), "/api/admin/settings", {"holidays": ["02/09/2026", "2026-01-01", "2/9/2026"]})
    assert _office(office).holidays == ["2026-01-01", "2026-09-02"]


def test_an_impossible_holiday_is_refused(office, api):
    response = put(api("admin1"), "/api/admin/settings", {"holidays": ["31/02/2026"]})
    assert response.status_code == 422 and "31/02/2026" in response.get_json()["fields"]["holidays"]


def test_working_days_need_at_least_one_day(office, api):
    response = put(api("admin1"), "/api/admin/settings", {"working_days": []})
    assert response.get_json()["fields"] == {"working_days": "Chọn ít nhất 1 ngày làm việc."}


def test_rating_reasons_cannot_be_emptied(office, api):
    response = put(api("admin1"), "/api/admin/settings", {"rating_reasons": ["  ", ""]})
    assert response.status_code == 422 and "rating_reasons" in response.get_json()["fields"]


def test_default_service_time_message_speaks_minutes(office, api):
    response = put(api("admin1"), "/api/admin/settings", {"default_service_s": 30})
    assert response.get_json()["fields"]["default_service_s"] == "Thời gian phục vụ mặc định phải từ 1 đến 120 phút."


def test_a_settings_change_is_audited_with_before_and_after(office, api):
    put(api("admin1"), "/api/admin/settings", {"ticket_footer": "Cảm ơn!", "region": "north"})
    row = AuditLog.get()
    assert (row.action, row.user_id, row.office_id) == ("settings.update", office.admin.id, office.office.id)
    assert row.detail == {
        "before": {"ticket_footer": "Xin cảm ơn quý công dân!"},
        "after": {"ticket_footer": "Cảm ơn!"},
    }


def test_saving_unchanged_values_writes_no_audit_row(office, api):
    put(api("admin1"), "/api/admin/settings", {"region": office.office.region})
    assert AuditLog.select().count() == 0


def test_png_logo_is_stored(office, api):
    data = png_bytes()
    response = upload(api("admin1"), "/api/admin/settings/logo", "logo", data, "logo.png")
    saved = _office(office)
    assert response.status_code == 200
    assert (bytes(saved.logo), saved.logo_type) == (data, "image/png")
    assert AuditLog.get().action == "logo.update"


def test_a_text_file_named_png_is_not_a_logo(office, api):
    response = upload(api("admin1"), "/api/admin/settings/logo", "logo", b"<svg>not png</svg>", "logo.png")
    assert response.status_code == 422
    assert response.get_json()["fields"]["logo"] == "Logo phải là ảnh PNG hoặc JPEG."
    assert _office(office).logo is None


def test_an_oversized_logo_is_refused(office, api):
    response = upload(api("admin1"), "/api/admin/settings/logo", "logo", b"\x89PNG\r\n\x1a\n" + b"0" * 600_000)
    assert response.status_code == 422 and "tối đa 512 KB" in response.get_json()["message"]


def test_logo_can_be_removed(office, api):
    admin = api("admin1")
    upload(admin, "/api/admin/settings/logo", "logo", png_bytes(), "logo.png")
    assert admin.delete("/api/admin/settings/logo").status_code == 200
    assert _office(office).logo is None


def test_priority_category_crud(office, api):
    admin = api("admin1")
    created = admin.post(
        "/api/admin/priority-categories", json={"code": "khuyet_tat", "name": "Người khuyết tật", "icon": "disability"}
    )
    cid = created.get_json()["category"]["id"]
    put(admin, f"/api/admin/priority-categories/{cid}", {"active": False})
    assert created.status_code == 201 and PriorityCategory.get_by_id(cid).active is False
    assert admin.delete(f"/api/admin/priority-categories/{cid}").status_code == 200
    assert PriorityCategory.get_or_none(PriorityCategory.id == cid) is None


def test_priority_category_code_must_be_unique_and_plain(office, api):
    admin = api("admin1")
    dup = admin.post("/api/admin/priority-categories", json={"code": "cao_tuoi", "name": "Trùng"})
    bad = admin.post("/api/admin/priority-categories", json={"code": "Cao tuổi", "name": "Sai mã"})
    assert dup.get_json()["fields"]["code"] == "Mã “cao_tuoi” đã dùng cho “Người cao tuổi”."
    assert "chữ thường không dấu" in bad.get_json()["fields"]["code"]


def test_a_used_priority_category_cannot_be_deleted(office, api):
    make_ticket(office.f1, priority="cao_tuoi")
    response = api("admin1").delete(f"/api/admin/priority-categories/{office.prio.id}")
    assert response.status_code == 422 and "Đang dùng" in response.get_json()["message"]
    assert PriorityCategory.get_or_none(PriorityCategory.id == office.prio.id) is not None
