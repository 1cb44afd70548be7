"""Outbox room, the push: each outbox record POSTed to the office's HTTPS endpoint, at least once.

Run by the background leader only (``background.task``): one process pushes, whatever the number
of server processes. A pass takes the due records of every office whose push is on, oldest
first; each is *claimed* by one conditional UPDATE (pending -> sending, with a lease), sent with
no transaction open, then marked ``sent`` (a 2xx answer) or put back ``pending`` with its next
try after a back-off (``BACKOFF_BASE_S`` doubled per failed try, at most ``BACKOFF_MAX_S``; it
never gives up: at least once). A record left ``sending`` by a process that died is taken again
when its lease ends. So a receiver may see a record twice and must deduplicate by its
``Idempotency-Key``; it never misses one.

Each request (docs/API.md, "Hand-off"): ``POST <push_url>`` with the adapter's body and

- ``Content-Type: application/json; charset=utf-8``
- ``Idempotency-Key: <the record's key>``
- ``X-Motcua-Event: rating | dossier``
- ``X-Motcua-Timestamp: <unix seconds>``
- ``X-Motcua-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>." + body, keyed with the shared secret>``

Network I/O happens outside any transaction (convention 2). Only ``https://`` endpoints are
pushed to, and ``http://`` on this machine's loopback (a local relay, tests).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import logging
import threading
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from peewee import fn

import background
import models
from models import Office, OutboxItem, RatingSettings, utcnow

from . import adapters

log = logging.getLogger(__name__)

BACKOFF_BASE_S = 10.0
BACKOFF_MAX_S = 3600.0
LEASE_S = 120.0  # a claimed record not settled by then is taken again (its process died)
TIMEOUT_S = 10.0
BATCH = 50
IDLE_S = 5.0  # between passes with nothing to send
USER_AGENT = "motcua-outbox/1"


def backoff_s(attempts: int, base: float = BACKOFF_BASE_S, cap: float = BACKOFF_MAX_S) -> float:
    """Seconds before the next try after ``attempts`` failed ones: base, 2 x base, 4 x base, ... at most cap."""
    return min(cap, base * 2 ** max(0, attempts - 1))


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The X-Motcua-Signature value: sha256=<hex HMAC-SHA256 of "<timestamp>." + body>."""
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def url_problem(url: str) -> str | None:
    """Why ``url`` may not be pushed to (Vietnamese), or None: https anywhere, http only on loopback."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "Địa chỉ nhận không hợp lệ."
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return "Địa chỉ nhận phải bắt đầu bằng https://"
    if parts.scheme == "http":
        host = parts.hostname
        try:
            loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            return "Chỉ gửi qua https:// (http:// chỉ dùng cho máy chủ này, 127.0.0.1)."
    return None


def _due(now: dt.datetime, limit: int) -> list[tuple[OutboxItem, RatingSettings]]:
    """Records to send now (pending and due, or a lease run out) of offices whose push is on, oldest first."""
    settings = {s.office_id: s for s in RatingSettings.select().where(RatingSettings.push_enabled == True)  # noqa: E712
                if s.push_url and not url_problem(s.push_url)}
    if not settings:
        return []
    items = (OutboxItem.select()
             .where(OutboxItem.office.in_(list(settings)) & OutboxItem.push_state.in_(("pending", "sending"))
                    & (OutboxItem.next_attempt_at <= now))
             .order_by(OutboxItem.next_attempt_at, OutboxItem.id)
             .limit(limit))
    return [(item, settings[item.office_id]) for item in items]


def _claim(item: OutboxItem, now: dt.datetime) -> bool:
    """Take one record for this pass (one conditional UPDATE): False when another pass has it."""
    # Due and not yet taken: a pass that took it moved its next try past ``now`` (the lease).
    taken = (OutboxItem.update(push_state="sending", next_attempt_at=now + dt.timedelta(seconds=LEASE_S))
             .where((OutboxItem.id == item.id) & OutboxItem.push_state.in_(("pending", "sending"))
                    & (OutboxItem.next_attempt_at <= now))
             .execute())
    return taken == 1


def send(item: OutboxItem, settings: RatingSettings, office: Office, timeout: float = TIMEOUT_S) -> tuple[bool, int | None, str]:
    """POST one record; (taken, HTTP status or None, error text)."""
    body, headers = adapters.get(settings.adapter).push_request(item, office)
    timestamp = str(int(time.time()))
    headers = dict(headers, **{
        "Content-Type": "application/json; charset=utf-8",
        "Idempotency-Key": item.key,
        "X-Motcua-Event": item.kind,
        "X-Motcua-Timestamp": timestamp,
        "X-Motcua-Signature": signature(settings.push_secret, timestamp, body),
        "User-Agent": USER_AGENT,
    })
    request = urllib.request.Request(settings.push_url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (url_problem checked the scheme)
            status = response.status
    except urllib.error.HTTPError as exc:
        return False, exc.code, f"HTTP {exc.code} {exc.reason}"[:300]
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return False, None, f"{type(exc).__name__}: {reason}"[:300]
    if 200 <= status < 300:
        return True, status, ""
    return False, status, f"HTTP {status}"


def _settle(item: OutboxItem, ok: bool, status: int | None, error: str, now: dt.datetime, base_s: float) -> None:
    """Write a try's outcome: sent, or pending again after the back-off."""
    attempts = item.attempts + 1
    if ok:
        values = dict(push_state="sent", pushed_at=now, last_error="")
    else:
        values = dict(push_state="pending", last_error=error,
                      next_attempt_at=now + dt.timedelta(seconds=backoff_s(attempts, base_s)))
    (OutboxItem.update(attempts=attempts, last_status=status, **values)
     .where((OutboxItem.id == item.id) & (OutboxItem.push_state == "sending"))
     .execute())


