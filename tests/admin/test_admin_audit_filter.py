"""Admin room: the audit log narrowed by who, what, when (office-local days) and words, in the API
and on the page; bad filters are a 422 naming the box, never a 500; paging keeps the filters."""

import datetime as dt
import re

import pytest

from admin import store
from admin_helpers import other_office, put  # noqa: F401  (other_office: fixture "other")
from conftest import make_user
from models import AuditLog

# When each change of the `log` fixture happened (UTC). Hà Nội is UTC+7: 16:59:59Z on the 26th is
# 23:59:59 local on the 26th, and 17:00:00Z is already midnight of the 27th.
AT = {
    "settings.update": dt.datetime(2026, 11, 25, 3, 0, 0),
    "field.create": dt.datetime(2026, 11, 26, 16, 59, 59),
    "field.update": dt.datetime(2026, 11, 26, 17, 0, 0),
    "counter.update": dt.datetime(2026, 11, 27, 9, 0, 0),
    "device.create": dt.datetime(2026, 11, 30, 2, 0, 0),
}


@pytest.fixture
def log(office, api):
    """Five known changes by two admins on five moments; returns the logged-in admin client."""
    make_user(office.office, "admin", username="admin2", full_name="Phạm Thu Hà")
    admin1, admin2 = api("admin1"), api("admin2")
    put(admin1, "/api/admin/settings", {"open_time": "07:00"})
    admin1.post("/api/admin/fields", json={"name": "Đất đai", "code": "DD", "number_start": 3001})
    put(admin2, f"/api/admin/fields/{office.f1.id}", {"name": "Hộ tịch"})
    put(admin2, f"/api/admin/counters/{office.c2.id}", {"fields": [office.f2.id]})
    admin1.post("/api/admin/devices", json={"kind": "kiosk", "name": "Kiosk tầng 2"})
    for action, at in AT.items():
        AuditLog.update(at=at).where(AuditLog.action == action).execute()
    assert AuditLog.select().count() == 5
    return admin1


def actions(client, query):
    """The actions the API lists for a query string, newest first."""
    response = client.get("/api/admin/audit?" + query)
    assert response.status_code == 200, response.get_json()
    return [e["action"] for e in response.get_json()["entries"]]


def refused(client, query):
    """The 422 body for a bad query string."""
    response = client.get("/api/admin/audit?" + query)
    assert response.status_code == 422, response.get_data(as_text=True)
    body = response.get_json()
    assert body["error"] == "invalid" and body["message"].startswith("Bộ lọc chưa hợp lệ")
    return body["fields"]


def test_without_filters_everything_is_listed_newest_first(log):
    assert actions(log, "") == ["device.create", "counter.update", "field.update", "field.create", "settings.update"]


def test_filter_by_user(log):
    assert actions(log, "user=admin2") == ["counter.update", "field.update"]


def test_filter_by_kind_of_thing_and_by_one_action(log):
    assert actions(log, "kind=field") == ["field.update", "field.create"]
    assert actions(log, "kind=field.create") == ["field.create"]
    assert actions(log, "kind=voice") == []


def test_dates_are_office_local_days_both_ends_included(log):
    assert actions(log, "from=2026-11-27&to=2026-11-27") == ["counter.update", "field.update"]
    assert actions(log, "to=2026-11-26") == ["field.create", "settings.update"]
    assert actions(log, "from=2026-11-28") == ["device.create"]


def test_dates_may_be_written_day_month_year(log):
    assert actions(log, "from=26/11/2026&to=26/11/2026") == ["field.create"]


def test_text_search_reads_setting_names_in_any_case_and_without_accents(log):
    for q in ("giờ mở cửa", "GIỜ MỞ CỬA", "gio mo cua"):
        assert actions(log, "q=" + q) == ["settings.update"], q


def test_text_search_reads_the_names_the_page_shows_for_ids(log):
    # The counter's row stores field ids; the page (and so the search) names them.
    assert actions(log, "q=Chứng thực") == ["counter.update"]


def test_text_with_accents_matches_only_those_accents(log):
    assert actions(log, "q=tầng 2") == ["device.create"]
    assert actions(log, "q=tàng 2") == []


def test_filters_combine(log):
    assert actions(log, "user=admin1&kind=field") == ["field.create"]
    assert actions(log, "user=admin2&kind=field&from=2026-11-27&q=hộ tịch") == ["field.update"]
    assert actions(log, "user=admin1&q=hộ tịch") == []


def test_answer_names_the_action_the_changes_and_the_filters(log):
    body = log.get("/api/admin/audit?kind=field.update&from=27/11/2026").get_json()
    [entry] = body["entries"]
    assert entry["action_name"] == "Sửa lĩnh vực" and entry["user"] == "admin2"
    assert entry["changes"] == [{"name": "Tên", "before": "Tư pháp - Hộ tịch", "after": "Hộ tịch"}]
    assert body["filters"] == {"kind": "field.update", "from": "2026-11-27"}
    assert (body["total"], body["page"], body["pages"]) == (1, 1, 1)


def test_empty_filter_boxes_mean_no_filter(log):
    assert len(actions(log, "user=&kind=&from=&to=&q=+")) == 5


