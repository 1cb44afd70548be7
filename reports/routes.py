"""Reports room: routes of the live monitor, the reports, their exports and their JSON API.

Admins and leaders of an office only (the admin room's access rules: clerks and devices get
403, the anonymous the login page or 401). Every figure comes from ``compute``.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote, urlencode

from flask import Response, g, jsonify, render_template, request

import errors
import ticketing
from admin.access import office_id, page, reader
from api import openapi
from booking import figures as booking_figures
from rules import rating as scale_rules
from rules import states

from . import bp, compute, dossier_index, export

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_VIEWS = {
    "summary": "Tổng hợp", "fields": "Theo lĩnh vực", "counters": "Theo quầy", "clerks": "Theo cán bộ",
    "hours": "Theo giờ", "weekdays": "Theo thứ", "trend": "Theo ngày/tháng", "satisfaction": "Hài lòng theo cán bộ",
    "levels": "Mức đánh giá", "reasons": "Lý do chưa hài lòng", "comments": "Góp ý",
}


def _office():
    """The caller's office."""
    return ticketing.get_office(office_id())


def _today(office) -> dt.date:
    """The office's current business day."""
    return ticketing.business_day(office)


def _report(office, args=None, default_kind: str | None = None):
    """The period asked for in the query string and its report."""
    args = dict((args if args is not None else request.args).items())
    if default_kind and not args.get("period"):
        args["period"] = default_kind
    period = compute.period_from_args(args, _today(office))
    return period, compute.build_report(office, period)


def _download(data, filename: str, mimetype: str) -> Response:
    """A file download with a Vietnamese-safe file name (RFC 5987) and an ASCII fallback."""
    ascii_name = filename.encode("ascii", "ignore").decode() or "bao-cao"
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _form_values(period: compute.Period, today: dt.date) -> dict:
    """Values the period form shows: the chosen period's, defaults for the other kinds.

    Dates are typed as dd/mm/yyyy and months chosen from lists: browsers show native date and
    month inputs in their own language's order (mm/dd/yyyy on an English browser).
    """
    kind = period.kind
    return {
        "kind": kind,
        "date": f"{period.start if kind == 'day' else today:%d/%m/%Y}",
        "from": f"{period.start if kind == 'range' else today.replace(day=1):%d/%m/%Y}",
        "to": f"{period.end if kind == 'range' else today:%d/%m/%Y}",
        "month": period.start.month if kind == "month" else today.month,
        "year": period.start.year if kind in ("month", "quarter", "year") else today.year,
        "quarter": (period.start.month - 1) // 3 + 1 if kind == "quarter" else (today.month - 1) // 3 + 1,
    }


# --------------------------------------------------------------------------- pages


@bp.get("/admin/monitor")
@page
def monitor():
    """Live monitor: counters, queues, longest wait, today's figures, printers and alerts."""
    office = _office()
    return render_template("reports/monitor.html", office=office, counter_states=states.COUNTER_STATES,
                           today=compute.today_figures(office), day=_today(office))


@bp.get("/admin/reports")
@page
def reports_page():
    """Reports with charts for a day, range, month, quarter or year, and the export links."""
    office = _office()
    today = _today(office)
    error = None
    try:
        period, report = _report(office)
    except errors.DomainError as exc:
        # A mistyped period shows the message above the form and this month's report.
        error = exc.message
        period, report = _report(office, {"period": "month"})
    query = urlencode(period.query())
    return render_template(
        "reports/reports.html", office=office, report=report, period=period, error=error, query=query,
        form=_form_values(period, today), csv_views=CSV_VIEWS, years=sorted({*range(today.year - 5, today.year + 1), period.start.year}, reverse=True),
        summary=export.summary_rows(report), mapping_note=export.MAPPING_NOTE,
        booking=booking_figures.report(office, period.start, period.end, today),  # by channel, appointments
        index=dossier_index.build(office, period, report),
    )


@bp.get("/admin/reports/satisfaction")
@page
def satisfaction_page():
    """The satisfaction report as sent upward, ready to print (default: the current quarter)."""
    office = _office()
    period, report = _report(office, default_kind="quarter")
    return render_template(
        "reports/satisfaction.html", office=office, report=report, period=period,
        title=export.satisfaction_title(report), title_lines=export.satisfaction_title_lines(report),
        rows=export.satisfaction_rows(report),
        mapping_note=export.MAPPING_NOTE, query=urlencode(period.query()),
    )


# --------------------------------------------------------------------------- exports


@bp.get("/admin/reports/export.xlsx")
@page
def export_xlsx():
    """The whole report as an Excel workbook, one sheet per view."""
    period, report = _report(_office())
    return _download(export.workbook(report), f"bao-cao-{period.slug}.xlsx", XLSX)


