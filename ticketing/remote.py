"""Queue rules room, remote: a number taken from the phone by scanning the display's join QR code.

The code in the QR changes every ``join_rotate_s`` seconds (an HMAC of the office and the time
window under the server's secret, so no table is needed and every process agrees); the current
and the previous window are accepted, so a code scanned just before it changed still works and a
photo of it sent home stops working within two windows. A phone (a browser, known by a signed
long-lived cookie id; ``holder`` is a hash of it) gets at most the office's limit of numbers a
day, and of them at most the limit per field. No Flask here: the caller passes the secret.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac

import statements
from models import Ticket, utcnow
from statements import write_transaction

from .appointments import LimitReached, lock_key, settings_for
from .changes import Change
from .clock import business_day
from .issuing import issue_ticket
from .lookups import get_field, get_office

CODE_LENGTH = 10  # base32 characters: 50 bits, far beyond guessing within two minutes


def _epoch(now: dt.datetime) -> float:
    """Seconds since the epoch of a naive-UTC datetime."""
    return now.replace(tzinfo=dt.timezone.utc).timestamp()


def window_of(now, rotate_s: int) -> int:
    """The number of the time window ``now`` (naive UTC) falls in."""
    return int(_epoch(now)) // max(10, rotate_s)


def join_code(secret: str, office_id: int, window: int) -> str:
    """The join code of an office for a time window."""
    digest = hmac.new(secret.encode(), f"join:{office_id}:{window}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode().lower()[:CODE_LENGTH]


def current_join(secret: str, office_id: int, rotate_s: int, now=None) -> dict:
    """The code to show now, and in how many seconds it is replaced."""
    now = now or utcnow()
    window = window_of(now, rotate_s)
    step = max(10, rotate_s)
    elapsed = _epoch(now) - window * step
    return {"code": join_code(secret, office_id, window), "rotate_s": step, "expires_in_s": max(1, round(step - elapsed))}


def join_code_valid(secret: str, office_id: int, code, rotate_s: int, now=None) -> bool:
    """True when ``code`` is the office's code of the current or the previous window."""
    if not isinstance(code, str) or len(code) != CODE_LENGTH:
        return False
    window = window_of(now or utcnow(), rotate_s)
    return any(hmac.compare_digest(code.lower(), join_code(secret, office_id, w)) for w in (window, window - 1))


def holder_key(phone_id: str) -> str:
    """What a ticket keeps of the phone that took it (limits count by it): a hash of its cookie id."""
    return hashlib.sha256(f"phone:{phone_id}".encode()).hexdigest()[:32]


def phone_tickets(office_id: int, holder: str, now=None) -> list[Ticket]:
    """The numbers this phone took at the office today, oldest first."""
    office = get_office(office_id)
    return list(Ticket.select()
                .where((Ticket.office == office.id) & (Ticket.day == business_day(office, now))
                       & (Ticket.holder == holder))
                .order_by(Ticket.id))


def issue_from_phone(office_id: int, field_id: int, holder: str, priority=None, now=None) -> Change:
    """Issue a number to a phone, within the office's daily limits per phone and per field."""
    now = now or utcnow()
    office = get_office(office_id)
    settings = settings_for(office.id)
    field = get_field(field_id, office.id)
    with write_transaction():
        statements.serialize(lock_key("phone", office.id, holder))
        taken = phone_tickets(office.id, holder, now)
        if settings.join_daily_limit and len(taken) >= settings.join_daily_limit:
            raise LimitReached(f"Mỗi điện thoại chỉ được lấy tối đa {settings.join_daily_limit} số thứ tự "
                               "trong một ngày. Nếu cần thêm, xin lấy số tại máy lấy số.")
        same = [t for t in taken if t.issued_field_id == field.id]
        if settings.join_field_limit and len(same) >= settings.join_field_limit:
            raise LimitReached(f"Điện thoại này đã lấy số {same[0].display_number} cho lĩnh vực {field.name} "
                               "hôm nay.", ticket_number=same[0].display_number)
        return issue_ticket(office.id, field.id, priority=priority, now=now, channel="phone", holder=holder)

