"""Reports room: exports of a computed report, Excel (.xlsx, openpyxl) and CSV, Vietnamese headings.

One list of views (``views(report)``) feeds both formats, so a sheet and its CSV always agree.
Durations are shown in minutes, shares as percentages. ``satisfaction_workbook`` is the
satisfaction report as the office sends it upward (title, office, period, three groups, per clerk).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

import errors
from rules import rating as scale_rules

# Column kinds: how a raw value (seconds, fraction) is shown.
TEXT, INT, MINUTES, PERCENT, DECIMAL, DATE = "text", "int", "min", "pct", "dec", "date"
FORMATS = {INT: "#,##0", MINUTES: "0.0", PERCENT: "0.0%", DECIMAL: "0.0", DATE: "dd/mm/yyyy"}
HEAD_FILL = PatternFill("solid", fgColor="DCE6F2")
THIN = Side(style="thin", color="8EA2BA")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
BOLD = Font(bold=True)


@dataclasses.dataclass
class View:
    """One table of the report: a sheet in the workbook, a CSV file on its own."""

    key: str
    sheet: str
    title: str
    columns: list[tuple[str, str]]  # (heading, kind)
    rows: list[list]


def _stats_columns(prefix: str) -> list[tuple[str, str]]:
    """Average / median / 90th percentile columns of a duration, in minutes."""
    return [(f"{prefix} TB (phút)", MINUTES), (f"{prefix} trung vị (phút)", MINUTES), (f"{prefix} 90% (phút)", MINUTES)]


def _stats(values: dict) -> list:
    """The three figures of a duration (seconds)."""
    return [values["avg"], values["median"], values["p90"]]


# Trend unit -> (sheet name, words in the title, first column heading).
TREND_NAMES = {"day": ("Theo ngày", "ngày", "Ngày"), "week": ("Theo tuần", "tuần", "Tuần bắt đầu"),
               "month": ("Theo tháng", "tháng", "Tháng")}

GROUP_WORDS = [scale_rules.GROUP_WORDS[g] for g in scale_rules.GROUPS]
SATISFACTION_COLUMNS = [("Lượt đánh giá", INT), ("Tỷ lệ được đánh giá", PERCENT),
                        *[(word, PERCENT) for word in GROUP_WORDS]]
LOW_REASONS = ("Trong đó: " + scale_rules.GROUP_WORDS[scale_rules.DISSATISFIED], INT)
# The upward report's per-clerk columns: count and share of each group.
GROUP_COLUMNS = [column for word in GROUP_WORDS for column in ((f"{word} (lượt)", INT), (word, PERCENT))]


def _satisfaction_cells(row: dict) -> list:
    """Ratings count, rated share and the three groups' shares of a row."""
    groups = row["satisfaction"]
    return [row["ratings"], row["rated_share"]] + [groups[g]["share"] for g in scale_rules.GROUPS]


def summary_rows(report: dict) -> list[tuple[str, object, str]]:
    """The summary as (heading, value, kind) lines; the page, the sheet and the CSV use it."""
    s, sat = report["summary"], report["satisfaction"]
    groups = {g["key"]: g for g in sat["groups"]}
    return [
        ("Số đã cấp", s["issued"], INT),
        ("Đã phục vụ xong", s["served"], INT),
        ("Vắng mặt (gọi không đến)", s["no_show"], INT),
        ("Đã hủy", s["cancelled"], INT),
        ("Đã chuyển lĩnh vực/quầy", s["transferred"], INT),
        ("Còn đang chờ/đang phục vụ", s["open"], INT),
        ("Số ngày có tiếp nhận", s["active_days"], INT),
        ("Thời gian chờ trung bình (phút)", s["wait"]["avg"], MINUTES),
        ("Thời gian chờ trung vị (phút)", s["wait"]["median"], MINUTES),
        ("Thời gian chờ 90% (phút)", s["wait"]["p90"], MINUTES),
        ("Thời gian phục vụ trung bình (phút)", s["service"]["avg"], MINUTES),
        ("Thời gian phục vụ trung vị (phút)", s["service"]["median"], MINUTES),
        ("Thời gian phục vụ 90% (phút)", s["service"]["p90"], MINUTES),
        ("Số lượt đánh giá", sat["ratings"], INT),
        ("Tỷ lệ lượt phục vụ được đánh giá", sat["rated_share"], PERCENT),
        *[(scale_rules.GROUP_WORDS[g], groups[g]["share"], PERCENT) for g in scale_rules.GROUPS],
    ]


