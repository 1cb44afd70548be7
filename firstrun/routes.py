"""First-run room: the one-time code, the setup page and the call that creates the office.

Nobody else on the LAN can take the office first: the setup call needs the code printed in the
server's start-up log (also in ``INSTANCE_DIR/setup-code``, mode 0600). After ten wrong codes the
code is replaced and the new one logged. Once an office exists the page is gone (it redirects to
the admin) and the code file is deleted.
"""

from __future__ import annotations

import hmac
import logging
import pathlib
import re
import secrets

from flask import current_app, jsonify, redirect, render_template

import baseurl
import demo
import errors
import models
import passwords
import security
from api.openapi import register
from api.validation import int_value, json_body, str_value
from models import Counter, CounterField, Field, Office, PriorityCategory, Procedure, User
from rules import access, calendar

from . import bp

log = logging.getLogger("motcua")

CODE_FILE = "setup-code"
MAX_WRONG_CODES = 10
MAX_COUNTERS = 30
URL_RE = re.compile(r"https?://[A-Za-z0-9.\-]+(:\d{1,5})?")
USERNAME_RE = re.compile(r"[a-z0-9._-]{3,64}")
# Fields ticked on the page at first: the ones nearly every commune office opens.
COMMON_FIELDS = ("HT", "CT", "DD", "LD", "BT")
_wrong = {"count": 0}


def _code_path(app) -> pathlib.Path:
    """Where the one-time code is kept."""
    return pathlib.Path(app.config["INSTANCE_DIR"]) / CODE_FILE


def _new_code(app) -> str:
    """Make and keep a fresh one-time code: 9 digits in three groups, easy to read off a screen."""
    digits = f"{secrets.randbelow(10**9):09d}"
    code = f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
    baseurl.write_private(_code_path(app), code + "\n")
    return code


def _has_office() -> bool:
    """True once the database holds an office."""
    with models.connection():
        return Office.select().exists()


def startup_code(app) -> str | None:
    """At start: the setup code when the database has no office (made if missing), else None."""
    path = _code_path(app)
    if _has_office():
        path.unlink(missing_ok=True)
        return None
    try:
        code = path.read_text().strip()
    except OSError:
        code = ""
    return code or _new_code(app)


def _check_code(sent: str) -> None:
    """Refuse a wrong one-time code (403); after too many, replace the code and log the new one."""
    try:
        expected = _code_path(current_app).read_text().strip()
    except OSError:
        expected = ""
    if expected and hmac.compare_digest(sent.replace(" ", ""), expected):
        return
    _wrong["count"] += 1
    if expected and _wrong["count"] >= MAX_WRONG_CODES:
        _wrong["count"] = 0
        code = _new_code(current_app)
        log.warning("Too many wrong setup codes: the new one-time setup code is %s", code)
    raise errors.DomainError("Mã thiết lập không đúng. Mã được in trong nhật ký khởi động của máy chủ.",
                                code="setup_code", status=403)


# --------------------------------------------------------------------------- pages


@bp.get("/setup")
def page():
    """The setup page (only while the database has no office)."""
    if _has_office():
        return redirect("/admin")
    catalogue = [{"code": code, "name": name, "name_en": name_en, "procedures": [p[0] for p in procedures],
                  "checked": code in COMMON_FIELDS}
                 for code, name, name_en, procedures in demo.FIELDS]
    return render_template("firstrun/setup.html", catalogue=catalogue, base_url=baseurl.public_base_url(current_app),
                           weekdays=[(day, calendar.weekday_name(day)) for day in range(1, 8)])


def _fail(name: str, message: str):
    """A 422 naming the box that is wrong."""
    raise errors.Invalid(message, fields={name: message})


