"""Reports room: who may open the monitor, the reports and their exports; what the routes answer."""

import csv
import io
from urllib.parse import unquote

import openpyxl
import pytest

from conftest import make_field, make_office, make_ticket
from report_fixture import at, build_day

DAY_QUERY = "period=day&date=2026-11-16"


def report_routes(app):
    """Every GET rule of the reports blueprint, read from the app's url_map (new routes included)."""
    rules = sorted(r.rule for r in app.url_map.iter_rules() if r.endpoint.startswith("reports."))
    assert rules, "the reports room registered no routes"
    return rules


def test_every_route_is_monitor_reports_or_api(app):
    assert all(rule.startswith(("/admin/monitor", "/admin/reports", "/api/reports")) for rule in report_routes(app))


def test_clerk_gets_403_everywhere(app, office, api):
    clerk = api("canbo1")
    for rule in report_routes(app):
        assert clerk.get(rule).status_code == 403, rule


def test_leader_reads_everything(app, office, api):
    leader = api("lanhdao1")
    for rule in report_routes(app):
        assert leader.get(rule).status_code == 200, rule


def test_admin_reads_everything(app, office, api):
    admin = api("admin1")
    for rule in report_routes(app):
        assert admin.get(rule).status_code == 200, rule


def test_devices_get_403_from_the_api_and_the_login_page_for_pages(app, office, api):
    kiosk = api(device=office.kiosk_token)
    for rule in report_routes(app):
        response = kiosk.get(rule)
        if rule.startswith("/api/"):
            assert response.status_code == 403, rule
        else:
            assert response.status_code == 302 and "/admin/login" in response.headers["Location"], rule


def test_anonymous_pages_go_to_login_and_api_says_401(app, client):
    for rule in report_routes(app):
        response = client.get(rule)
        if rule.startswith("/api/"):
            assert response.status_code == 401, rule
        else:
            assert response.status_code == 302 and "/admin/login" in response.headers["Location"], rule


def test_api_report_for_a_day(office, api):
    build_day(office)
    body = api("lanhdao1").get(f"/api/reports?{DAY_QUERY}").get_json()
    assert body["period"]["label"] == "Ngày 16/11/2026"
    assert (body["summary"]["issued"], body["summary"]["wait"]["median"]) == (6, 840.0)


def test_api_refuses_a_bad_period_with_a_message(office, api):
    response = api("lanhdao1").get("/api/reports?period=month&month=2026-13")
    assert response.status_code == 422
    assert response.get_json()["error"] == "invalid" and "YYYY-MM" in response.get_json()["message"]


def test_api_satisfaction_defaults_to_this_quarter(office, api):
    body = api("lanhdao1").get("/api/reports/satisfaction").get_json()
    assert body["period"]["kind"] == "quarter"
    assert body["title"].startswith("BÁO CÁO KẾT QUẢ ĐÁNH GIÁ MỨC ĐỘ HÀI LÒNG")


def test_report_api_is_in_the_openapi_document(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    assert {"/api/reports", "/api/reports/today", "/api/reports/satisfaction"} <= set(paths)


def test_report_page_shows_tables_and_chart_slots(office, api):
    build_day(office)
    html = api("lanhdao1").get(f"/admin/reports?{DAY_QUERY}").get_data(as_text=True)
    assert "Báo cáo ngày 16/11/2026" in html
    assert 'data-chart="hours"' in html and "vendor/chart.umd.min.js" in html
    assert "Trần Thị Hoa" in html and "Chờ lâu quá" in html


def test_report_page_with_a_bad_period_explains_and_shows_this_month(office, api):
    response = api("lanhdao1").get("/admin/reports?period=day&date=hom-nay")
    assert response.status_code == 200
    assert "Ngày không hợp lệ" in response.get_data(as_text=True)


def test_report_page_says_when_a_period_has_no_data(office, api):
    html = api("lanhdao1").get("/admin/reports?period=month&month=2025-01").get_data(as_text=True)
    assert "Không có dữ liệu trong kỳ này" in html


def test_excel_download(office, api):
    build_day(office)
    response = api("lanhdao1").get(f"/admin/reports/export.xlsx?{DAY_QUERY}")
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "bao-cao-2026-11-16.xlsx" in response.headers["Content-Disposition"]
    wb = openpyxl.load_workbook(io.BytesIO(response.data))
    assert wb["Tổng hợp"]["A1"].value == "BÁO CÁO TỔNG HỢP TIẾP NHẬN VÀ PHỤC VỤ"


def test_csv_download_has_a_bom_for_excel_and_parses(office, api):
    build_day(office)
    response = api("lanhdao1").get(f"/admin/reports/export.csv?{DAY_QUERY}&view=fields")
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][0] == "Lĩnh vực" and rows[1][:2] == ["Tư pháp - Hộ tịch", "4"]


def test_csv_of_an_unknown_view_is_refused(office, api):
    assert api("lanhdao1").get(f"/admin/reports/export.csv?{DAY_QUERY}&view=secrets").status_code == 422


def test_satisfaction_excel_is_named_after_the_quarter_in_vietnamese(office, api):
    response = api("lanhdao1").get("/admin/reports/satisfaction.xlsx?period=quarter&year=2026&quarter=4")
    disposition = unquote(response.headers["Content-Disposition"])
    assert "bao-cao-hai-long-2026-Q4.xlsx" in disposition


def test_printable_satisfaction_report(office, api):
    build_day(office)
    html = api("lanhdao1").get("/admin/reports/satisfaction?period=quarter&year=2026&quarter=4").get_data(as_text=True)
    assert "QUÝ IV NĂM 2026" in html and "THỦ TRƯỞNG ĐƠN VỊ" in html
    assert "Trần Thị Hoa" in html


@pytest.mark.parametrize("username", ["lanhdao1", "admin1"])
def test_monitor_page_and_today_figures(office, api, username):
    client = api(username)
    assert "Giám sát trực tiếp" in client.get("/admin/monitor").get_data(as_text=True)
    assert set(client.get("/api/reports/today").get_json()) >= {"issued", "served", "waiting", "by_counter"}


def test_a_leader_sees_only_the_own_office(office, api):
    other = make_office(name="UBND xã Bên Cạnh")
    make_ticket(make_field(other), now=at(0))
    build_day(office)
    body = api("lanhdao1").get(f"/api/reports?{DAY_QUERY}").get_json()
    assert body["office"]["name"] == office.office.name
    assert body["summary"]["issued"] == 6
    assert "UBND xã Bên Cạnh" not in api("lanhdao1").get(f"/admin/reports?{DAY_QUERY}").get_data(as_text=True)
