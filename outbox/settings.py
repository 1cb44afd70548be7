"""Outbox room, settings: an office's rate-later days, push endpoint and integration token.

No Flask here. One transaction per save, audited in it (admin.store.audit), like every other
admin change. The push secret is write-only (never sent back, the page says whether one is set);
the integration token is shown once when made and stored hashed, like a device token.
"""

from __future__ import annotations

import secrets

import security
from admin.forms import Form
from admin.store import audit
from models import RatingSettings, utcnow
from statements import write_transaction

from . import adapters
from .push import url_problem

RATE_LATER_MAX_DAYS = 30
SECRET_MIN = 16


def _row(office_id) -> RatingSettings:
    """The office's settings row, made with the defaults when missing (inside a write transaction)."""
    RatingSettings.insert(office=office_id).on_conflict_ignore().execute()
    return RatingSettings.get(RatingSettings.office == office_id)


def settings_dict(settings: RatingSettings) -> dict:
    """The settings as the page and the API show them (the secret only as set / not set)."""
    return {
        "rate_later_days": settings.rate_later_days,
        "push_enabled": settings.push_enabled,
        "push_url": settings.push_url,
        "push_secret_set": bool(settings.push_secret),
        "adapter": settings.adapter,
        "adapters": adapters.choices(),
        "token_set": bool(settings.export_token_hash),
        "token_hint": settings.export_token_hint,
        "token_at": settings.export_token_at.isoformat(timespec="seconds") + "Z" if settings.export_token_at else None,
    }


def _audited(settings: RatingSettings) -> dict:
    """The values the audit log records (the secret as a mark, never its text)."""
    return {"rate_later_days": settings.rate_later_days, "push_enabled": settings.push_enabled,
            "push_url": settings.push_url, "push_secret": "(đã đặt)" if settings.push_secret else "",
            "adapter": settings.adapter}


def update(office_id, user, data: dict) -> RatingSettings:
    """Save a (partial) settings body: all or nothing, audited; 422 naming each bad box."""
    form = Form(data, partial=True)
    form.integer("rate_later_days", "số ngày được đánh giá sau", 0, RATE_LATER_MAX_DAYS)
    form.boolean("push_enabled", "gửi tự động")
    form.text("push_url", "địa chỉ nhận", max_length=500)
    form.text("push_secret", "khóa ký", max_length=200)
    form.choice("adapter", "định dạng", adapters.choices())
    with write_transaction():
        settings = _row(office_id)
        before = _audited(settings)
        values = dict(form.values)
        url = values.get("push_url", settings.push_url)
        if url and "push_url" not in form.errors and url_problem(url):
            form.error("push_url", url_problem(url))
        if values.get("push_secret") == "":
            values.pop("push_secret")  # an empty box keeps the secret already set
        secret = values.get("push_secret", settings.push_secret)
        if "push_secret" in values and len(secret) < SECRET_MIN:
            form.error("push_secret", f"Khóa ký cần ít nhất {SECRET_MIN} ký tự.")
        if values.get("push_enabled", settings.push_enabled):
            if not url:
                form.error("push_url", "Hãy nhập địa chỉ nhận trước khi bật gửi tự động.")
            if not secret:
                form.error("push_secret", "Hãy đặt khóa ký trước khi bật gửi tự động.")
        form.check()
        if values:
            RatingSettings.update(updated_at=utcnow(), **values).where(RatingSettings.id == settings.id).execute()
            after = _audited(RatingSettings.get_by_id(settings.id))
            changed = [k for k in after if after[k] != before[k]]
            if changed:
                audit(office_id, user, "ratings.update", "Đánh giá và liên thông",
                      {k: before[k] for k in changed}, {k: after[k] for k in changed})
    return RatingSettings.get(RatingSettings.office == office_id)


def new_token(office_id, user) -> str:
    """Make a new integration token (the old one stops working); returns it, shown once."""
    token = "mc_" + secrets.token_urlsafe(32)
    with write_transaction():
        settings = _row(office_id)
        RatingSettings.update(export_token_hash=security.hash_token(token), export_token_hint=token[-4:],
                              export_token_at=utcnow()).where(RatingSettings.id == settings.id).execute()
        audit(office_id, user, "ratings.token", "Mã tích hợp xuất đánh giá", None, {"token": f"…{token[-4:]}"})
    return token


def revoke_token(office_id, user) -> None:
    """Stop the integration token working."""
    with write_transaction():
        settings = _row(office_id)
        if settings.export_token_hash:
            RatingSettings.update(export_token_hash="", export_token_hint="", export_token_at=None).where(
                RatingSettings.id == settings.id).execute()
            audit(office_id, user, "ratings.token_revoke", "Mã tích hợp xuất đánh giá",
                  {"token": f"…{settings.export_token_hint}"}, {"token": ""})


def office_of_token(token: str) -> int | None:
    """The office an integration token belongs to, or None."""
    if not isinstance(token, str) or not token.startswith("mc_") or len(token) > 100:
        return None
    row = RatingSettings.get_or_none(RatingSettings.export_token_hash == security.hash_token(token))
    return row.office_id if row is not None else None