@pytest.mark.parametrize(
    ("query", "field", "words"),
    [
        ("from=2026-13-01", "from", "không phải ngày có thật"),
        ("from=hôm qua", "from", "không phải ngày có thật"),
        ("to=31/02/2026", "to", "không phải ngày có thật"),
        ("to=9999-12-31", "to", "năm phải từ 2000 đến 2100"),
        ("from=0001-01-01", "from", "năm phải từ 2000 đến 2100"),
        ("from=2026-11-28&to=2026-11-27", "to", "phải cùng ngày hoặc sau"),
        ("user=khong_co", "user", "không có người dùng"),
        ("kind=ticket", "kind", "không có trong danh sách"),
        ("kind=field.", "kind", "không có trong danh sách"),
        ("q=" + "x" * 101, "q", "tối đa 100 ký tự"),
        ("page=0", "page", "số nguyên dương"),
        ("page=abc", "page", "số nguyên dương"),
        ("page=-1", "page", "số nguyên dương"),
        ("page=99999999999999999999", "page", "số nguyên dương"),
    ],
)
def test_a_bad_filter_is_a_422_naming_its_box(log, query, field, words):
    fields = refused(log, query)
    assert list(fields) == [field] and words in fields[field].lower(), fields


def test_the_message_of_one_bad_box_names_it(log):
    body = log.get("/api/admin/audit?from=31/11/2026").get_json()
    assert body["message"] == (
        "Bộ lọc chưa hợp lệ (Từ ngày): “31/11/2026” không phải ngày có thật; dùng dạng ngày/tháng/năm, ví dụ 02/09/2026."
    )


def test_every_bad_box_is_named_at_once(log):
    assert set(refused(log, "from=x&to=y&kind=z&user=w")) == {"from", "to", "kind", "user"}


def test_another_offices_user_is_not_a_user_of_this_office(log, other):
    assert set(refused(log, "user=khac_admin")) == {"user"}


def test_another_offices_rows_never_match(log, other):
    store.audit(other["office"].id, other["admin"], "field.update", "Lĩnh vực DD - Đất đai", {}, {})
    assert actions(log, "q=đất đai") == ["field.create"]


def test_paging_keeps_the_filter(log, office):
    for n in range(55):
        store.audit(office.office.id, office.admin, "procedure.update", f"Thủ tục: số {n}", {"fee": "0"}, {})
    first = log.get("/api/admin/audit?kind=procedure").get_json()
    second = log.get("/api/admin/audit?kind=procedure&page=2").get_json()
    assert (first["total"], first["pages"], len(first["entries"]), len(second["entries"])) == (55, 2, 50, 5)
    assert {e["action"] for e in first["entries"] + second["entries"]} == {"procedure.update"}
    assert second["entries"][-1]["target"] == "Thủ tục: số 0"


def test_paging_with_a_text_search(log, office):
    for n in range(53):
        store.audit(office.office.id, office.admin, "procedure.update", f"Thủ tục: Chứng thực {n}", None, None)
    second = log.get("/api/admin/audit?q=chung thuc&page=2").get_json()
    # 53 procedures and the counter whose fields now read "Chứng thực"; the oldest is last.
    assert (second["total"], len(second["entries"])) == (54, 4)
    assert second["entries"][-1]["action"] == "counter.update"


def test_a_leader_may_filter_too(log, api):
    assert actions(api("lanhdao1"), "user=admin2&kind=counter") == ["counter.update"]


# --------------------------------------------------------------------------- the page


def test_page_lists_only_the_filtered_rows_and_keeps_the_boxes_filled(log):
    html = log.get("/admin/audit?user=admin2&kind=field&from=2026-11-27&q=hộ tịch").get_data(as_text=True)
    assert "Tìm thấy 1 mục khớp bộ lọc." in html
    assert html.count('data-row="audit-') == 1 and "Sửa lĩnh vực" in html
    assert '<option value="admin2" selected>' in html and '<option value="field" selected>' in html
    assert 'name="from" value="27/11/2026"' in html and 'name="q" value="hộ tịch"' in html


def test_page_shows_a_bad_date_beside_its_box(log):
    response = log.get("/admin/audit?from=32/11/2026&kind=field")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r'data-error-for="from" role="alert">“32/11/2026” không phải ngày có thật', html)
    assert 'name="from" value="32/11/2026"' in html and 'aria-invalid="true"' in html
    assert 'data-row="audit-' not in html and "Bộ lọc chưa hợp lệ nên chưa liệt kê gì." in html


def test_page_links_keep_the_filters(log, office):
    for n in range(51):
        store.audit(office.office.id, office.admin, "procedure.update", f"Thủ tục: số {n}", None, None)
    html = log.get("/admin/audit?kind=procedure&to=2100-01-01").get_data(as_text=True)
    assert 'href="/admin/audit?kind=procedure&amp;to=2100-01-01&amp;page=2"' in html
    page2 = log.get("/admin/audit?kind=procedure&to=2100-01-01&page=2").get_data(as_text=True)
    assert page2.count('data-row="audit-') == 1 and "Trang 2 / 2" in page2
    assert 'href="/admin/audit?kind=procedure&amp;to=2100-01-01"' in page2  # back to page 1


def test_a_user_name_in_the_log_links_to_their_changes(log):
    html = log.get("/admin/audit").get_data(as_text=True)
    assert 'href="/admin/audit?user=admin2"' in html


def test_openapi_documents_the_filters_and_the_answer(client):
    operation = client.get("/api/openapi.json").get_json()["paths"]["/api/admin/audit"]["get"]
    assert all(word in operation["summary"] for word in ("user=", "kind=", "from=", "to=", "q=", "page="))
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert {"entries", "total", "pages", "filters"} <= set(schema["required"])
