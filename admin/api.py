"""Admin room: the JSON API under /api/admin that the admin pages (static/js/admin.js) call.

Reads are open to admins and leaders, writes to admins only; everything is scoped to the
caller's office. Bad values answer 422 {"error": "invalid", "message", "fields": {name: message}}.
"""

from __future__ import annotations

from flask import current_app, g, jsonify, request

import realtime
import baseurl
import security
from api.openapi import register
from api.validation import json_body
from errors import Invalid
from rules import access
from rules import rating as scale_rules

from . import auditlog, bp, store
from .access import office_id, reader, writer


def _after_change() -> None:
    """Screens of the office show fields, counters and settings: send them a fresh state now."""
    realtime.office_changed(office_id())


def pair_url(token: str) -> str:
    """The absolute pairing link a device opens once (base: baseurl.public_base_url, never the Host header)."""
    return f"{baseurl.public_base_url(current_app)}/pair/{token}"


def _upload(name: str) -> bytes:
    """The bytes of an uploaded file (multipart field ``name``), or a clear refusal."""
    file = request.files.get(name)
    if file is None:
        message = "Chưa chọn tệp."
        raise Invalid(message, fields={name: message})
    try:
        return file.read()
    finally:
        file.close()  # a large upload is spooled to a temporary file: release it now


# --------------------------------------------------------------------------- settings


@bp.get("/api/admin/settings")
@reader
def get_settings():
    """The office's settings and priority categories."""
    office = store.get_office(office_id())
    return jsonify(
        {
            "settings": store.settings_dict(office),
            "categories": [store.category_dict(c) for c in store.categories(office.id)],
        }
    )


@bp.put("/api/admin/settings")
@writer
def put_settings():
    """Save some or all settings (one section of the page at a time is fine)."""
    office = store.update_settings(office_id(), g.user, json_body())
    _after_change()
    return jsonify({"settings": store.settings_dict(office)})


@bp.post("/api/admin/settings/logo")
@writer
def post_logo():
    """Upload the office logo (multipart field ``logo``: PNG or JPEG)."""
    office = store.set_logo(office_id(), g.user, _upload("logo"))
    _after_change()
    return jsonify({"settings": store.settings_dict(office)})


@bp.delete("/api/admin/settings/logo")
@writer
def delete_logo():
    """Remove the office logo."""
    store.delete_logo(office_id(), g.user)
    _after_change()
    return jsonify({"ok": True})


@bp.get("/api/admin/priority-categories")
@reader
def list_categories():
    """Priority categories, active or not."""
    return jsonify({"categories": [store.category_dict(c) for c in store.categories(office_id())]})


@bp.post("/api/admin/priority-categories")
@writer
def post_category():
    """Add a priority category."""
    category = store.create_category(office_id(), g.user, json_body())
    _after_change()
    return jsonify({"category": store.category_dict(category)}), 201


@bp.put("/api/admin/priority-categories/<int:category_id>")
@writer
def put_category(category_id):
    """Change a priority category."""
    category = store.update_category(office_id(), g.user, category_id, json_body())
    _after_change()
    return jsonify({"category": store.category_dict(category)})


@bp.delete("/api/admin/priority-categories/<int:category_id>")
@writer
def delete_category(category_id):
    """Delete a priority category no ticket used."""
    store.delete_category(office_id(), g.user, category_id)
    _after_change()
    return jsonify({"ok": True})


# --------------------------------------------------------------------------- fields and procedures


@bp.get("/api/admin/fields")
@reader
def list_fields():
    """Fields, active or not."""
    return jsonify({"fields": [store.field_dict(f) for f in store.fields(office_id())]})


@bp.post("/api/admin/fields")
@writer
def post_field():
    """Add a field."""
    field = store.create_field(office_id(), g.user, json_body())
    _after_change()
    return jsonify({"field": store.field_dict(field)}), 201


@bp.get("/api/admin/fields/<int:field_id>")
@reader
def get_field(field_id):
    """One field with its procedures."""
    field = store.get_field(office_id(), field_id)
    return jsonify(
        {
            "field": store.field_dict(field),
            "procedures": [store.procedure_dict(p) for p in store.procedures(office_id(), field.id)],
        }
    )


