"""Ratings room tests: the report's index section, the view by dossier, its CSV and the JSON."""

import csv
import io

import ticketing

from .conftest import CODES, served


def rated_day(office):
    """Two visits of today: one with two codes rated Không hài lòng, one without a code rated well."""
    ticketing.rate(served(office).id, 1, ["Khác"], counter_id=office.c1.id)
    ticketing.rate(served(office, codes=()).id, 3, counter_id=office.c1.id)


def test_the_report_page_shows_the_index_beside_our_figures(office, api):
    rated_day(office)
    page = api("lanhdao1").get("/admin/reports?period=day").get_data(as_text=True)
    assert "Chỉ số hài lòng theo hồ sơ (Quyết định 766/QĐ-TTg)" in page
    assert 'id="index-pct">0,0%' in page  # both dossiers of the day were rated Không hài lòng
    assert "Máy tính bảng tại quầy" in page and "Hồ sơ không ai đánh giá được tính là hài lòng" in page


def test_the_view_by_dossier_lists_each_code_with_its_verdict(office, api):
    rated_day(office)
    leader = api("lanhdao1")
    page = leader.get("/admin/reports/dossiers?period=day").get_data(as_text=True)
    assert all(code in page for code in CODES) and page.count('class="row-bad"') == 2
    rows = list(csv.reader(io.StringIO(leader.get("/admin/reports/dossiers.csv?period=day").data.decode("utf-8-sig"))))
    assert [r[1] for r in rows[1:]] == list(CODES) and {r[8] for r in rows[1:]} == {"Có"}


def test_the_index_as_json(office, api):
    rated_day(office)
    body = api("lanhdao1").get("/api/reports/dossiers?period=day").get_json()
    assert (body["total"]["dossiers"], body["total"]["against"], body["total"]["ratings"]) == (2, 2, 2)
    assert body["alerts"] == {"raised": 1, "handled": 0, "open": 1,
                              "handle_time": {"count": 0, "avg": None, "median": None, "p90": None}}
    assert api("canbo1").get("/api/reports/dossiers?period=day").status_code == 403