def views(report: dict) -> list[View]:
    """Every table of the report, in sheet order."""
    sat = report["satisfaction"]
    counts = [("Đã phục vụ", INT), ("Vắng mặt", INT), ("Đã hủy", INT)]
    result = [
        View("summary", "Tổng hợp", "Tổng hợp", [("Chỉ tiêu", TEXT), ("Giá trị", TEXT)],
             [[label, value] for label, value, _kind in summary_rows(report)]),
        View("fields", "Theo lĩnh vực", "Theo lĩnh vực",
             [("Lĩnh vực", TEXT), ("Số đã cấp", INT), *counts, ("Đã chuyển đi", INT),
              *_stats_columns("Chờ"), *_stats_columns("Phục vụ"), *SATISFACTION_COLUMNS],
             [[r["name"], r["issued"], r["served"], r["no_show"], r["cancelled"], r["transferred"],
               *_stats(r["wait"]), *_stats(r["service"]), *_satisfaction_cells(r)] for r in report["by_field"]]),
        View("counters", "Theo quầy", "Theo quầy",
             [("Quầy", TEXT), ("Số lượt tiếp nhận", INT), *counts, ("Đã chuyển", INT),
              *_stats_columns("Chờ"), *_stats_columns("Phục vụ"), *SATISFACTION_COLUMNS],
             [[r["name"], r["handled"], r["served"], r["no_show"], r["cancelled"], r["transferred"],
               *_stats(r["wait"]), *_stats(r["service"]), *_satisfaction_cells(r)] for r in report["by_counter"]]),
        View("clerks", "Theo cán bộ", "Theo cán bộ",
             [("Cán bộ", TEXT), ("Số lượt tiếp nhận", INT), *counts, ("Đã chuyển", INT),
              *_stats_columns("Phục vụ"), *SATISFACTION_COLUMNS],
             [[r["name"], r["handled"], r["served"], r["no_show"], r["cancelled"], r["transferred"],
               *_stats(r["service"]), *_satisfaction_cells(r)] for r in report["by_clerk"]]),
        View("hours", "Theo giờ", "Lượt đến theo giờ (giờ Việt Nam)",
             [("Khung giờ", TEXT), ("Số lượt đến", INT), ("Trung bình mỗi ngày", DECIMAL)],
             [[r["label"], r["arrivals"], r["per_day"]] for r in report["by_hour"]]),
        View("weekdays", "Theo thứ", "Lượt đến theo thứ trong tuần",
             [("Thứ", TEXT), ("Số lượt đến", INT), ("Số ngày có tiếp nhận", INT), ("Trung bình mỗi ngày", DECIMAL)],
             [[r["label"], r["arrivals"], r["days"], r["per_day"]] for r in report["by_weekday"]]),
        View("trend", TREND_NAMES[report["trend"]["unit"]][0],
             "Số đã cấp và đã phục vụ theo " + TREND_NAMES[report["trend"]["unit"]][1],
             [(TREND_NAMES[report["trend"]["unit"]][2], TEXT if report["trend"]["unit"] == "month" else DATE),
              ("Số đã cấp", INT), ("Đã phục vụ", INT)],
             [[p["label"] if report["trend"]["unit"] == "month" else p["key"], p["issued"], p["served"]]
              for p in report["trend"]["points"]]),
        View("satisfaction", "Hài lòng", "Mức độ hài lòng theo cán bộ",
             [("Cán bộ", TEXT), ("Số lượt đánh giá", INT), *GROUP_COLUMNS],
             satisfaction_rows(report)),
        View("levels", "Mức đánh giá", "Số lượt theo từng mức đánh giá",
             [("Thang", INT), ("Mức", INT), ("Tên mức", TEXT), ("Nhóm báo cáo", TEXT), ("Số lượt", INT), ("Tỷ lệ", PERCENT)],
             [[r["scale"], r["level"], r["label"], scale_rules.GROUP_WORDS[r["group"]], r["count"], r["share"]]
              for r in sat["levels"]]),
        View("reasons", "Lý do", "Lý do đánh giá chưa tốt",
             [("Lý do", TEXT), ("Số lượt chọn", INT), LOW_REASONS],
             [[r["reason"], r["count"], r["dissatisfied"]] for r in sat["reasons"]]),
        View("comments", "Góp ý", "Góp ý của người dân",
             [("Ngày", DATE), ("Số thứ tự", TEXT), ("Lĩnh vực", TEXT), ("Quầy", TEXT), ("Cán bộ", TEXT),
              ("Mức đánh giá", TEXT), ("Góp ý", TEXT)],
             [[c["day"], c["number"], c["field"] or "", c["counter"] or "", c["clerk"] or "", c["level_label"], c["comment"]]
              for c in sat["comments"]]),
    ]
    return result


