"""Reports room: the view by dossier (/admin/reports/dossiers), its CSV, and the index as JSON.

Admins and leaders of an office, like every report; the figures are ``dossier_index``'s.
"""

from __future__ import annotations

import csv
import io
from urllib.parse import urlencode

from flask import jsonify, render_template, request

import errors
from admin.access import page, reader
from api import openapi
from rules import dossier as dossier_rules

from . import bp, dossier_index
from .export import FORMULA_START
from .routes import _download, _office, _report

openapi.register(
    ("get", "/api/reports/dossiers", "The satisfaction index by dossier (QĐ 766) for a period, per office, field, "
     "clerk and month, beside the three-level figures; channels; alerts handled (same period query as /api/reports)",
     "admin, leader", None, 200, {"type": "object", "required": ["period", "total", "by_field", "by_clerk"]}),
)

CSV_COLUMNS = ("Ngày", "Mã hồ sơ", "Tiếp nhận/trả kết quả", "Số thứ tự", "Lĩnh vực", "Quầy", "Cán bộ", "Đánh giá",
               "Tính là không hài lòng (QĐ 766)", "Kênh")


def _page_arg() -> int:
    """The page number asked for (1 by default)."""
    text = (request.args.get("page") or "1").strip()
    if not text.isdigit() or not 1 <= int(text) <= 1_000_000:
        raise errors.Invalid("Số trang phải là số nguyên dương.", fields={"page": "integer"})
    return int(text)


@bp.get("/admin/reports/dossiers")
@page
def dossiers_page():
    """Every dossier code of the period with its visit and the verdict counted for it."""
    office = _office()
    period, report = _report(office)
    data = dossier_index.dossier_rows(office, period, _page_arg())
    return render_template("reports/dossiers.html", office=office, period=period, data=data,
                           index=dossier_index.build(office, period, report), query=urlencode(period.query()),
                           kinds=dossier_rules.KINDS)


@bp.get("/admin/reports/dossiers.csv")
@page
def dossiers_csv():
    """The view by dossier as CSV (UTF-8 with BOM), every row of the period."""
    office = _office()
    period, _report_ = _report(office)
    data = dossier_index.dossier_rows(office, period, 1, per_page=10**7)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in data["items"]:
        cells = [row["day"], row["code"], dossier_rules.kind_word(row["kind"]), row["number"], row["field"],
                 row["counter"], row["clerk"], row["level_label"] or "Chưa đánh giá", "Có" if row["against"] else "Không",
                 row["channel"]]
        writer.writerow(["'" + c if isinstance(c, str) and c.startswith(FORMULA_START) else ("" if c is None else c)
                         for c in cells])
    return _download(out.getvalue().encode("utf-8-sig"), f"ho-so-{period.slug}.csv", "text/csv; charset=utf-8")


@bp.get("/api/reports/dossiers")
@reader
def api_dossier_index():
    """The index figures of the period, as the report page shows them."""
    office = _office()
    period, report = _report(office)
    return jsonify(dict(period=period.as_dict(), **dossier_index.build(office, period, report)))
