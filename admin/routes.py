"""Admin room: the HTML pages under /admin (login, settings, fields, counters, users, devices,
voice, audit) and the two binary answers they show (the logo, an office's voice recording)."""

from __future__ import annotations

import io

from flask import g, render_template, request, send_file

import ticketing
from models import CounterField, Field, Procedure, UserCounter, utcnow
from peewee import fn

from . import bp, store
from .access import office_id, page

PER_PAGE = 50

ACTION_NAMES = {
    "settings.update": "Sửa cài đặt",
    "logo.update": "Đổi logo",
    "logo.delete": "Xóa logo",
    "priority.create": "Thêm đối tượng ưu tiên",
    "priority.update": "Sửa đối tượng ưu tiên",
    "priority.delete": "Xóa đối tượng ưu tiên",
    "field.create": "Thêm lĩnh vực",
    "field.update": "Sửa lĩnh vực",
    "field.delete": "Xóa lĩnh vực",
    "procedure.create": "Thêm thủ tục",
    "procedure.update": "Sửa thủ tục",
    "procedure.delete": "Xóa thủ tục",
    "counter.create": "Thêm quầy",
    "counter.update": "Sửa quầy",
    "counter.delete": "Xóa quầy",
    "user.create": "Thêm người dùng",
    "user.update": "Sửa người dùng",
    "user.password": "Đặt lại mật khẩu",
    "device.create": "Thêm thiết bị",
    "device.update": "Sửa thiết bị",
    "device.revoke": "Thu hồi thiết bị",
    "device.reissue": "Cấp lại liên kết thiết bị",
    "voice.upload": "Tải lên giọng đọc",
    "voice.delete": "Xóa giọng đọc",
}
# Names of settings and columns as the audit page shows them.
KEY_NAMES = {
    "name": "Tên",
    "address": "Địa chỉ",
    "open_time": "Giờ mở cửa",
    "lunch_start": "Nghỉ trưa từ",
    "lunch_end": "Làm việc lại",
    "close_time": "Giờ đóng cửa",
    "cutoff_time": "Ngừng cấp số",
    "working_days": "Ngày làm việc",
    "holidays": "Ngày nghỉ lễ",
    "region": "Giọng đọc",
    "rating_levels": "Số mức đánh giá",
    "rating_window_s": "Thời gian chờ đánh giá (giây)",
    "rating_reasons": "Lý do chưa hài lòng",
    "phone_rating": "Đánh giá qua điện thoại",
    "priority_ratio": "Lượt ưu tiên liên tiếp",
    "notices": "Thông báo",
    "ticket_footer": "Dòng cuối phiếu",
    "kiosk_ticket_seconds": "Hiện phiếu trên kiosk (giây)",
    "default_service_s": "Phục vụ mặc định (giây)",
    "code": "Mã",
    "name_en": "Tên tiếng Anh",
    "prefix": "Chữ đầu số",
    "number_start": "Số bắt đầu",
    "first_number": "Số đầu tiên",
    "daily_cap": "Tối đa mỗi ngày",
    "sort_order": "Thứ tự",
    "active": "Đang dùng",
    "icon": "Biểu tượng",
    "number": "Số quầy",
    "fields": "Lĩnh vực",
    "state": "Trạng thái",
    "username": "Tên đăng nhập",
    "full_name": "Họ và tên",
    "role": "Vai trò",
    "counters": "Quầy",
    "password": "Mật khẩu",
    "kind": "Loại",
    "counter_id": "Quầy",
    "revoked_at": "Thu hồi lúc",
    "token": "Liên kết",
    "clip": "Bản ghi",
    "logo": "Logo",
    "documents": "Giấy tờ",
    "processing_time": "Thời hạn",
    "fee": "Phí",
    "locked": "Đang bị khóa",
    "settings": "Thiết lập",
    "last_seen": "Lần cuối",
    "created_at": "Tạo lúc",
    "field_id": "Lĩnh vực",
    "id": "Mã số",
}


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


def _render(template: str, **context):
    """Render an admin page with what every page needs."""
    context.setdefault("office", _office())
    return render_template(template, can_write=g.user.role == "admin", **context)


# --------------------------------------------------------------------------- login


