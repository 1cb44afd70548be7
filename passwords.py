"""Password room: the one rule for staff passwords, used by the CLI, the admin pages, first-run
setup and login alike.

A password is taken exactly as typed (never stripped: a space is a character like any other, and
login once stripped what the admin page kept, so such an account could never log in), 8 to 200
characters, not only spaces.
"""

from __future__ import annotations

MIN_LENGTH = 8
MAX_LENGTH = 200


def problem(password) -> str | None:
    """What is wrong with a new password (Vietnamese), or None when it is acceptable."""
    if not isinstance(password, str) or password == "":
        return f"Vui lòng nhập mật khẩu (ít nhất {MIN_LENGTH} ký tự)."
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        return f"Mật khẩu phải có từ {MIN_LENGTH} đến {MAX_LENGTH} ký tự."
    if not password.strip():
        return "Mật khẩu không được chỉ gồm dấu cách."
    return None


def as_typed(value) -> str | None:
    """A password given at login, unchanged (None when it is not a string of at most MAX_LENGTH)."""
    if not isinstance(value, str) or len(value) > MAX_LENGTH:
        return None
    return value
