"""Admin room: who may see and change the administration area.

Admins and leaders of an office read everything; only admins change anything (a leader gets a
clear 403); clerks, devices and province accounts get 403; nobody logged in gets the login page
(HTML) or 401 (JSON).
"""

from __future__ import annotations

import functools

from flask import g, redirect, request, url_for

from errors import Forbidden, Unauthorized
from rules import access


def office_id() -> int:
    """The office of the logged-in admin or leader."""
    return g.user.office_id


def _check(ability) -> None:
    """Raise unless a person with an office and ``ability`` (rules.access) is logged in."""
    user = g.get("user")
    if user is None:
        if g.get("device") is not None:
            raise Forbidden("Thiết bị không được vào khu vực quản trị.")
        raise Unauthorized("Vui lòng đăng nhập.")
    if not access.may(user, access.READ_ADMIN) or user.office_id is None:
        raise Forbidden("Tài khoản của bạn không có quyền vào khu vực quản trị.")
    if not access.may(user, ability):
        raise Forbidden("Tài khoản lãnh đạo chỉ được xem, không được thay đổi thiết lập.")


def reader(view):
    """JSON route for admins and leaders."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        _check(access.READ_ADMIN)
        return view(*args, **kwargs)

    return wrapped


def writer(view):
    """JSON route that changes something: admins only."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        _check(access.WRITE_ADMIN)
        return view(*args, **kwargs)

    return wrapped


def page(view):
    """HTML page for admins and leaders; the anonymous are sent to the login page."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if g.get("user") is None:
            return redirect(url_for("admin.login", next=request.full_path.rstrip("?")))
        _check(access.READ_ADMIN)
        return view(*args, **kwargs)

    return wrapped
