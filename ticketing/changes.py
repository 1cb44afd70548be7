"""Queue rules room, changes: what an operation changed, handed to the publisher after commit."""

from __future__ import annotations

import dataclasses

from models import Counter, Field, Office, Rating, Ticket


@dataclasses.dataclass
class Change:
    """What an operation changed, for the caller to publish after commit."""

    kind: str
    office_id: int
    ticket: Ticket | None = None
    counter: Counter | None = None
    recall: bool = False
    field_ids: set = dataclasses.field(default_factory=set)
    previous_counter_id: int | None = None
    rating: Rating | None = None
    counter_state_changed: bool = False
    duplicate: bool = False
    office: Office | None = None  # loaded in the transaction; saves the publisher a query
    field: Field | None = None
    queue: dict = dataclasses.field(default_factory=dict)  # field id -> queue figures, set by the publisher
    print_job_id: int | None = None
    rating_alert: object = None  # a RatingAlert a low rating raised, for the leaders' screens
