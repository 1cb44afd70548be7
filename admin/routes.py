"""Admin room: the HTML pages under /admin (login, settings, fields, counters, users, devices,
voice, audit) and the two binary answers they show (the logo, an office's voice recording)."""

from __future__ import annotations

import io

from flask import g, render_template, request, send_file, url_for

import realtime
import ticketing
from errors import Invalid, NotFound
from models import DEFAULT_DAILY_CAP, CounterField, Field, Procedure, UserCounter, utcnow
from rules import access, calendar
from rules import rating as scale_rules
from rules import speech, states
from peewee import fn

from . import auditlog, bp, store
from . import printers as printer_admin
from .access import office_id, page


def _office():
    """The caller's office."""
    return ticketing.get_office(office_id())


def local_text(office, value) -> str:
    """A stored UTC datetime as the office's local "dd/mm/yyyy HH:MM"."""
    local = ticketing.to_local(office, value)
    return local.strftime("%d/%m/%Y %H:%M") if local else ""


def ago_text(office, value) -> str:
    """How long ago, in Vietnamese ("5 phút trước"); the date when older than a day."""
    if value is None:
        return "Chưa kết nối"
    seconds = (utcnow() - value).total_seconds()
    if seconds < 90:
        return "Vừa xong"
    if seconds < 3600:
        return f"{int(seconds // 60)} phút trước"
    if seconds < 86400:
        return f"{int(seconds // 3600)} giờ trước"
    return local_text(office, value)


@bp.app_template_filter("role_name")
def role_name_filter(role: str) -> str:
    """A role's Vietnamese name, for the badge beside the logged-in person."""
    return access.ROLE_NAMES.get(role, role)


def _render(template: str, **context):
    """Render an admin page with what every page needs."""
    context.setdefault("office", _office())
    return render_template(template, can_write=access.may(g.user, access.WRITE_ADMIN), **context)


# --------------------------------------------------------------------------- login


def _safe_next(target: str | None) -> str:
    """Where to go after logging in: only a local /admin path (no open redirect)."""
    if target and target.startswith("/admin") and "//" not in target and "\\" not in target:
        return target
    return "/admin"


@bp.get("/admin/login")
def login():
    """The login page of the administration area."""
    return render_template("admin/login.html", next_url=_safe_next(request.args.get("next")), roles=access.READ_ADMIN)


# --------------------------------------------------------------------------- pages


@bp.get("/admin")
@page
def settings():
    """Office settings: identity, hours, voice, rating, priority, notices."""
    office = _office()
    return _render(
        "admin/settings.html",
        office=office,
        settings=store.settings_dict(office),
        categories=[store.category_dict(c) for c in store.categories(office.id)],
        weekdays=calendar.WEEKDAYS,
        rating_scales_options=[(n, f"{n} mức") for n in scale_rules.SCALES],
        rating_groups=", ".join(scale_rules.GROUP_WORDS[g] for g in scale_rules.GROUPS),
        regions=store.REGION_NAMES,
        icons=store.PRIORITY_ICONS,
        holidays_text="\n".join(_dmy(d) for d in office.holidays or []),
    )


def _dmy(iso_day: str) -> str:
    """2026-09-02 -> 02/09/2026."""
    year, month, day = iso_day.split("-")
    return f"{day}/{month}/{year}"


@bp.get("/admin/logo")
@page
def logo():
    """The office logo (for the settings page preview)."""
    office = _office()
    if not office.logo:
        raise NotFound("Đơn vị chưa có logo.")
    response = send_file(io.BytesIO(bytes(office.logo)), mimetype=office.logo_type or "image/png")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/admin/fields")
@page
def fields():
    """Fields, their numbering, and how many procedures and counters each has."""
    oid = office_id()
    procedure_counts = dict(
        Procedure.select(Procedure.field, fn.COUNT(Procedure.id))
        .join(Field)
        .where(Field.office == oid)
        .group_by(Procedure.field)
        .tuples()
    )
    counter_map: dict[int, list[int]] = {}
    counters = {c.id: c for c in store.counters(oid)}
    for cf in CounterField.select().where(CounterField.counter.in_(list(counters))):
        counter_map.setdefault(cf.field_id, []).append(counters[cf.counter_id].number)
    rows = []
    for field in store.fields(oid):
        data = store.field_dict(field)
        data["procedures"] = procedure_counts.get(field.id, 0)
        data["counter_numbers"] = sorted(counter_map.get(field.id, []))
        rows.append(data)
    return _render("admin/fields.html", fields=rows, default_daily_cap=DEFAULT_DAILY_CAP)


@bp.get("/admin/fields/<int:field_id>")
@page
def field_procedures(field_id):
    """One field's public listing of procedures."""
    field = store.get_field(office_id(), field_id)
    return _render(
        "admin/procedures.html",
        field=store.field_dict(field),
        procedures=[store.procedure_dict(p) for p in store.procedures(office_id(), field.id)],
    )


@bp.get("/admin/counters")
@page
def counters():
    """Counters, the fields each serves and the clerks who may use it."""
    oid = office_id()
    field_rows = [store.field_dict(f) for f in store.fields(oid)]
    field_names = {f["id"]: f for f in field_rows}
    clerks: dict[int, list[str]] = {}
    users = {u.id: u for u in store.users(oid)}
    for uc in UserCounter.select().where(UserCounter.user.in_(list(users))):
        user = users[uc.user_id]
        if access.assigned_counters_only(user.role) and user.active:
            clerks.setdefault(uc.counter_id, []).append(user.full_name or user.username)
    rows = []
    for counter in store.counters(oid):
        data = store.counter_dict(counter)
        data["field_list"] = [field_names[f] for f in data["fields"] if f in field_names]
        data["clerks"] = sorted(clerks.get(counter.id, []))
        rows.append(data)
    return _render("admin/counters.html", counters=rows, fields=field_rows, state_names=states.COUNTER_STATES)


