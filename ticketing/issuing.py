"""Queue rules room, issuing: a new numbered ticket for a field (per field per business day)."""

from __future__ import annotations

import datetime as dt

import models
from errors import CapReached, Invalid, OfficeClosed
from models import Field, PriorityCategory, Ticket, db, utcnow, write_transaction

from .changes import Change
from .clock import business_day, opening_state
from .events import record_event
from .lookups import get_field, get_office, id_of


def format_number(field: Field, number: int) -> str:
    """Printed number: '2001' for a numeric range, 'A001' for a letter prefix."""
    return f"{field.prefix}{number:03d}" if field.prefix else str(number)


def _next_number(field: Field, day: dt.date) -> int:
    """Take the next number of a field for a day (atomic upsert, inside the caller's transaction)."""
    p = db.obj.param
    cursor = db.execute_sql(
        "INSERT INTO daily_sequence (field_id, day, last_number) "
        f"VALUES ({p}, {p}, {p}) "
        "ON CONFLICT (field_id, day) DO UPDATE SET last_number = daily_sequence.last_number + 1 "
        "RETURNING last_number",
        (field.id, day, field.number_start),
    )
    return cursor.fetchone()[0]


def issue_ticket(office_id, field_id, priority=None, kiosk=None, client_ref=None, print_ticket=False,
                 now=None) -> Change:
    """Issue a new ticket for a field: numbered per field per business day, never reused.

    A repeated ``client_ref`` from the same kiosk returns the ticket already issued for it.
    With ``print_ticket`` a print job is queued in the same transaction (the worker prints later).
    """
    now = now or utcnow()
    if client_ref is not None and (not isinstance(client_ref, str) or not 1 <= len(client_ref) <= 64):
        raise Invalid("Mã yêu cầu không hợp lệ.", fields={"client_ref": "1-64 chars"})
    with write_transaction():
        if kiosk is not None and client_ref:
            existing = (
                Ticket.select()
                .where((Ticket.kiosk == id_of(kiosk)) & (Ticket.client_ref == client_ref))
                .first()
            )
            if existing is not None:
                return Change("issued", existing.office_id, ticket=existing,
                              field_ids={existing.field_id}, duplicate=True)
        office = get_office(office_id)
        field = get_field(field_id, office.id)
        if not field.active:
            raise OfficeClosed("Lĩnh vực này tạm ngừng tiếp nhận.", code="field_closed")
        state = opening_state(office, now)
        if not state["open"]:
            raise OfficeClosed(state["message"], next_open=state["next_open"], reason=state["reason"])
        category = None
        if priority:
            category = (
                PriorityCategory.select()
                .where(
                    (PriorityCategory.office == office.id)
                    & (PriorityCategory.code == str(priority))
                    & (PriorityCategory.active == True)  # noqa: E712
                )
                .first()
            )
            if category is None:
                raise Invalid("Đối tượng ưu tiên không hợp lệ.", fields={"priority": "unknown"})
        day = business_day(office, now)
        number = _next_number(field, day)
        if field.daily_cap and number - field.number_start + 1 > field.daily_cap:
            # Raising rolls the transaction back, so the number is not consumed.
            raise CapReached(
                f"Lĩnh vực {field.name} đã cấp đủ {field.daily_cap} số trong ngày hôm nay."
            )
        ticket = models.insert_row(
            Ticket,
            office=office.id,
            field=field.id,
            issued_field=field.id,
            day=day,
            number=number,
            display_number=format_number(field, number),
            priority=category,
            state="waiting",
            arrival_at=now,
            issued_at=now,
            kiosk=id_of(kiosk),
            client_ref=client_ref if kiosk is not None else None,
        )
        record_event(ticket, "issue", None, now, device=id_of(kiosk))
        if print_ticket:
            models.PrintJob.create(office=office.id, ticket=ticket.id, kiosk=id_of(kiosk), created_at=now,
                                   next_attempt_at=now)
    return Change("issued", office.id, ticket=ticket, field_ids={field.id}, office=office, field=field)
