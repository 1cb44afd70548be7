"""Queue rules room, events: the append-only audit row written with every ticket transition."""

from __future__ import annotations

import statements
from models import Ticket


def record_event(ticket: Ticket, kind: str, from_state, now, counter=None, user=None, device=None, **detail):
    """Append one audit row for a ticket transition."""
    statements.execute(
        "insert_ticket_event",
        ticket_id=ticket.id,
        office_id=ticket.office_id,
        kind=kind,
        from_state=from_state,
        to_state=ticket.state,
        counter_id=counter,
        user_id=user,
        device_id=device,
        at=now,
        detail=detail,
    )
