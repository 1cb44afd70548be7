"""Queue rules room, transitions: recall, start, finish, no-show, cancel, reactivate, transfer,
reprint and the day rollover; each in one transaction with its audit row."""

from __future__ import annotations

import models
import statements
from errors import Invalid, InvalidState
from models import Ticket, utcnow
from statements import write_transaction

from .changes import Change
from .clock import business_day
from .events import record_event
from .lookups import get_counter, get_field, get_office, get_ticket, id_of


def _transition(ticket_id, statement, kind, office_id, user, at, **values):
    """Move a ticket by one transition statement inside one transaction, with its audit row.

    The statement moves the ticket only from the states it allows (its WHERE clause is the one
    home of that rule); a ticket in another state is refused with its current state.
    """
    with write_transaction():
        ticket = get_ticket(ticket_id, office_id)
        moved = statements.one(statement, ticket_id=ticket.id, **values)
        if moved is None:
            raise InvalidState(
                f"Không thể thực hiện: số {ticket.display_number} đang ở trạng thái "
                f"“{STATE_LABELS.get(ticket.state, ticket.state)}”.",
                state=ticket.state,
            )
        record_event(moved, kind, ticket.state, at, counter=ticket.counter_id, user=id_of(user))
    return Change(kind, moved.office_id, ticket=moved, field_ids={moved.field_id},
                  previous_counter_id=ticket.counter_id)


STATE_LABELS = {
    "waiting": "đang chờ",
    "called": "đã gọi",
    "serving": "đang phục vụ",
    "done": "đã xong",
    "no_show": "vắng mặt",
    "cancelled": "đã hủy",
}


def recall(ticket_id, office_id=None, user=None, now=None) -> Change:
    """Call the same ticket again (counted)."""
    now = now or utcnow()
    with write_transaction():
        ticket = get_ticket(ticket_id, office_id)
        if ticket.state != "called":
            raise InvalidState(f"Chỉ gọi lại được số đã gọi mà chưa phục vụ (số {ticket.display_number}).")
        Ticket.update(recall_count=Ticket.recall_count + 1).where(Ticket.id == ticket.id).execute()
        ticket = statements.fetch_by_id(Ticket, ticket.id)
        record_event(ticket, "recall", "called", now, counter=ticket.counter_id, user=id_of(user), count=ticket.recall_count)
    counter = get_counter(ticket.counter_id) if ticket.counter_id else None
    return Change("called", ticket.office_id, ticket=ticket, counter=counter, recall=True,
                  field_ids={ticket.field_id})


def start(ticket_id, office_id=None, user=None, now=None) -> Change:
    """The citizen has come to the counter: service starts."""
    now = now or utcnow()
    return _transition(ticket_id, "start_ticket", "start", office_id, user, now, now=now)


def finish(ticket_id, office_id=None, user=None, now=None) -> Change:
    """Service is over; the ticket becomes ratable at its counter (the finishing clerk is its clerk)."""
    now = now or utcnow()
    return _transition(ticket_id, "finish_ticket", "finish", office_id, user, now, now=now, clerk_id=id_of(user))


def no_show(ticket_id, office_id=None, user=None, now=None) -> Change:
    """The called citizen did not come."""
    return _transition(ticket_id, "no_show_ticket", "no_show", office_id, user, now or utcnow())


def cancel(ticket_id, office_id=None, user=None, now=None) -> Change:
    """Cancel an open ticket."""
    return _transition(ticket_id, "cancel_ticket", "cancel", office_id, user, now or utcnow())


def reactivate(ticket_id, office_id=None, user=None, now=None) -> Change:
    """Put a no-show ticket of today back in the queue at its original place."""
    now = now or utcnow()
    ticket = get_ticket(ticket_id, office_id)
    office = get_office(ticket.office_id)
    if ticket.state == "no_show" and ticket.day != business_day(office, now):
        raise InvalidState("Chỉ kích hoạt lại được số vắng mặt trong ngày.", code="ticket_expired")
    return _transition(ticket_id, "reactivate_ticket", "reactivate", office_id, user, now)


