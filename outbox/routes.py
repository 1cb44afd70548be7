"""Outbox room: routes of the export API and files, and the admin page of ratings hand-off settings.

``GET /api/exports/ratings`` answers an integrator holding the office's integration token
(``Authorization: Bearer mc_...``) or a logged-in admin or leader; everything is the caller's
own office. Records come in ``seq`` order (commit order, ticketing.handoff), ``limit`` at a time;
``next`` is the cursor for the following page, so a reader that stores it and asks again gets
every record once.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from urllib.parse import quote

from flask import Response, g, jsonify, render_template, request
from openpyxl import Workbook
from openpyxl.styles import Font

import errors
import ticketing
from admin.access import office_id as admin_office_id
from admin.access import page, reader, writer
from admin.forms import parse_date
from api import openapi
from api.validation import json_body
from models import Office, OutboxItem
from reports.export import FORMULA_START
from rules import access
from rules import rating as scale_rules

from . import adapters, bp, push
from . import settings as store

MAX_PAGE = 1000  # records per JSON page
MAX_FILE = 100_000  # records per CSV / xlsx file
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KINDS = ("rating", "dossier")

EXPORT_QUERY = ("Query: since=<cursor, default 0> (records with seq above it), limit=1-1000 (default 100), "
                "kind=rating|dossier (optional). Bearer integration token or an admin/leader session.")
openapi.register(
    ("get", "/api/exports/ratings", f"Outbox records (ratings per dossier, dossier codes) in commit order. {EXPORT_QUERY}",
     "integration token, admin, leader", None, 200, {"type": "object", "required": ["items", "next", "has_more"],
                                                     "properties": {"items": {"type": "array"},
                                                                    "next": {"type": "integer"},
                                                                    "has_more": {"type": "boolean"}}}),
    ("get", "/api/exports/ratings.csv", "The same records as CSV (UTF-8 with BOM); also from=/to= visit days",
     "integration token, admin, leader", None, 200, None),
    ("get", "/api/exports/ratings.xlsx", "The same records as an Excel workbook; also from=/to= visit days",
     "integration token, admin, leader", None, 200, None),
    ("get", "/api/admin/ratings-settings", "Rate-later days, push endpoint and token state, the push's status",
     "admin, leader", None, 200, None),
    ("put", "/api/admin/ratings-settings", "Change rate-later days and the push (partial body; 422 invalid with fields)",
     "admin", {"type": "object", "properties": {
         "rate_later_days": {"type": "integer", "minimum": 0, "maximum": store.RATE_LATER_MAX_DAYS},
         "push_enabled": {"type": "boolean"}, "push_url": {"type": "string", "maxLength": 500},
         "push_secret": {"type": "string", "maxLength": 200}, "adapter": {"type": "string"}},
         "additionalProperties": True}, 200, None),
    ("post", "/api/admin/ratings-settings/token", "Make a new integration token (shown once; the old one stops)",
     "admin", None, 201, {"type": "object", "properties": {"token": {"type": "string"}}}),
    ("delete", "/api/admin/ratings-settings/token", "Revoke the integration token", "admin", None, 200, None),
)


# --------------------------------------------------------------------------- who asks


def _export_office() -> int:
    """The office whose records the caller may read: its integration token's, or the admin's/leader's own."""
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        office_id = store.office_of_token(token.strip()) if scheme.lower() == "bearer" else None
        if office_id is None:
            raise errors.Unauthorized("Mã tích hợp không đúng hoặc đã bị thu hồi.")
        return office_id
    user = g.get("user")
    if user is None:
        if g.get("device") is not None:
            raise errors.Forbidden("Thiết bị không được xuất dữ liệu đánh giá.")
        raise errors.Unauthorized("Cần mã tích hợp (Authorization: Bearer ...) hoặc đăng nhập quản trị.")
    if not access.may(user, access.READ_ADMIN) or user.office_id is None:
        raise errors.Forbidden("Tài khoản của bạn không được xuất dữ liệu đánh giá.")
    return user.office_id


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    """A bounded integer query argument; 422 naming it otherwise."""
    text = (request.args.get(name) or "").strip()
    if not text:
        return default
    if not text.isdigit() or not low <= int(text) <= high:
        raise errors.Invalid(f"“{name}” phải là số nguyên từ {low} đến {high}.", fields={name: "range"})
    return int(text)


def _records(office_id: int, limit_max: int, default_limit: int, days: bool) -> tuple[list[OutboxItem], int, bool]:
    """The records the query asks for, (rows, next cursor, more after them)."""
    since = _int_arg("since", 0, 0, 2**31 - 1)
    limit = _int_arg("limit", default_limit, 1, limit_max)
    query = OutboxItem.select().where((OutboxItem.office == office_id) & (OutboxItem.seq > since))
    kind = (request.args.get("kind") or "").strip()
    if kind:
        if kind not in KINDS:
            raise errors.Invalid("“kind” phải là rating hoặc dossier.", fields={"kind": list(KINDS)})
        query = query.where(OutboxItem.kind == kind)
    if days:
        for name, op in (("from", "ge"), ("to", "le")):
            text = (request.args.get(name) or "").strip()
            if not text:
                continue
            day = parse_date(text[:20])
            if day is None or not 2000 <= day.year <= 2100:
                raise errors.Invalid(f"“{name}” không phải ngày (YYYY-MM-DD hoặc ngày/tháng/năm).", fields={name: "date"})
            query = query.where(OutboxItem.day >= day if op == "ge" else OutboxItem.day <= day)
    rows = list(query.order_by(OutboxItem.seq).limit(limit + 1))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].seq if rows else since), more