@bp.get("/admin/reports/export.csv")
@page
def export_csv():
    """One view of the report as CSV (UTF-8 with BOM so Excel shows Vietnamese correctly)."""
    view = request.args.get("view", "summary")
    if view not in CSV_VIEWS:
        raise errors.Invalid("Bảng không tồn tại.", fields={"view": sorted(CSV_VIEWS)})
    period, report = _report(_office())
    text = export.csv_text(report, view)
    return _download(text.encode("utf-8-sig"), f"bao-cao-{view}-{period.slug}.csv", "text/csv; charset=utf-8")


@bp.get("/admin/reports/satisfaction.xlsx")
@page
def export_satisfaction():
    """The upward satisfaction report as a one-sheet workbook (default: the current quarter)."""
    period, report = _report(_office(), default_kind="quarter")
    return _download(export.satisfaction_workbook(report), f"bao-cao-hai-long-{period.slug}.xlsx", XLSX)


# --------------------------------------------------------------------------- JSON


@bp.get("/api/reports")
@reader
def api_report():
    """Every figure of the report for the period in the query string."""
    _period, report = _report(_office())
    return jsonify(report)


@bp.get("/api/reports/today")
@reader
def api_today():
    """Today's figures for the live monitor."""
    return jsonify(compute.today_figures(_office()))


@bp.get("/api/reports/satisfaction")
@reader
def api_satisfaction():
    """The upward satisfaction report's figures (default: the current quarter)."""
    period, report = _report(_office(), default_kind="quarter")
    return jsonify({
        "title": export.satisfaction_title(report),
        "office": report["office"],
        "period": report["period"],
        "ratings": report["satisfaction"]["ratings"],
        "served": report["satisfaction"]["served"],
        "rated_share": report["satisfaction"]["rated_share"],
        "groups": report["satisfaction"]["groups"],
        "by_clerk": [{"id": c["id"], "name": c["name"], "ratings": c["ratings"], "satisfaction": c["satisfaction"]}
                     for c in report["by_clerk"] if c["ratings"]],
        "mapping": export.MAPPING_NOTE,
    })


PERIOD_HELP = ("Query: period=day&date=YYYY-MM-DD | period=range&from=YYYY-MM-DD&to=YYYY-MM-DD (max 366 days) | "
               "period=month&month=YYYY-MM | period=quarter&year=YYYY&quarter=1-4 | period=year&year=YYYY; "
               "days are the office's business days (Ticket.day), hours Asia/Ho_Chi_Minh")
openapi.register(
    ("get", "/api/reports", f"Report figures for a period. {PERIOD_HELP}", "admin, leader", None, 200,
     {"type": "object", "required": ["office", "period", "summary", "by_field", "by_counter", "by_clerk", "by_hour",
                                     "by_weekday", "trend", "satisfaction"]}),
    ("get", "/api/reports/today", "Today's figures for the live monitor (issued, served, waiting, per counter)",
     "admin, leader", None, 200, {"type": "object", "required": ["day", "issued", "served", "waiting"]}),
    ("get", "/api/reports/satisfaction", f"Satisfaction report as sent upward (default: this quarter). {PERIOD_HELP}",
     "admin, leader", None, 200, {"type": "object", "required": ["title", "period", "ratings", "groups", "by_clerk"]}),
)


@bp.app_template_filter("minutes")
def minutes_filter(seconds) -> str:
    """Seconds as Vietnamese minutes text with one decimal ("12,5"); a dash for no data."""
    if seconds is None:
        return "—"
    return f"{seconds / 60:.1f}".replace(".", ",")


@bp.app_template_filter("pct")
def pct_filter(fraction) -> str:
    """A fraction as a Vietnamese percentage ("85,3%"); a dash for no data."""
    if fraction is None:
        return "—"
    return f"{fraction * 100:.1f}%".replace(".", ",")


@bp.app_template_filter("vnint")
def vnint_filter(number) -> str:
    """An integer with Vietnamese thousands separators (12.345)."""
    if number is None:
        return "—"
    return f"{int(number):,}".replace(",", ".")


@bp.app_template_filter("vndate")
def vndate_filter(iso) -> str:
    """dd/mm/yyyy of an ISO date."""
    return dt.date.fromisoformat(str(iso)[:10]).strftime("%d/%m/%Y")


@bp.context_processor
def _reports_globals():
    """Values every reports template may use."""
    return {"group_labels": scale_rules.GROUP_WORDS, "groups": scale_rules.GROUPS, "user": g.get("user")}