@bp.put("/api/admin/fields/<int:field_id>")
@writer
def put_field(field_id):
    """Change a field."""
    field = store.update_field(office_id(), g.user, field_id, json_body())
    _after_change()
    return jsonify({"field": store.field_dict(field)})


@bp.delete("/api/admin/fields/<int:field_id>")
@writer
def delete_field(field_id):
    """Delete a field that has no tickets."""
    store.delete_field(office_id(), g.user, field_id)
    _after_change()
    return jsonify({"ok": True})


@bp.get("/api/admin/fields/<int:field_id>/procedures")
@reader
def list_procedures(field_id):
    """A field's procedures."""
    return jsonify({"procedures": [store.procedure_dict(p) for p in store.procedures(office_id(), field_id)]})


@bp.post("/api/admin/fields/<int:field_id>/procedures")
@writer
def post_procedure(field_id):
    """Add a procedure to a field's public listing."""
    procedure = store.create_procedure(office_id(), g.user, field_id, json_body())
    return jsonify({"procedure": store.procedure_dict(procedure)}), 201


@bp.put("/api/admin/procedures/<int:procedure_id>")
@writer
def put_procedure(procedure_id):
    """Change a procedure."""
    procedure = store.update_procedure(office_id(), g.user, procedure_id, json_body())
    return jsonify({"procedure": store.procedure_dict(procedure)})


@bp.delete("/api/admin/procedures/<int:procedure_id>")
@writer
def delete_procedure(procedure_id):
    """Delete a procedure."""
    store.delete_procedure(office_id(), g.user, procedure_id)
    return jsonify({"ok": True})


# --------------------------------------------------------------------------- counters


@bp.get("/api/admin/counters")
@reader
def list_counters():
    """Counters and the fields each serves."""
    return jsonify({"counters": [store.counter_dict(c) for c in store.counters(office_id())]})


@bp.post("/api/admin/counters")
@writer
def post_counter():
    """Add a counter."""
    counter = store.create_counter(office_id(), g.user, json_body())
    _after_change()
    return jsonify({"counter": store.counter_dict(counter)}), 201


@bp.put("/api/admin/counters/<int:counter_id>")
@writer
def put_counter(counter_id):
    """Change a counter's number, name or fields."""
    counter = store.update_counter(office_id(), g.user, counter_id, json_body())
    _after_change()
    return jsonify({"counter": store.counter_dict(counter)})


@bp.delete("/api/admin/counters/<int:counter_id>")
@writer
def delete_counter(counter_id):
    """Delete a counter that never served anyone."""
    store.delete_counter(office_id(), g.user, counter_id)
    _after_change()
    return jsonify({"ok": True})


# --------------------------------------------------------------------------- users


@bp.get("/api/admin/users")
@reader
def list_users():
    """Users of the office (no password hashes)."""
    return jsonify({"users": [store.user_dict(u) for u in store.users(office_id())]})


@bp.post("/api/admin/users")
@writer
def post_user():
    """Add a user."""
    user = store.create_user(office_id(), g.user, json_body())
    return jsonify({"user": store.user_dict(user)}), 201


@bp.put("/api/admin/users/<int:user_id>")
@writer
def put_user(user_id):
    """Change a user's name, role, active flag or counters (a new role or a lock closes their screens)."""
    before = store.get_user(office_id(), user_id)
    user = store.update_user(office_id(), g.user, user_id, json_body())
    if (user.role, user.active) != (before.role, before.active):
        security.account_changed(user.id)  # reconnect into the right room, or not at all
    return jsonify({"user": store.user_dict(user)})


@bp.post("/api/admin/users/<int:user_id>/password")
@writer
def post_password(user_id):
    """Set a user's password: their sessions end (the admin's own here stays) and login delays lift."""
    user = store.set_password(office_id(), g.user, user_id, json_body())
    security.end_sessions(user.id, "password", keep_current=True)
    security.clear_login_delays(user.username)
    return jsonify({"user": store.user_dict(user)})


