"""Queue rules room, events: the append-only audit row written with every ticket transition."""

from __future__ import annotations

import models
from models import Ticket, TicketEvent


def record_event(ticket: Ticket, kind: str, from_state, now, counter=None, user=None, device=None, **detail):
    """Append one audit row for a ticket transition."""
    models.insert_row(
        TicketEvent,
        ticket=ticket.id,
        office=ticket.office_id,
        kind=kind,
        from_state=from_state,
        to_state=ticket.state,
        counter=counter,
        user=user,
        device=device,
        at=now,
        detail=detail,
    )