def transfer(ticket_id, field_id=None, counter_id=None, note="", office_id=None, user=None, now=None) -> Change:
    """Send a ticket to another field and/or a named counter, keeping its place by arrival."""
    now = now or utcnow()
    if field_id is None and counter_id is None:
        raise Invalid("Chọn lĩnh vực hoặc quầy để chuyển đến.", fields={"field": "required"})
    with write_transaction():
        ticket = get_ticket(ticket_id, office_id)
        if ticket.state not in models.OPEN_STATES:
            raise InvalidState(f"Không thể chuyển số {ticket.display_number} đã kết thúc.")
        field = get_field(field_id, ticket.office_id) if field_id is not None else None
        target = get_counter(counter_id, ticket.office_id) if counter_id is not None else None
        from_state, previous_counter, old_field = ticket.state, ticket.counter_id, ticket.field_id
        ticket.state = "waiting"
        ticket.counter = None
        ticket.called_at = None
        ticket.started_at = None
        ticket.target_counter = target.id if target else None
        if field is not None:
            ticket.field = field.id
        ticket.transfer_count += 1
        ticket.note = (note or "")[:500]
        ticket.save()
        record_event(ticket, "transfer", from_state, now, counter=previous_counter, user=id_of(user),
                     from_field=old_field, to_field=ticket.field_id,
                     to_counter=target.id if target else None, note=ticket.note)
    return Change("transferred", ticket.office_id, ticket=ticket, field_ids={old_field, ticket.field_id},
                  previous_counter_id=previous_counter, counter=target)


def reprint(ticket_id, office_id=None, user=None, now=None, kiosk_id=None) -> Change:
    """Queue one more print of an open ticket of today; a print already pending is not doubled.

    ``kiosk_id``: the kiosk whose printer prints it (the clerk's pick; default the issuing kiosk).
    """
    now = now or utcnow()
    with write_transaction():
        ticket = get_ticket(ticket_id, office_id)
        office = get_office(ticket.office_id)
        if ticket.state not in models.OPEN_STATES or ticket.day != business_day(office, now):
            raise InvalidState(
                f"Chỉ in lại được số còn hiệu lực trong ngày; số {ticket.display_number} "
                f"đang ở trạng thái “{STATE_LABELS.get(ticket.state, ticket.state)}”.",
                state=ticket.state,
            )
        pending = (
            models.PrintJob.select()
            .where((models.PrintJob.ticket == ticket.id) & (models.PrintJob.state.in_(("pending", "printing"))))
            .first()
        )
        if pending is not None:
            return Change("reprint", office.id, ticket=ticket, print_job_id=pending.id, duplicate=True)
        job = models.PrintJob.create(office=office.id, ticket=ticket.id,
                                     kiosk=kiosk_id if kiosk_id is not None else ticket.kiosk_id,
                                     created_at=now, next_attempt_at=now)
        record_event(ticket, "reprint", ticket.state, now, counter=ticket.counter_id, user=id_of(user), print_job=job.id)
    return Change("reprint", office.id, ticket=ticket, print_job_id=job.id)


def close_past_days(office_id, now=None) -> int:
    """Day rollover: cancel tickets of earlier business days still open; returns how many."""
    now = now or utcnow()
    with write_transaction():
        office = get_office(office_id)
        today = business_day(office, now)
        stale = list(
            Ticket.select()
            .where((Ticket.office == office.id) & (Ticket.day < today) & (Ticket.state.in_(models.OPEN_STATES)))
        )
        for ticket in stale:
            from_state = ticket.state
            ticket.state = "cancelled"
            ticket.save(only=[Ticket.state])
            record_event(ticket, "expire", from_state, now)
    return len(stale)