def satisfaction_rows(report: dict) -> list[list]:
    """The upward report's table: the whole office, then each clerk with ratings."""
    sat = report["satisfaction"]
    groups = {g["key"]: g for g in sat["groups"]}
    rows = [["Toàn đơn vị", sat["ratings"]] + [x for g in scale_rules.GROUPS for x in (groups[g]["count"], groups[g]["share"])]]
    for clerk in report["by_clerk"]:
        if clerk["ratings"]:
            rows.append([clerk["name"], clerk["ratings"]] + [x for g in scale_rules.GROUPS for x in
                                                             (clerk["satisfaction"][g]["count"], clerk["satisfaction"][g]["share"])])
    return rows


VIEW_KEYS = ("summary", "fields", "counters", "clerks", "hours", "weekdays", "trend", "satisfaction", "levels",
             "reasons", "comments")


# --------------------------------------------------------------------------- CSV


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet reads as the start of a formula


def _csv_value(value, kind: str):
    """A cell as CSV text: minutes and percentages rounded to one decimal, blanks for no data."""
    if value is None:
        return ""
    if kind == MINUTES:
        return f"{value / 60:.1f}"
    if kind == PERCENT:
        return f"{value * 100:.1f}"
    if kind == DECIMAL:
        return f"{value:.1f}"
    if kind == DATE:
        return _vn_date(value)
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value  # typed text (a comment, a name) must not run as a formula where the CSV is opened
    return value


def csv_text(report: dict, key: str) -> str:
    """One view as CSV (comma separated; percentages as numbers 0-100, headings say so)."""
    view = next((v for v in views(report) if v.key == key), None)
    if view is None:
        raise errors.Invalid(f"Bảng không tồn tại: {key}.", fields={"view": list(VIEW_KEYS)})
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    kinds = [kind for _h, kind in view.columns]
    if view.key == "summary":
        writer.writerow(["Chỉ tiêu", "Giá trị"])
        for label, value, kind in summary_rows(report):
            writer.writerow([label + (" (%)" if kind == PERCENT else ""), _csv_value(value, kind)])
        return out.getvalue()
    writer.writerow([h + (" (%)" if kind == PERCENT else "") for h, kind in view.columns])
    for row in view.rows:
        writer.writerow([_csv_value(v, kinds[i]) for i, v in enumerate(row)])
    return out.getvalue()


# --------------------------------------------------------------------------- Excel


def _xl_value(value, kind: str):
    """A cell value for Excel: minutes from seconds; fractions stay fractions (formatted as %)."""
    if value is None:
        return None
    if kind == MINUTES:
        return round(value / 60, 1)
    if kind == DATE:
        return dt.date.fromisoformat(value)
    return value


def _heading_block(ws, report: dict, title: str) -> int:
    """Title, office and period lines at the top of a sheet; returns the next free row."""
    ws["A1"] = title
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = f"Đơn vị: {report['office']['name']}"
    period = report["period"]
    ws["A3"] = (f"Kỳ báo cáo: {period['label']} (từ {_vn_date(period['start'])} "
                f"đến {_vn_date(period['end'])})")
    return 5


def _vn_date(iso: str) -> str:
    """dd/mm/yyyy of an ISO date."""
    return dt.date.fromisoformat(iso).strftime("%d/%m/%Y")