@bp.delete("/api/admin/users/<int:user_id>/sessions")
@writer
def delete_user_sessions(user_id):
    """Log a person out everywhere: every session ends and their screens close (the admin's own too)."""
    user = store.get_user(office_id(), user_id)
    ended = security.end_sessions(user.id, "everywhere")
    store.audit(office_id(), g.user, "user.logout_all",
                f"Người dùng {user.username}", None, {"sessions_ended": ended})
    if user.id == g.user.id:
        security.logout()
    return jsonify({"ok": True, "ended": ended})


# --------------------------------------------------------------------------- devices


@bp.get("/api/admin/devices")
@reader
def list_devices():
    """Devices with last seen and revocation."""
    return jsonify({"devices": [store.device_dict(d) for d in store.devices(office_id())]})


@bp.post("/api/admin/devices")
@writer
def post_device():
    """Create a kiosk, display or tablet; the answer carries its pairing link, once."""
    device, token = store.create_device(office_id(), g.user, json_body())
    return jsonify(_pairing(device, token)), 201


@bp.put("/api/admin/devices/<int:device_id>")
@writer
def put_device(device_id):
    """Rename a device, or move a tablet to another counter."""
    device = store.update_device(office_id(), g.user, device_id, json_body())
    return jsonify({"device": store.device_dict(device)})


@bp.post("/api/admin/devices/<int:device_id>/revoke")
@writer
def revoke_device(device_id):
    """Revoke a device's token."""
    device = store.revoke_device(office_id(), g.user, device_id)
    security.device_revoked(device.id)  # its open screens close now, in every process
    return jsonify({"device": store.device_dict(device)})


@bp.post("/api/admin/devices/<int:device_id>/reissue")
@writer
def reissue_device(device_id):
    """Give a device a new pairing link (the old one stops working)."""
    device, token = store.reissue_device(office_id(), g.user, device_id)
    security.device_revoked(device.id)  # screens still on the old link close
    return jsonify(_pairing(device, token))


def _pairing(device, token: str) -> dict:
    """A device's pairing answer: its link and the link as a QR code drawn here (SVG), shown once."""
    import qr

    url = pair_url(token)
    return {"device": store.device_dict(device), "pair_url": url,
            "pair_qr_svg": qr.svg(url, "Mã QR ghép nối thiết bị")}


# --------------------------------------------------------------------------- voice clips


@bp.get("/api/admin/voice")
@reader
def list_voice():
    """Every clip key, its words in the office's region, and the office's own recordings."""
    office = store.get_office(office_id())
    own = store.voice_clips(office.id)
    clips = []
    for key in store.clip_keys():
        info = store.clip_info(key, office.region)
        clip = own.get(key)
        info["office_clip"] = (
            {"content_type": clip.content_type, "size": clip.size, "uploaded_at": realtime.iso(clip.uploaded_at)}
            if clip
            else None
        )
        clips.append(info)
    return jsonify({"region": office.region, "clips": clips})


@bp.post("/api/admin/voice/<key>")
@writer
def post_voice(key):
    """Upload the office's recording for a clip key (multipart field ``clip``: OGG, MP3 or WAV)."""
    clip = store.upload_clip(office_id(), g.user, key, _upload("clip"))
    realtime.voice_changed(office_id(), key)
    return jsonify({"key": key, "content_type": clip.content_type, "uploaded_at": realtime.iso(clip.uploaded_at)}), 201


@bp.delete("/api/admin/voice/<key>")
@writer
def delete_voice(key):
    """Delete the office's recording: the bundled clip is used again."""
    store.delete_clip(office_id(), g.user, key)
    realtime.voice_changed(office_id(), key)
    return jsonify({"ok": True})


# --------------------------------------------------------------------------- audit


