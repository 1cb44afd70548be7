"""Queue rules room, issuing: a new numbered ticket for a field (per field per business day)."""

from __future__ import annotations

import datetime as dt

import models
import statements
from errors import CapReached, Invalid, OfficeClosed
from models import Field, PriorityCategory, Ticket, utcnow
from statements import write_transaction

from .changes import Change
from .clock import business_day, opening_state
from .events import record_event
from .lookups import get_field, get_office, id_of


def format_number(field: Field, number: int) -> str:
    """Printed number: '2001' for a numeric range, 'A001' for a letter prefix."""
    return f"{field.prefix}{number:03d}" if field.prefix else str(number)


def _next_number(field: Field, day: dt.date) -> int:
    """Take the next number of a field for a day (atomic upsert, inside the caller's transaction)."""
    return statements.scalar("next_number", field_id=field.id, day=day, number_start=field.number_start)


def _insert_ticket(office_id, field: Field, day, number, priority_id, kiosk_id, client_ref, now,
                   channel: str, holder: str | None, booked_slot) -> Ticket:
    """INSERT a waiting ticket; the saved instance, as ``Ticket.create`` would return it."""
    ticket = Ticket(office=office_id, field=field.id, issued_field=field.id, day=day, number=number,
                    display_number=format_number(field, number), priority=priority_id, state="waiting",
                    arrival_at=now, issued_at=now, kiosk=kiosk_id, client_ref=client_ref, channel=channel,
                    holder=holder, booked_slot=booked_slot)
    ticket.id = statements.scalar(
        "insert_ticket", office_id=office_id, field_id=field.id, day=day, number=number,
        display_number=ticket.display_number, priority_id=priority_id, public_token=ticket.public_token,
        now=now, kiosk_id=kiosk_id, client_ref=client_ref, channel=channel, holder=holder, booked_slot=booked_slot,
    )
    ticket._dirty.clear()
    return ticket


def issue_ticket(office_id, field_id, priority=None, kiosk=None, client_ref=None, print_ticket=False,
                 now=None, channel=None, holder=None, booked_slot=None) -> Change:
    """Issue a new ticket for a field: numbered per field per business day, never reused.

    A repeated ``client_ref`` from the same kiosk returns the ticket already issued for it.
    With ``print_ticket`` a print job is queued in the same transaction (the worker prints later).
    ``channel`` (default: kiosk with a kiosk, else staff), ``holder`` (a phone's key) and
    ``booked_slot`` (an on-time appointment's slot) come from ticketing.remote and .appointments.
    """
    now = now or utcnow()
    if client_ref is not None and (not isinstance(client_ref, str) or not 1 <= len(client_ref) <= 64):
        raise Invalid("Mã yêu cầu không hợp lệ.", fields={"client_ref": "1-64 chars"})
    with write_transaction():
        if kiosk is not None and client_ref:
            existing = statements.one("ticket_by_client_ref", kiosk_id=id_of(kiosk), client_ref=client_ref)
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
        ticket = _insert_ticket(office.id, field, day, number, id_of(category), id_of(kiosk),
                                client_ref if kiosk is not None else None, now,
                                channel or ("kiosk" if kiosk is not None else "staff"), holder, booked_slot)
        record_event(ticket, "issue", None, now, device=id_of(kiosk))
        if print_ticket:
            models.PrintJob.create(office=office.id, ticket=ticket.id, kiosk=id_of(kiosk), created_at=now,
                                   next_attempt_at=now)
    return Change("issued", office.id, ticket=ticket, field_ids={field.id}, office=office, field=field)