def _write_table(ws, top: int, columns, rows, widths=None) -> int:
    """A bordered table with a shaded heading row at ``top``; returns the row after it."""
    for col, (heading, _kind) in enumerate(columns, start=1):
        cell = ws.cell(row=top, column=col, value=heading)
        cell.font, cell.fill, cell.border = BOLD, HEAD_FILL, BOX
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    for r, row in enumerate(rows, start=top + 1):
        for col, value in enumerate(row, start=1):
            kind = columns[col - 1][1] if col - 1 < len(columns) else TEXT
            cell = ws.cell(row=r, column=col, value=_xl_value(value, kind))
            cell.border = BOX
            if kind in FORMATS:
                cell.number_format = FORMATS[kind]
            if kind == TEXT:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    for col, (_heading, kind) in enumerate(columns, start=1):
        width = (widths or {}).get(col) or (34 if kind == TEXT and col == 1 else 14 if kind != TEXT else 22)
        ws.column_dimensions[get_column_letter(col)].width = max(width, ws.column_dimensions[get_column_letter(col)].width or 0)
    return top + len(rows) + 1


def _summary_sheet(ws, report: dict) -> None:
    """Tổng hợp: heading block and the summary lines, formatted by kind."""
    top = _heading_block(ws, report, "BÁO CÁO TỔNG HỢP TIẾP NHẬN VÀ PHỤC VỤ")
    rows = summary_rows(report)
    ws.cell(row=top, column=1, value="Chỉ tiêu").font = BOLD
    ws.cell(row=top, column=2, value="Giá trị").font = BOLD
    for cell in (ws.cell(row=top, column=1), ws.cell(row=top, column=2)):
        cell.fill, cell.border = HEAD_FILL, BOX
    for i, (label, value, kind) in enumerate(rows, start=top + 1):
        ws.cell(row=i, column=1, value=label).border = BOX
        cell = ws.cell(row=i, column=2, value=_xl_value(value, kind))
        cell.border = BOX
        if kind in FORMATS:
            cell.number_format = FORMATS[kind]
    note = top + len(rows) + 2
    ws.cell(row=note, column=1, value="Ghi chú: thời gian chờ = từ lúc lấy số đến lần gọi đầu tiên; thời gian phục vụ "
                                      "= từ lúc bắt đầu đến lúc kết thúc; 90% = 90% công dân không quá mức này.")
    ws.column_dimensions["A"].width = 42
    ws.column_dimensions["B"].width = 18


def satisfaction_sheet(ws, report: dict) -> None:
    """The satisfaction report as sent upward: national heading, title, office, period, groups, clerks."""
    period = report["period"]
    sat = report["satisfaction"]
    ws["A1"] = report["office"]["name"].upper()
    ws["A1"].font = BOLD
    ws["E1"] = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    ws["E1"].font = BOLD
    ws["E2"] = "Độc lập - Tự do - Hạnh phúc"
    ws["E2"].font = Font(bold=True, underline="single")
    for ref in ("E1", "E2"):
        ws[ref].alignment = Alignment(horizontal="center")
    ws.merge_cells("E1:H1")
    ws.merge_cells("E2:H2")
    ws["A4"] = "\n".join(satisfaction_title_lines(report))
    ws["A4"].font = Font(bold=True, size=13)
    ws["A4"].alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.merge_cells("A4:H4")
    ws.row_dimensions[4].height = 54
    ws["A6"] = f"Đơn vị: {report['office']['name']}"
    ws["A7"] = f"Kỳ báo cáo: {period['label']} (từ ngày {_vn_date(period['start'])} đến ngày {_vn_date(period['end'])})"
    ws["A8"] = f"Số lượt đánh giá: {sat['ratings']:,}".replace(",", ".")
    ws["A9"] = (f"Số lượt đã phục vụ: {sat['served']:,}".replace(",", ".")
                + (f"; tỷ lệ được đánh giá: {sat['rated_share'] * 100:.1f}%".replace(".", ",")
                   if sat["rated_share"] is not None else ""))
    ws["A11"] = "I. KẾT QUẢ CHUNG"
    ws["A11"].font = BOLD
    groups = {g["key"]: g for g in sat["groups"]}
    overall = [[scale_rules.GROUP_WORDS[g], groups[g]["count"], groups[g]["share"]] for g in scale_rules.GROUPS]
    overall.append(["Tổng cộng", sat["ratings"], 1.0 if sat["ratings"] else None])
    row = _write_table(ws, 12, [("Mức độ hài lòng", TEXT), ("Số lượt", INT), ("Tỷ lệ", PERCENT)], overall)
    for col in (1, 2, 3):
        ws.cell(row=row - 1, column=col).font = BOLD
    row += 1
    ws.cell(row=row, column=1, value="II. KẾT QUẢ THEO CÁN BỘ TIẾP NHẬN").font = BOLD
    columns = [("Cán bộ", TEXT), ("Số lượt đánh giá", INT), *GROUP_COLUMNS]
    clerks = satisfaction_rows(report)[1:]
    if clerks:
        row = _write_table(ws, row + 1, columns, clerks)
    else:
        ws.cell(row=row + 1, column=1, value="Không có dữ liệu trong kỳ.")
        row += 2
    row += 1
    ws.cell(row=row, column=1, value="III. LÝ DO CHƯA HÀI LÒNG").font = BOLD
    if sat["reasons"]:
        row = _write_table(ws, row + 1, [("Lý do", TEXT), ("Số lượt chọn", INT), LOW_REASONS],
                           [[r["reason"], r["count"], r["dissatisfied"]] for r in sat["reasons"]])
    else:
        ws.cell(row=row + 1, column=1, value="Không có.")
        row += 2
    row += 1
    ws.cell(row=row, column=1, value="Cách quy đổi: " + MAPPING_NOTE).alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=8)
    ws.row_dimensions[row].height = 46
    row += 2
    ws.cell(row=row, column=5, value="......, ngày ..... tháng ..... năm ......").alignment = Alignment(horizontal="center")
    ws.merge_cells(start_row=row, start_column=5, end_row=row, end_column=8)
    ws.cell(row=row + 1, column=1, value="NGƯỜI LẬP BIỂU").font = BOLD
    ws.cell(row=row + 1, column=5, value="THỦ TRƯỞNG ĐƠN VỊ").font = BOLD
    ws.cell(row=row + 1, column=5).alignment = Alignment(horizontal="center")
    ws.merge_cells(start_row=row + 1, start_column=5, end_row=row + 1, end_column=8)
    ws.column_dimensions["A"].width = 30
    for letter in "BCDEFGH":
        ws.column_dimensions[letter].width = 13
    ws.page_setup.orientation = "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