@bp.get("/admin/users")
@page
def users():
    """Users, their roles and the counters clerks may use."""
    oid = office_id()
    counters = [store.counter_dict(c) for c in store.counters(oid)]
    numbers = {c["id"]: c["number"] for c in counters}
    rows = []
    for user in store.users(oid):
        data = store.user_dict(user)
        data["counter_numbers"] = sorted(numbers[c] for c in data["counters"] if c in numbers)
        data["assigned_only"] = access.assigned_counters_only(user.role)
        rows.append(data)
    return _render("admin/users.html", users=rows, counters=counters, roles=access.office_role_names(),
                   assigned_role=access.COUNTER_ASSIGNED[0], me=g.user.id)


@bp.get("/admin/devices")
@page
def devices():
    """Devices with last seen; creating one shows its pairing link and QR code once."""
    office = _office()
    counters = [store.counter_dict(c) for c in store.counters(office.id)]
    numbers = {c["id"]: c for c in counters}
    rows = []
    for device in store.devices(office.id):
        data = store.device_dict(device)
        data["counter"] = numbers.get(device.counter_id)
        data["printer"] = printer_admin.row(device) if device.kind == "kiosk" else None  # issue 14
        data["last_seen_text"] = ago_text(office, device.last_seen)
        data["created_text"] = local_text(office, device.created_at)
        data["revoked_text"] = local_text(office, device.revoked_at)
        rows.append(data)
    return _render(
        "admin/devices.html",
        office=office,
        devices=rows,
        counters=counters,
        kinds=store.KIND_NAMES,
        fields=[store.field_dict(f) for f in store.fields(office.id)],
        **printer_admin.page_context(),
    )


@bp.get("/admin/voice")
@page
def voice():
    """Every announcement clip: the bundled one, the office's own recording, upload and delete."""
    office = _office()
    own = store.voice_clips(office.id)
    rows = []
    for key in store.clip_keys():
        info = store.clip_info(key, office.region)
        clip = own.get(key)
        info["group"] = _clip_group(key)
        info["own"] = clip is not None
        if clip is not None:
            info["own_type"] = clip.content_type
            info["own_size_kb"] = max(1, round(clip.size / 1024))
            info["own_at"] = local_text(office, clip.uploaded_at)
            info["own_version"] = realtime.clip_version(clip.uploaded_at)
        rows.append(info)
    return _render(
        "admin/voice.html",
        office=office,
        clips=rows,
        own_count=len(own),
        region_name=store.REGION_NAMES[office.region],
        max_kb=store.CLIP_MAX_BYTES // 1024,
        phrases=speech.call_phrases(office.region),
    )


def _clip_group(key: str) -> str:
    """The heading a clip key is listed under."""
    if key.startswith("chu_"):
        return "Chữ cái (đọc chữ đầu số, ví dụ A001)"
    if key in ("chime", "moi_cong_dan_co_so_thu_tu", "den_quay_so"):
        return "Tiếng chuông và câu mời"
    return "Số đọc thành lời"


@bp.get("/admin/voice/<key>/audio")
@page
def voice_audio(key):
    """Play back the office's own recording of a clip key."""
    clip = store.get_clip(office_id(), key)
    response = send_file(io.BytesIO(bytes(clip.data)), mimetype=clip.content_type, conditional=True)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/admin/audit")
@page
def audit():
    """The audit log: who changed what, when, before and after; narrowed by who, what, when, words.

    The filters live in the query string, so a filtered page can be bookmarked or sent on; a bad
    one shows its message beside its box (status 422) and lists nothing rather than everything.
    """
    office = _office()
    typed = {name: (request.args.get(name) or "").strip() for name in ("user", "kind", "from", "to", "q")}
    errors, status = {}, 200
    try:
        filters = auditlog.parse_filters(office.id, request.args)
    except Invalid as exc:
        # Every problem is shown beside its own box; the status line asks to correct them.
        errors, status = exc.extra.get("fields") or {}, 422
        filters, rows, total = {"page": 1}, [], 0
    else:
        rows, total = auditlog.audit_page(office.id, filters["page"], auditlog.PER_PAGE, filters)
        for name in ("from", "to"):
            if filters[name]:
                typed[name] = filters[name].strftime("%d/%m/%Y")
        for row in rows:
            row["at_text"] = local_text(office, _parse_iso(row["at"]))
    page_no = filters["page"]
    pages = max(1, -(-total // auditlog.PER_PAGE))
    return _render(
        "admin/audit.html",
        office=office,
        entries=rows,
        total=total,
        page=page_no,
        pages=pages,
        form=typed,
        errors=errors,
        filtered=auditlog.is_filtered(filters) and not errors,
        users=store.users(office.id),
        kinds=auditlog.KINDS,
        actions=auditlog.ACTION_NAMES,
        page_url=lambda n: url_for("admin.audit", **auditlog.query_args(filters, page=n)),
    ), status


def _parse_iso(text):
    """Back from realtime.iso() to a naive UTC datetime."""
    import datetime as dt

    return dt.datetime.fromisoformat(text.rstrip("Z"))
