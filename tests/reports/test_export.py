"""Reports room: the Excel workbook and CSV files hold the report's figures under Vietnamese headings."""

import csv
import datetime as dt
import io

import openpyxl
import pytest

from models import Office
from report_fixture import DAY, at, build_day
from reports import compute, export

SHEETS = ["Tổng hợp", "Theo lĩnh vực", "Theo quầy", "Theo cán bộ", "Theo giờ", "Theo thứ", "Theo ngày", "Hài lòng",
          "Mức đánh giá", "Lý do", "Góp ý"]


@pytest.fixture
def report(office):
    """The fixture day's report."""
    build_day(office)
    return compute.build_report(Office.get_by_id(office.office.id), compute.day_period(DAY), now=at(60))


def book(data: bytes):
    """Open .xlsx bytes with openpyxl."""
    return openpyxl.load_workbook(io.BytesIO(data))


def find_row(ws, first_cell):
    """Values of the row whose first cell is ``first_cell``."""
    for values in ws.iter_rows(values_only=True):
        if values and values[0] == first_cell:
            return values
    raise AssertionError(f"no row {first_cell!r} in {ws.title}")


def test_workbook_has_one_sheet_per_view(report):
    assert book(export.workbook(report)).sheetnames == SHEETS


def test_summary_sheet_holds_counts_minutes_and_percentages(report):
    ws = book(export.workbook(report))["Tổng hợp"]
    assert ws["A2"].value == f"Đơn vị: {report['office']['name']}"
    assert find_row(ws, "Số đã cấp")[1] == 6
    assert find_row(ws, "Thời gian chờ trung vị (phút)")[1] == 14
    assert find_row(ws, "Thời gian phục vụ trung bình (phút)")[1] == pytest.approx(9.8)  # 9.75 shown to one decimal
    cell = next(c for c in ws["B"] if c.row == find_row_index(ws, "Tỷ lệ lượt phục vụ được đánh giá"))
    assert (cell.value, cell.number_format) == (0.75, "0.0%")


def find_row_index(ws, first_cell) -> int:
    """Row number whose first cell is ``first_cell``."""
    return next(c.row for c in ws["A"] if c.value == first_cell)


def test_field_sheet_rows(report):
    ws = book(export.workbook(report))["Theo lĩnh vực"]
    headings = find_row(ws, "Lĩnh vực")
    assert headings[:6] == ("Lĩnh vực", "Số đã cấp", "Đã phục vụ", "Vắng mặt", "Đã hủy", "Đã chuyển đi")
    values = dict(zip(headings, find_row(ws, "Tư pháp - Hộ tịch"), strict=True))
    assert (values["Số đã cấp"], values["Đã chuyển đi"], values["Chờ TB (phút)"]) == (4, 1, 5)


def test_satisfaction_sheet_is_the_upward_report(office):
    build_day(office)
    report = compute.build_report(Office.get_by_id(office.office.id), compute.quarter_period(2026, 4))
    ws = book(export.satisfaction_workbook(report)).active
    title = ws["A4"].value.replace("\n", " ")  # printed on three lines
    assert title.startswith("BÁO CÁO KẾT QUẢ ĐÁNH GIÁ MỨC ĐỘ HÀI LÒNG") and title.endswith("QUÝ IV NĂM 2026")
    assert ws["E1"].value == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    assert ws["A7"].value == "Kỳ báo cáo: Quý IV năm 2026 (từ ngày 01/10/2026 đến ngày 31/12/2026)"
    assert ws["A8"].value == "Số lượt đánh giá: 3"
    assert find_row(ws, "Rất hài lòng")[1:3] == (1, pytest.approx(1 / 3))
    assert find_row(ws, "Trần Thị Hoa")[1:4] == (2, 1, 0.5)  # 2 ratings, 1 very satisfied = 50%


def test_comment_sheet_keeps_ticket_numbers_and_real_dates(report):
    ws = book(export.workbook(report))["Góp ý"]
    assert find_row(ws, dt.datetime(2026, 11, 16))[5:] == ("Không hài lòng", "Chờ lâu quá")
    assert ws["A6"].number_format == "dd/mm/yyyy"


def test_comment_csv_dates_read_the_vietnamese_way(report):
    rows = list(csv.reader(io.StringIO(export.csv_text(report, "comments"))))
    assert rows[1][:2] == ["16/11/2026", report["satisfaction"]["comments"][0]["number"]]


def test_empty_report_exports_say_no_data(office):
    report = compute.build_report(Office.get_by_id(office.office.id), compute.month_period(2026, 1))
    wb = book(export.workbook(report))
    assert find_row(wb["Theo lĩnh vực"], "Không có dữ liệu trong kỳ.")
    assert find_row(wb["Tổng hợp"], "Thời gian chờ trung bình (phút)")[1] is None


def test_csv_parses_with_percentages_and_minutes(report):
    rows = list(csv.reader(io.StringIO(export.csv_text(report, "satisfaction"))))
    assert rows[0][:4] == ["Cán bộ", "Số lượt đánh giá", "Rất hài lòng (lượt)", "Rất hài lòng (%)"]
    assert rows[1][:4] == ["Toàn đơn vị", "3", "1", "33.3"]
    summary = dict(csv.reader(io.StringIO(export.csv_text(report, "summary"))))
    assert summary["Thời gian chờ trung bình (phút)"] == "11.2"


def test_csv_of_every_view_has_a_heading_row(report):
    for key in export.VIEW_KEYS:
        rows = list(csv.reader(io.StringIO(export.csv_text(report, key))))
        assert rows and all(rows[0]), key
