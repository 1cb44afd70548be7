"""Security room: who is asking (person by session, device by token), roles, CSRF, throttling.

Views declare who may call them with ``@require(roles=..., devices=...)``; the identity is
resolved once per request in ``load_identity`` and kept on ``flask.g``.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import secrets

from flask import g, request, session
from werkzeug.security import check_password_hash, generate_password_hash

import models
from models import Counter, Device, User, UserCounter, utcnow
from errors import DomainError, Forbidden, Unauthorized
from rules import access

DEVICE_HEADER = "X-Device-Token"
DEVICE_COOKIE = "motcua_device"
CSRF_HEADER = "X-CSRF-Token"
MAX_FAILED_LOGINS = 5
LOCK_MINUTES = 5


def hash_token(token: str) -> str:
    """SHA-256 of a device token: tokens are stored only hashed."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_device_token() -> str:
    """A fresh device token (shown once, at pairing)."""
    return secrets.token_urlsafe(32)


def hash_password(password: str) -> str:
    """Hash a password for storage."""
    return generate_password_hash(password)


def device_from_token(token: str | None) -> Device | None:
    """The active device with this token, if any."""
    if not token:
        return None
    sql = models.prepared_sql(
        (Device, "by_token"),
        lambda: Device.select().where((Device.token_hash == "") & (Device.revoked_at.is_null())).limit(1),
    )
    return next(iter(Device.raw(sql, hash_token(token), 1)), None)


def _touch(device: Device) -> None:
    """Record when a device was last seen, at most once a minute (avoid a write per request)."""
    now = utcnow()
    if device.last_seen is None or (now - device.last_seen).total_seconds() > 60:
        Device.update(last_seen=now).where(Device.id == device.id).execute()
        device.last_seen = now


def load_identity() -> None:
    """Resolve the person and/or device behind this request onto ``g``."""
    g.user = None
    g.device = None
    g.auth_via_cookie = False
    token = request.headers.get(DEVICE_HEADER)
    if not token:
        token = request.cookies.get(DEVICE_COOKIE)
        g.auth_via_cookie = bool(token)
    if token:
        g.device = device_from_token(token)
        if g.device is not None:
            _touch(g.device)
    uid = session.get("uid")
    if uid:
        user = models.fetch_by_id(User, uid) if isinstance(uid, int) else None
        if user is not None and user.active and session.get("pwv") == user.password_hash[-12:]:
            g.user = user
            g.auth_via_cookie = True
        else:
            session.pop("uid", None)


def current_office_id() -> int | None:
    """The office of the caller (user's or device's)."""
    if g.get("user") is not None and g.user.office_id:
        return g.user.office_id
    if g.get("device") is not None:
        return g.device.office_id
    return None


def csrf_token() -> str:
    """The session's CSRF token, created on first use."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(24)
    return session["csrf"]


def check_csrf() -> None:
    """Cookie-authenticated writes must echo the session's CSRF token in a header."""
    if request.method in ("GET", "HEAD", "OPTIONS") or not g.get("auth_via_cookie"):
        return
    sent = request.headers.get(CSRF_HEADER, "")
    expected = session.get("csrf", "")
    if not expected or not hmac.compare_digest(sent, expected):
        raise Forbidden("Phiên làm việc đã hết hạn, hãy tải lại trang (CSRF).", code="csrf_failed")


def require(roles=(), devices=()):
    """Allow people with one of ``roles`` or devices of one of ``devices`` kinds."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            user, device = g.get("user"), g.get("device")
            if user is None and device is None:
                raise Unauthorized("Vui lòng đăng nhập hoặc ghép nối thiết bị.")
            if user is not None and user.role in roles:
                return view(*args, **kwargs)
            if device is not None and device.kind in devices:
                return view(*args, **kwargs)
            raise Forbidden("Bạn không có quyền thực hiện thao tác này.")

        return wrapped

    return decorator


def login(username: str, password: str) -> User:
    """Check credentials with throttling; start the session."""
    user = User.get_or_none(User.username == username)
    now = utcnow()
    if user is not None and user.locked_until and user.locked_until > now:
        wait = int((user.locked_until - now).total_seconds() // 60) + 1
        raise DomainError(
            f"Đăng nhập sai quá nhiều lần. Thử lại sau {wait} phút.", code="too_many_attempts", status=429
        )
    if user is None or not user.active or not check_password_hash(user.password_hash, password):
        if user is not None:
            failed = user.failed_logins + 1
            locked = now + dt.timedelta(minutes=LOCK_MINUTES) if failed >= MAX_FAILED_LOGINS else None
            User.update(failed_logins=0 if locked else failed, locked_until=locked).where(
                User.id == user.id
            ).execute()
        raise Unauthorized("Sai tên đăng nhập hoặc mật khẩu.", code="bad_credentials")
    if user.failed_logins or user.locked_until:
        User.update(failed_logins=0, locked_until=None).where(User.id == user.id).execute()
    session.clear()
    session["uid"] = user.id
    session["pwv"] = user.password_hash[-12:]
    session.permanent = True
    csrf_token()
    g.user = user
    return user


def logout() -> None:
    """End the session."""
    session.clear()


def can_use_counter(user: User | None, counter: Counter) -> bool:
    """Who works at any counter of the office may (rules.access); the others only where assigned."""
    if user is None or user.office_id != counter.office_id:
        return False
    if access.may(user, access.ANY_COUNTER):
        return True
    sql = models.prepared_sql(
        "user_counter_exists",
        lambda: UserCounter.select(UserCounter.id).where((UserCounter.user == 0) & (UserCounter.counter == 0)).limit(1),
    )
    return models.db.execute_sql(sql, (user.id, counter.id, 1)).fetchone() is not None


def check_counter_access(counter: Counter) -> None:
    """Raise unless the caller may act for this counter."""
    if not can_use_counter(g.get("user"), counter):
        raise Forbidden("Bạn không được phân công quầy này.")