def push_once(now: dt.datetime | None = None, base_s: float = BACKOFF_BASE_S, limit: int = BATCH,
              timeout: float = TIMEOUT_S) -> int:
    """One pass over the due records (a connection must be open); the number tried."""
    now = now or utcnow()
    tried = 0
    offices: dict[int, Office] = {}
    for item, settings in _due(now, limit):
        if not _claim(item, now):
            continue
        office = offices.get(item.office_id) or offices.setdefault(item.office_id, Office.get_by_id(item.office_id))
        ok, status, error = send(item, settings, office, timeout)
        _settle(item, ok, status, error, utcnow(), base_s)
        if not ok:
            log.info("outbox push of %s failed (%s); next try after back-off", item.key, error)
        tried += 1
    return tried


@background.task
def push_loop(app, stop=None) -> None:
    """Push the outbox while this process leads background work; a full batch goes on at once."""
    stop = stop or threading.Event()
    while not stop.is_set():
        tried = 0
        try:
            with app.app_context(), models.connection():
                tried = push_once()
        except Exception:  # keep the loop alive; the error is logged
            log.exception("outbox push pass failed")
        stop.wait(0.05 if tried >= BATCH else IDLE_S)


def status(office_id: int) -> dict:
    """The push's state for the admin page: counts by state, oldest waiting, last success and error."""
    counts = dict(OutboxItem.select(OutboxItem.push_state, fn.COUNT(OutboxItem.id))
                  .where(OutboxItem.office == office_id).group_by(OutboxItem.push_state).tuples())
    waiting = (OutboxItem.select().where((OutboxItem.office == office_id) & (OutboxItem.push_state != "sent"))
               .order_by(OutboxItem.seq).first())
    last_sent = (OutboxItem.select().where((OutboxItem.office == office_id) & (OutboxItem.push_state == "sent"))
                 .order_by(OutboxItem.pushed_at.desc()).first())
    failing = (OutboxItem.select().where((OutboxItem.office == office_id) & (OutboxItem.push_state != "sent")
                                         & (OutboxItem.attempts > 0))
               .order_by(OutboxItem.attempts.desc(), OutboxItem.seq).first())
    last_seq = OutboxItem.select(fn.MAX(OutboxItem.seq)).where(OutboxItem.office == office_id).scalar() or 0
    return {
        "total": sum(counts.values()),
        "last_seq": last_seq,
        "sent": counts.get("sent", 0),
        "pending": counts.get("pending", 0) + counts.get("sending", 0),
        "oldest_pending_at": _iso(waiting.created_at) if waiting else None,
        "last_sent_at": _iso(last_sent.pushed_at) if last_sent else None,
        "failing": ({"key": failing.key, "attempts": failing.attempts, "last_error": failing.last_error,
                     "last_status": failing.last_status, "next_attempt_at": _iso(failing.next_attempt_at)}
                    if failing else None),
    }


def _iso(value) -> str | None:
    """ISO UTC text of a naive-UTC datetime."""
    return value.isoformat(timespec="seconds") + "Z" if value else None