def _safe_next(target: str | None) -> str:
    """Where to go after logging in: only a local /admin path (no open redirect)."""
    if target and target.startswith("/admin") and "//" not in target and "\\" not in target:
        return target
    return "/admin"


@bp.get("/admin/login")
def login():
    """The login page of the administration area."""
    return render_template("admin/login.html", next_url=_safe_next(request.args.get("next")))


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
        weekdays=store.WEEKDAYS,
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
        raise ticketing.NotFound("Đơn vị chưa có logo.")
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
    return _render("admin/fields.html", fields=rows)


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
        if user.role == "clerk" and user.active:
            clerks.setdefault(uc.counter_id, []).append(user.full_name or user.username)
    rows = []
    for counter in store.counters(oid):
        data = store.counter_dict(counter)
        data["field_list"] = [field_names[f] for f in data["fields"] if f in field_names]
        data["clerks"] = sorted(clerks.get(counter.id, []))
        rows.append(data)
    return _render("admin/counters.html", counters=rows, fields=field_rows)


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
        rows.append(data)
    return _render("admin/users.html", users=rows, counters=counters, roles=store.ROLE_NAMES, me=g.user.id)


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
            info["own_version"] = int(clip.uploaded_at.timestamp())
        rows.append(info)
    return _render(
        "admin/voice.html",
        office=office,
        clips=rows,
        own_count=len(own),
        region_name=store.REGION_NAMES[office.region],
        max_kb=store.CLIP_MAX_BYTES // 1024,
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
    """The audit log: who changed what, when, before and after."""
    office = _office()
    page_no = max(1, request.args.get("page", 1, type=int) or 1)
    rows, total = store.audit_page(office.id, page_no, PER_PAGE)
    name = _namer(office.id)
    for row in rows:
        row["action_name"] = ACTION_NAMES.get(row["action"], row["action"])
        row["at_text"] = local_text(office, _parse_iso(row["at"]))
        row["changes"] = _changes(row["detail"], name)
    pages = max(1, -(-total // PER_PAGE))
    return _render("admin/audit.html", office=office, entries=rows, total=total, page=page_no, pages=pages)


def _parse_iso(text):
    """Back from realtime.iso() to a naive UTC datetime."""
    import datetime as dt

    return dt.datetime.fromisoformat(text.rstrip("Z")) if text else None


def _show(value) -> str:
    """A before/after value as people read it."""
    if value is None or value == "" or value == []:
        return "—"
    if value is True:
        return "Có"
    if value is False:
        return "Không"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{KEY_NAMES.get(k, k)}: {_show(v)}" for k, v in value.items())
    return str(value)


# Bookkeeping columns a person does not need to read in the log.
HIDDEN_KEYS = {"id", "created_at", "last_seen", "first_number", "locked", "field_id", "state"}


def _namer(office_id: int):
    """A function giving a stored value the words people use for it (ids become names)."""
    fields = {f.id: f.name for f in Field.select(Field.id, Field.name).where(Field.office == office_id)}
    counters = {c.id: f"Quầy {c.number}" for c in store.counters(office_id)}
    by_key = {"kind": store.KIND_NAMES, "role": store.ROLE_NAMES, "region": store.REGION_NAMES,
              "working_days": store.WEEKDAYS, "fields": fields, "counters": counters, "counter_id": counters}

    def name(key, value):
        table = by_key.get(key)
        if table is None or value is None:
            return value
        if isinstance(value, list):
            return [table.get(v, f"#{v}") for v in value]
        return table.get(value, value)

    return name


def _changes(detail: dict, name) -> list[dict]:
    """Rows of (what, before, after) for the audit page."""
    before, after = detail.get("before") or {}, detail.get("after") or {}
    keys = [k for k in dict.fromkeys([*after.keys(), *before.keys()]) if k not in HIDDEN_KEYS]
    rows = []
    for key in keys:
        old, new = name(key, before.get(key)), name(key, after.get(key))
        if not before and new in (None, "", [], {}):
            continue  # a new row's empty columns say nothing
        rows.append({"name": KEY_NAMES.get(key, key), "before": _show(old) if before else "",
                     "after": _show(new) if after else ""})
    return rows
