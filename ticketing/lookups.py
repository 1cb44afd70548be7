"""Queue rules room, lookups: rows by id within an office (NotFound otherwise), a counter's ticket."""

from __future__ import annotations

import statements
from errors import NotFound
from models import Counter, Field, Office, Ticket


def _get(model, row_id, office_id, message):
    """A row by id (of this office when given) or NotFound; another office's row is not found."""
    row = statements.fetch_by_id(model, row_id)
    if row is None or (office_id is not None and getattr(row, "office_id", office_id) != office_id):
        raise NotFound(message)
    return row


def get_office(office_id: int) -> Office:
    """The office or NotFound."""
    return _get(Office, office_id, None, "Không tìm thấy đơn vị.")


def get_ticket(ticket_id: int, office_id: int | None = None) -> Ticket:
    """A ticket (of this office when given) or NotFound."""
    return _get(Ticket, ticket_id, office_id, "Không tìm thấy số thứ tự.")


def get_counter(counter_id: int, office_id: int | None = None) -> Counter:
    """A counter (of this office when given) or NotFound."""
    return _get(Counter, counter_id, office_id, "Không tìm thấy quầy.")


def get_field(field_id: int, office_id: int | None = None) -> Field:
    """A field (of this office when given) or NotFound."""
    return _get(Field, field_id, office_id, "Không tìm thấy lĩnh vực.")


def id_of(obj):
    """Id of a model or the value itself."""
    return getattr(obj, "id", obj)


def counter_active_ticket(counter_id: int) -> Ticket | None:
    """The ticket a counter has called or is serving, if any."""
    return statements.one("counter_active_ticket", counter_id=counter_id)