@bp.get("/api/admin/audit")
@reader
def list_audit():
    """The audit log, newest first, 50 a page, narrowed by ?user=&kind=&from=&to=&q= (auditlog.py)."""
    filters = auditlog.parse_filters(office_id(), request.args)
    rows, total = auditlog.audit_page(office_id(), filters["page"], auditlog.PER_PAGE, filters)
    return jsonify(
        {
            "entries": rows,
            "total": total,
            "page": filters["page"],
            "per_page": auditlog.PER_PAGE,
            "pages": max(1, -(-total // auditlog.PER_PAGE)),
            "filters": auditlog.query_args(filters, page=1),
        }
    )


# --------------------------------------------------------------------------- OpenAPI

_ADMIN, _LEADER = "admin of the office", "admin or leader of the office"
_S, _I, _B = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
_INTS, _STRS = {"type": "array", "items": _I}, {"type": "array", "items": _S}


def _obj(required=(), **props):
    """A JSON object schema."""
    return {"type": "object", "required": list(required), "properties": props}


_SETTINGS = _obj(
    name=_S,
    address=_S,
    open_time=_S,
    lunch_start=_S,
    lunch_end=_S,
    close_time=_S,
    cutoff_time=_S,
    working_days=_INTS,
    holidays=_STRS,
    region={"enum": ["north", "south"]},
    rating_levels={"enum": list(scale_rules.SCALES)},
    rating_window_s=_I,
    rating_reasons=_STRS,
    phone_rating=_B,
    priority_ratio=_I,
    notices=_S,
    ticket_footer=_S,
    kiosk_ticket_seconds=_I,
    default_service_s=_I,
)
_CATEGORY = _obj(["code", "name"], code=_S, name=_S, name_en=_S, icon=_S, sort_order=_I, active=_B)
_FIELD = _obj(
    ["name", "code", "number_start"],
    name=_S,
    name_en=_S,
    code=_S,
    prefix=_S,
    number_start=_I,
    daily_cap={"type": ["integer", "null"]},
    sort_order=_I,
    active=_B,
)
_PROCEDURE = _obj(["name"], name=_S, processing_time=_S, fee=_S, documents=_STRS, sort_order=_I)
_COUNTER = _obj(["number", "fields"], number=_I, name=_S, fields=_INTS)
_USER = _obj(
    ["username", "full_name", "role", "password"],
    username=_S,
    full_name=_S,
    role={"enum": list(access.OFFICE_ROLES)},
    password=_S,
    active=_B,
    counters=_INTS,
)
_DEVICE = _obj(["kind", "name"], kind={"enum": list(access.OFFICE_DEVICES)}, name=_S, counter_id=_I)
_FILE = {"description": "multipart/form-data upload"}
AUDIT_HELP = (
    "Query (all optional, combined with AND): user=<username>; kind=<settings|logo|priority|field|procedure|"
    "counter|user|device|voice> or one action such as field.delete; from=YYYY-MM-DD and to=YYYY-MM-DD "
    "(office-local days, both included; dd/mm/yyyy also read); q=<words found in the action, target or a "
    "change's name/before/after as the page shows them; case- and, when typed without accents, accent-"
    "insensitive; at most 100 characters>; page=1.. . A bad value is 422 invalid with fields: {name: message}"
)
_AUDIT_ENTRY = _obj(
    ["id", "at", "action", "action_name", "target", "detail", "user", "user_name", "changes"],
    id=_I,
    at=_S,
    action=_S,
    action_name=_S,
    target=_S,
    detail={"type": "object"},
    user={"type": ["string", "null"]},
    user_name={"type": ["string", "null"]},
    changes={"type": "array", "items": _obj(["name", "before", "after"], name=_S, before=_S, after=_S)},
)
_AUDIT_PAGE = _obj(
    ["entries", "total", "page", "per_page", "pages", "filters"],
    entries={"type": "array", "items": _AUDIT_ENTRY},
    total=_I,
    page=_I,
    per_page=_I,
    pages=_I,
    filters={"type": "object", "description": "the filters applied, as query values (dates ISO)"},
)

register(
    ("get", "/api/admin/settings", "Office settings and priority categories", _LEADER, None, 200, None),
    (
        "put",
        "/api/admin/settings",
        "Save settings (partial body allowed; 422 with fields)",
        _ADMIN,
        _SETTINGS,
        200,
        None,
    ),
    (
        "post",
        "/api/admin/settings/logo",
        "Upload the logo (multipart 'logo', PNG/JPEG <= 512 KB)",
        _ADMIN,
        _FILE,
        200,
        None,
    ),
    ("delete", "/api/admin/settings/logo", "Remove the logo", _ADMIN, None, 200, None),
    ("get", "/api/admin/priority-categories", "Priority categories", _LEADER, None, 200, None),
    ("post", "/api/admin/priority-categories", "Add a priority category", _ADMIN, _CATEGORY, 201, None),
    ("put", "/api/admin/priority-categories/{category_id}", "Change a priority category", _ADMIN, _CATEGORY, 200, None),
    (
        "delete",
        "/api/admin/priority-categories/{category_id}",
        "Delete an unused priority category",
        _ADMIN,
        None,
        200,
        None,
    ),
    ("get", "/api/admin/fields", "Fields", _LEADER, None, 200, None),
    ("post", "/api/admin/fields", "Add a field", _ADMIN, _FIELD, 201, None),
    ("get", "/api/admin/fields/{field_id}", "A field with its procedures", _LEADER, None, 200, None),
    ("put", "/api/admin/fields/{field_id}", "Change a field", _ADMIN, _FIELD, 200, None),
    ("delete", "/api/admin/fields/{field_id}", "Delete a field without tickets", _ADMIN, None, 200, None),
    ("get", "/api/admin/fields/{field_id}/procedures", "A field's procedures", _LEADER, None, 200, None),
    ("post", "/api/admin/fields/{field_id}/procedures", "Add a procedure", _ADMIN, _PROCEDURE, 201, None),
    ("put", "/api/admin/procedures/{procedure_id}", "Change a procedure", _ADMIN, _PROCEDURE, 200, None),
    ("delete", "/api/admin/procedures/{procedure_id}", "Delete a procedure", _ADMIN, None, 200, None),
    ("get", "/api/admin/counters", "Counters and their fields", _LEADER, None, 200, None),
    ("post", "/api/admin/counters", "Add a counter", _ADMIN, _COUNTER, 201, None),
    ("put", "/api/admin/counters/{counter_id}", "Change a counter", _ADMIN, _COUNTER, 200, None),
    ("delete", "/api/admin/counters/{counter_id}", "Delete a counter that never served", _ADMIN, None, 200, None),
    ("get", "/api/admin/users", "Users", _LEADER, None, 200, None),
    ("post", "/api/admin/users", "Add a user", _ADMIN, _USER, 201, None),
    ("put", "/api/admin/users/{user_id}", "Change a user", _ADMIN, _USER, 200, None),
    (
        "post",
        "/api/admin/users/{user_id}/password",
        "Set a user's password",
        _ADMIN,
        _obj(["password"], password=_S),
        200,
        None,
    ),
    ("delete", "/api/admin/users/{user_id}/sessions", "Log a user out everywhere", _ADMIN, None, 200, None),
    ("get", "/api/admin/devices", "Devices with last seen", _LEADER, None, 200, None),
    ("post", "/api/admin/devices", "Create a device; answer holds pair_url once", _ADMIN, _DEVICE, 201, None),
    ("put", "/api/admin/devices/{device_id}", "Rename a device / move a tablet", _ADMIN, _DEVICE, 200, None),
    ("post", "/api/admin/devices/{device_id}/revoke", "Revoke a device (its sockets close)", _ADMIN, None, 200, None),
    ("post", "/api/admin/devices/{device_id}/reissue", "New pairing link for a device", _ADMIN, None, 200, None),
    ("get", "/api/admin/voice", "Clip keys, words and the office's recordings", _LEADER, None, 200, None),
    (
        "post",
        "/api/admin/voice/{key}",
        "Upload a recording (multipart 'clip', OGG/MP3/WAV <= 1 MB)",
        _ADMIN,
        _FILE,
        201,
        None,
    ),
    ("delete", "/api/admin/voice/{key}", "Delete a recording (bundled clip used again)", _ADMIN, None, 200, None),
    ("get", "/api/admin/audit", f"Audit log, newest first, 50 a page. {AUDIT_HELP}", _LEADER, None, 200, _AUDIT_PAGE),
)