MAPPING_NOTE = scale_rules.grouping_note()


def satisfaction_title_lines(report: dict) -> list[str]:
    """The title as printed, in three lines; the period in capitals (QUÝ IV NĂM 2026)."""
    return ["BÁO CÁO", "KẾT QUẢ ĐÁNH GIÁ MỨC ĐỘ HÀI LÒNG CỦA NGƯỜI DÂN, TỔ CHỨC",
            "ĐỐI VỚI VIỆC GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH " + report["period"]["label"].upper()]


def satisfaction_title(report: dict) -> str:
    """BÁO CÁO KẾT QUẢ ĐÁNH GIÁ MỨC ĐỘ HÀI LÒNG ... QUÝ IV NĂM 2026, on one line."""
    return " ".join(satisfaction_title_lines(report))


def _save(wb: Workbook) -> bytes:
    """The workbook as .xlsx bytes."""
    for ws in wb.worksheets:  # openpyxl stores any text starting with "=" as a formula: keep typed text as text
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def workbook(report: dict) -> bytes:
    """The whole report: one sheet per view, Vietnamese headings; "Hài lòng" in the upward form."""
    wb = Workbook()
    wb.remove(wb.active)
    for view in views(report):
        ws = wb.create_sheet(view.sheet)
        if view.key == "summary":
            _summary_sheet(ws, report)
        elif view.key == "satisfaction":
            satisfaction_sheet(ws, report)
        else:
            top = _heading_block(ws, report, view.title)
            if view.rows:
                _write_table(ws, top, view.columns, view.rows)
                ws.freeze_panes = ws.cell(row=top + 1, column=2)
            else:
                _write_table(ws, top, view.columns, [])
                ws.cell(row=top + 1, column=1, value="Không có dữ liệu trong kỳ.")
    wb.properties.title = f"Báo cáo {report['period']['label']} - {report['office']['name']}"
    wb.properties.creator = "motcua"
    return _save(wb)


def satisfaction_workbook(report: dict) -> bytes:
    """Only the satisfaction report as sent upward, ready to print on A4."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Báo cáo hài lòng"
    satisfaction_sheet(ws, report)
    wb.properties.title = satisfaction_title(report)
    wb.properties.creator = "motcua"
    return _save(wb)