@bp.post("/api/setup")
def create_office():
    """Create the office from the setup page: settings, fields with procedures, counters, first admin."""
    from admin import store

    data = json_body()
    _check_code(str_value(data, "code", max_length=20))
    if _has_office():
        raise errors.DomainError("Đơn vị đã được thiết lập.", code="already_set_up", status=409)
    username = str_value(data, "username", max_length=64).lower()
    if not USERNAME_RE.fullmatch(username):
        _fail("username", "Tên đăng nhập gồm 3-64 chữ thường không dấu, số, dấu chấm, - hoặc _.")
    password = data.get("password")
    problem = passwords.problem(password)
    if problem:
        _fail("password", problem)
    full_name = str_value(data, "full_name", max_length=120)
    base_url = str_value(data, "public_base_url", max_length=200).rstrip("/")
    if not URL_RE.fullmatch(base_url):
        _fail("public_base_url", "Địa chỉ phải có dạng http://192.168.1.10:5000 (không có đường dẫn).")
    catalogue = {code: (name, name_en, procedures) for code, name, name_en, procedures in demo.FIELDS}
    codes = data.get("fields")
    if not isinstance(codes, list) or not codes or not all(isinstance(c, str) and c in catalogue for c in codes):
        _fail("fields", "Chọn ít nhất một lĩnh vực.")
    counters = int_value(data, "counters", minimum=1, maximum=MAX_COUNTERS)
    settings = {key: data[key] for key in ("name", "address", "open_time", "lunch_start", "lunch_end", "close_time",
                                           "cutoff_time", "working_days") if key in data}
    with models.connection(), models.write_transaction():
        if Office.select().exists():
            raise errors.DomainError("Đơn vị đã được thiết lập.", code="already_set_up", status=409)
        office = Office.create(name=str(settings.get("name") or "")[:200] or "?")
        admin = User.create(office=office, username=username, full_name=full_name, role=access.ADMIN,
                            password_hash=security.hash_password(password))
        store.update_settings(office.id, admin, settings)  # the admin page's own checks (422 per box)
        fields = []
        for order, code in enumerate(dict.fromkeys(codes), start=1):
            name, name_en, procedures = catalogue[code]
            field = Field.create(office=office, code=code, name=name, name_en=name_en,
                                 number_start=order * 1000 + 1, sort_order=order, daily_cap=models.DEFAULT_DAILY_CAP)
            fields.append(field)
            for index, (pname, time, fee, documents) in enumerate(procedures):
                Procedure.create(field=field, name=pname, processing_time=time, fee=fee, documents=documents,
                                 sort_order=index)
        for order, (code, name, name_en, icon) in enumerate(demo.PRIORITIES):
            PriorityCategory.create(office=office, code=code, name=name, name_en=name_en, icon=icon, sort_order=order)
        for number in range(1, counters + 1):
            counter = Counter.create(office=office, number=number, name=f"Quầy {number}", state="closed")
            for field in fields:
                CounterField.create(counter=counter, field=field)
        store.audit(office.id, admin, "setup", "Thiết lập lần đầu", None,
                    {"fields": [f.code for f in fields], "counters": counters, "public_base_url": base_url})
    _finish(base_url)
    with models.connection():
        security.login(username, password)
    return jsonify({"ok": True, "office": {"id": office.id, "name": office.name}, "next": "/admin/devices"}), 201


def _finish(base_url: str) -> None:
    """Keep the public base URL (unless the setting fixes it) and retire the one-time code."""
    baseurl.keep(current_app, base_url)
    _code_path(current_app).unlink(missing_ok=True)


register(
    ("post", "/api/setup", "First-run setup of an empty database (needs the one-time code from the start-up log)",
     "anyone holding the one-time code",
     {"type": "object", "additionalProperties": True,
      "required": ["code", "name", "fields", "counters", "username", "full_name", "password", "public_base_url"],
      "properties": {"code": {"type": "string"}, "name": {"type": "string"}, "address": {"type": "string"},
                     "open_time": {"type": "string"}, "lunch_start": {"type": "string"}, "lunch_end": {"type": "string"},
                     "close_time": {"type": "string"}, "cutoff_time": {"type": "string"},
                     "working_days": {"type": "array", "items": {"type": "integer"}},
                     "fields": {"type": "array", "items": {"type": "string"}}, "counters": {"type": "integer"},
                     "username": {"type": "string"}, "full_name": {"type": "string"}, "password": {"type": "string"},
                     "public_base_url": {"type": "string"}}},
     201, None),
)
