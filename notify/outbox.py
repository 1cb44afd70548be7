"""Notify room, outbox: messages waiting to be sent, written in the caller's transaction.

A message has an idempotency key (``booking:<id>:confirmed``, ``near:<ticket id>``); a key is
written once, ever, so a message can never be queued twice, and the webhook sends the key with
every attempt so the receiver can drop a repeat after a lost answer.
"""

from __future__ import annotations

import datetime as dt

from models import Notification


def enqueue(office_id: int, key: str, kind: str, payload: dict, now: dt.datetime) -> bool:
    """Queue a message unless its key was queued before; True when this call queued it."""
    inserted = (Notification.insert(office=office_id, key=key, kind=kind, payload=payload, created_at=now,
                                    next_attempt_at=now)
                .on_conflict_ignore()
                .returning(Notification.id)
                .tuples())
    return bool(list(inserted.execute()))  # no row back: the key was there (read to the end: SQLite's lock)


def queued(key: str) -> bool:
    """True when a message with this key was ever queued."""
    return Notification.select().where(Notification.key == key).exists()


def forget(office_id: int, before: dt.datetime) -> int:
    """Delete an office's messages created before ``before`` (they carry names and phone numbers)."""
    return Notification.delete().where((Notification.office == office_id) & (Notification.created_at < before)).execute()
