"""Notify room, worker: sends the outbox, finds appointments whose turn is near, erases old personal data.

Runs as one background task in the leader process only (background.py), so a message is sent by
one process at a time; each row is still claimed with a conditional UPDATE (a deposed leader may
be mid-step). A failed send is retried after 5 s, 10 s, 20 s ... up to 30 minutes apart, at most
``MAX_ATTEMPTS`` times; the key stays the same, so a receiver that answered too late for us drops
the repeat. No network I/O happens inside a transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time

import background
import baseurl
import models
import ticketing
from models import Appointment, Notification, Office, Ticket, utcnow
from rules import booking as rules
from ticketing import appointments

from . import outbox
from .senders import notifier_for

log = logging.getLogger(__name__)

BACKOFF_FIRST_S = 5.0
BACKOFF_MAX_S = 1800.0
MAX_ATTEMPTS = 12
LEASE_S = 120.0  # a claimed row nobody finished (a crash mid-send) is tried again after this
DELIVER_EVERY_S = 2.0
NEAR_SCAN_EVERY_S = 15.0
ERASE_EVERY_S = 3600.0


def backoff_s(attempts: int) -> float:
    """Seconds to wait after the ``attempts``-th failed try."""
    return min(BACKOFF_MAX_S, BACKOFF_FIRST_S * 2 ** max(0, attempts - 1))


def message_of(row: Notification, office: Office, base_url: str) -> dict:
    """The JSON a notifier sends for an outbox row (docs/API.md, "Messages to citizens")."""
    payload = dict(row.payload or {})
    path = payload.pop("path", None)
    message = {"id": row.key, "kind": row.kind, "created_at": _iso(row.created_at),
               "office": {"id": office.id, "name": office.name, "code": office.code}, **payload}
    if path:
        message["url"] = base_url.rstrip("/") + path
    return message


def _iso(value: dt.datetime) -> str:
    """ISO text of a naive-UTC datetime with a Z."""
    return value.isoformat(timespec="seconds") + "Z"


def deliver_due(base_url: str, now=None, limit: int = 20) -> dict:
    """Send the outbox rows that are due; returns how many were sent, retried and given up."""
    now = now or utcnow()
    done = {"sent": 0, "retried": 0, "failed": 0}
    due = list(Notification.select()
               .where((Notification.state == "pending") & (Notification.next_attempt_at <= now))
               .order_by(Notification.id)
               .limit(limit))
    offices: dict[int, tuple] = {}
    for row in due:
        claimed = (Notification.update(attempts=Notification.attempts + 1,
                                       next_attempt_at=now + dt.timedelta(seconds=LEASE_S))
                   .where((Notification.id == row.id) & (Notification.state == "pending")
                          & (Notification.next_attempt_at <= now))
                   .execute())
        if not claimed:
            continue
        if row.office_id not in offices:
            office = Office.get_by_id(row.office_id)
            offices[row.office_id] = (office, notifier_for(appointments.settings_for(office.id)))
        office, notifier = offices[row.office_id]
        attempts = row.attempts + 1
        try:
            notifier.send(message_of(row, office, base_url), row.key)
        except Exception as exc:  # any failure is retried: the gateway's problem must not stop the loop
            error = f"{type(exc).__name__}: {exc}"[:300]
            gave_up = attempts >= MAX_ATTEMPTS
            (Notification.update(state="failed" if gave_up else "pending", last_error=error,
                                 next_attempt_at=now + dt.timedelta(seconds=backoff_s(attempts)))
             .where(Notification.id == row.id)
             .execute())
            done["failed" if gave_up else "retried"] += 1
            log.warning("notify %s attempt %s failed: %s", row.key, attempts, error)
            continue
        Notification.update(state="sent", sent_at=now, last_error="").where(Notification.id == row.id).execute()
        done["sent"] += 1
    return done


def near_message(office: Office, ticket: Ticket, field_name: str, ahead: int, wait_s: int) -> dict:
    """The "your turn is near" message of an appointment's ticket (outbox payload, without the phone)."""
    minutes = max(1, round(wait_s / 60)) if wait_s else 0
    wait = f", khoảng {minutes} phút" if minutes else ""
    text = (f"{office.name}: sắp đến lượt số {ticket.display_number} ({field_name}). "
            f"Còn {ahead} người trước bạn{wait}. Xin có mặt gần quầy.")
    return {"text": text, "path": f"/t/{ticket.public_token}",
            "ticket": {"number": ticket.display_number, "field": field_name, "people_ahead": ahead,
                       "estimated_wait_s": wait_s}}


def scan_near_turns(now=None) -> int:
    """Queue "your turn is near" once for every waiting appointment ticket of today that is near."""
    now = now or utcnow()
    queued = 0
    for office in Office.select():
        settings = appointments.settings_for(office.id)
        if settings.near_people <= 0 and settings.near_minutes <= 0:
            continue
        rows = (Ticket.select(Ticket, Appointment.phone, Appointment.name)
                .join(Appointment, on=(Appointment.ticket == Ticket.id))
                .where((Ticket.office == office.id) & (Ticket.day == ticketing.business_day(office, now))
                       & (Ticket.state == "waiting") & (Appointment.phone != ""))
                .objects())
        for ticket in rows:
            key = f"near:{ticket.id}"
            if outbox.queued(key):
                continue
            ahead = ticketing.people_ahead(ticket)
            wait = ticketing.estimated_wait_seconds(ahead, ticket.field_id, office)
            if not rules.is_near(ahead, wait, settings.near_people, settings.near_minutes):
                continue
            field = ticketing.get_field(ticket.field_id)
            payload = dict(near_message(office, ticket, field.name, ahead, wait),
                           to={"phone": ticket.phone, "name": ticket.name})
            queued += outbox.enqueue(office.id, key, "turn_near", payload, now)
    return queued


@background.task
def notify_loop(app, stop=None) -> None:
    """Send due messages every few seconds; look for near turns and erase old personal data now and then."""
    stop = stop or threading.Event()
    last = {"near": 0.0, "erase": 0.0}
    while not stop.is_set():
        try:
            with app.app_context(), models.connection():
                deliver_due(baseurl.public_base_url(app))
                clock = time.monotonic()
                if clock - last["near"] >= NEAR_SCAN_EVERY_S:
                    last["near"] = clock
                    scan_near_turns()
                if clock - last["erase"] >= ERASE_EVERY_S:
                    last["erase"] = clock
                    erased = appointments.erase_personal_data()
                    if erased:
                        log.info("Bookings past their retention period: %s names and phone numbers erased", erased)
        except Exception:  # keep the loop alive; the error is logged
            log.exception("notify loop pass failed")
        stop.wait(DELIVER_EVERY_S)
