"""Notify room, senders: the notifier interface and its two implementations.

``WebhookNotifier`` POSTs the message as JSON (docs/API.md, "Messages to citizens") with the
headers ``Idempotency-Key`` (the same on every attempt), ``X-Motcua-Event`` (the kind) and, when
the office set a secret, ``X-Motcua-Signature: sha256=<hex HMAC-SHA256 of the body>``. Any 2xx
answer is delivered; anything else (or no answer within the timeout) is retried by the worker.
``LogNotifier`` only writes the message to the log (phone numbers masked): the office works the
same with no gateway at all.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import urllib.request

from rules import booking as rules

log = logging.getLogger(__name__)

TIMEOUT_S = 5.0


class Notifier:
    """Sends one message; raises when it could not (the worker retries later)."""

    kind = "none"

    def send(self, message: dict, key: str) -> None:
        """Deliver ``message`` under idempotency ``key``."""
        raise NotImplementedError


class LogNotifier(Notifier):
    """No gateway configured: the message goes to the log only."""

    kind = "log"

    def send(self, message: dict, key: str) -> None:
        """Log the message (the phone number masked)."""
        phone = (message.get("to") or {}).get("phone") or ""
        log.info("notify %s to %s: %s", key, rules.masked_phone(phone) if phone else "-", message.get("text", ""))


def body_of(message: dict) -> bytes:
    """The exact bytes a webhook receives (and its signature covers)."""
    return json.dumps(message, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def signature(secret: str, body: bytes) -> str:
    """The ``X-Motcua-Signature`` value of a body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WebhookNotifier(Notifier):
    """POST each message as JSON to a URL (an SMS or Zalo gateway's adapter)."""

    kind = "webhook"

    def __init__(self, url: str, secret: str = "", timeout: float | None = None):
        """Send to ``url``; sign bodies with ``secret`` when given; wait ``timeout`` s (TIMEOUT_S) for an answer."""
        self.url, self.secret, self.timeout = url, secret, timeout

    def send(self, message: dict, key: str) -> None:
        """POST the message; an HTTP error or no answer raises."""
        body = body_of(message)
        headers = {"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": key,
                   "X-Motcua-Event": str(message.get("kind", "")), "User-Agent": "motcua-notify/1"}
        if self.secret:
            headers["X-Motcua-Signature"] = signature(self.secret, body)
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        with urllib.request.urlopen(request, timeout=self.timeout or TIMEOUT_S) as response:  # noqa: S310 - an admin's http(s) URL
            response.read()


def notifier_for(settings) -> Notifier:
    """The office's notifier: its webhook when one is set, else log-only."""
    if settings.notify_url:
        return WebhookNotifier(settings.notify_url, settings.notify_secret or "")
    return LogNotifier()