# --------------------------------------------------------------------------- exports


@bp.get("/api/exports/ratings")
def export_json():
    """Outbox records after the cursor ``since``, in commit order (docs/API.md, "Hand-off")."""
    office_id = _export_office()
    office = ticketing.get_office(office_id)
    rows, cursor, more = _records(office_id, MAX_PAGE, 100, days=False)
    return jsonify({
        "office": {"id": office.id, "code": office.code, "name": office.name},
        "since": _int_arg("since", 0, 0, 2**31 - 1),
        "count": len(rows),
        "next": cursor,
        "has_more": more,
        "items": [adapters.generic.document(item) for item in rows],
    })


def _file_name(office: Office, suffix: str) -> str:
    """A download's name: danh-gia-<office code or id>-<date>.<suffix>."""
    return f"danh-gia-{office.code or office.id}-{ticketing.business_day(office):%Y%m%d}.{suffix}"


def _download(data: bytes, filename: str, mimetype: str) -> Response:
    """A file download with a Vietnamese-safe name (RFC 5987)."""
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f"attachment; filename=\"{filename}\"; filename*=UTF-8''{quote(filename)}"
    response.headers["Cache-Control"] = "no-store"
    return response


def _as_text(value):
    """A cell: typed text that starts like a formula stays text (a comment "=HYPERLINK(...)")."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


@bp.get("/api/exports/ratings.csv")
def export_csv():
    """The records as CSV, one flat row each (the generic adapter's columns)."""
    office_id = _export_office()
    rows, _cursor, _more = _records(office_id, MAX_FILE, MAX_FILE, days=True)
    out = io.StringIO()
    writer_ = csv.writer(out, lineterminator="\r\n")
    writer_.writerow([heading for heading, _read in adapters.generic.COLUMNS])
    for item in rows:
        writer_.writerow([_as_text(v) for v in adapters.generic.row(item)])
    office = ticketing.get_office(office_id)
    return _download(out.getvalue().encode("utf-8-sig"), _file_name(office, "csv"), "text/csv; charset=utf-8")


@bp.get("/api/exports/ratings.xlsx")
def export_xlsx():
    """The records as one Excel sheet; text stays text (never a formula)."""
    office_id = _export_office()
    rows, _cursor, _more = _records(office_id, MAX_FILE, MAX_FILE, days=True)
    wb = Workbook()
    ws = wb.active
    ws.title = "Đánh giá và hồ sơ"
    ws.append([heading for heading, _read in adapters.generic.COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for item in rows:
        ws.append(["" if v is None else v for v in adapters.generic.row(item)])
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if cell.data_type == "f":  # openpyxl reads text starting with "=" as a formula
                cell.data_type = "s"
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    office = ticketing.get_office(office_id)
    return _download(out.getvalue(), _file_name(office, "xlsx"), XLSX)


# --------------------------------------------------------------------------- admin


@bp.get("/admin/ratings")
@page
def admin_page():
    """Rate-later days, the push to the provincial system, the integration token and exports."""
    office = ticketing.get_office(admin_office_id())
    settings = ticketing.settings_of(office.id)
    recent = list(OutboxItem.select().where(OutboxItem.office == office.id).order_by(OutboxItem.seq.desc()).limit(20))
    return render_template("outbox/admin.html", office=office, settings=store.settings_dict(settings),
                           status=push.status(office.id), recent=recent, can_write=access.may(g.user, access.WRITE_ADMIN),
                           max_days=store.RATE_LATER_MAX_DAYS, secret_min=store.SECRET_MIN, local=_local_text,
                           channel_word=scale_rules.channel_word)


def _local_text(office, value) -> str:
    """A stored UTC datetime (or its ISO text with Z) as the office's local dd/mm/yyyy HH:MM."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value.rstrip("Z"))
    local = ticketing.to_local(office, value)
    return f"{local:%d/%m/%Y %H:%M}" if local else "—"


@bp.get("/api/admin/ratings-settings")
@reader
def get_settings():
    """The settings and the push's status."""
    office_id = admin_office_id()
    return jsonify({"settings": store.settings_dict(ticketing.settings_of(office_id)), "push": push.status(office_id)})


@bp.put("/api/admin/ratings-settings")
@writer
def put_settings():
    """Change the settings (admins only; audited)."""
    settings = store.update(admin_office_id(), g.user, json_body())
    return jsonify({"settings": store.settings_dict(settings)})


@bp.post("/api/admin/ratings-settings/token")
@writer
def make_token():
    """A new integration token, shown this once."""
    return jsonify({"token": store.new_token(admin_office_id(), g.user)}), 201


@bp.delete("/api/admin/ratings-settings/token")
@writer
def drop_token():
    """Revoke the integration token."""
    store.revoke_token(admin_office_id(), g.user)
    return jsonify({"ok": True})
