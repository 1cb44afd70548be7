"""Queue rules room, hand-off: the outbox rows a rating or a dossier code leaves for the provincial system.

Called inside the transaction that makes the rating or takes the code, so a record is in the
outbox exactly when its fact is in the database. Each row is frozen at creation (its payload is
what was true then) and carries:

* ``seq``: the office's next number, taken by updating the office's ``OutboxSeq`` row. That
  row's lock is held until commit, so a second writer waits and rows are numbered in commit
  order: a reader that saw ``seq`` n has seen every row below n (PostgreSQL hands out plain ids
  in start order, which a late commit would break). SQLite writers are serialised anyway.
* ``key``: the idempotency key, ``<office>:<kind>:<ids>``; ``<office>`` is the office code
  (mã đơn vị) when set, so keys from several offices or servers feeding one receiver differ.

Kinds: ``rating`` (one per dossier of a rated visit, or one with ``dossier_code`` null for a
visit without a code) and ``dossier`` (a code taken at the counter, or its removal).
No Flask, no network: the push (outbox/) sends the rows after commit.
"""

from __future__ import annotations

from models import Counter, Dossier, Field, Office, OutboxItem, OutboxSeq, Rating, Ticket, User
from rules import dossier as dossier_rules
from rules import rating as scale_rules

from .clock import to_local


def _iso(value) -> str | None:
    """ISO UTC text of a naive-UTC datetime."""
    return value.isoformat(timespec="seconds") + "Z" if value else None


def office_key(office: Office) -> str:
    """The office's part of every idempotency key: its unit code, else its id."""
    return (office.code or "").strip() or f"office-{office.id}"


def _next_seqs(office_id: int, count: int) -> int:
    """Reserve ``count`` numbers of the office's outbox sequence (locks its row until commit); the first."""
    OutboxSeq.insert(office=office_id, last=0).on_conflict_ignore().execute()
    OutboxSeq.update(last=OutboxSeq.last + count).where(OutboxSeq.office == office_id).execute()
    last = OutboxSeq.select(OutboxSeq.last).where(OutboxSeq.office == office_id).scalar()
    return last - count + 1


def _add(office_id: int, records: list[tuple[str, str, object, dict]], now) -> list[OutboxItem]:
    """Write (kind, key, day, payload) records with consecutive numbers; the rows."""
    if not records:
        return []
    first = _next_seqs(office_id, len(records))
    rows = []
    for offset, (kind, key, day, payload) in enumerate(records):
        seq = first + offset
        rows.append(OutboxItem.create(office=office_id, seq=seq, kind=kind, key=key, day=day,
                                      payload=dict(payload, seq=seq, key=key), created_at=now,
                                      next_attempt_at=now))
    return rows


def _people(ticket: Ticket, field_id, counter_id, clerk_id) -> dict:
    """The field, counter and clerk of a record, as a receiver reads them."""
    field = Field.get_or_none(Field.id == field_id) if field_id else None
    counter = Counter.get_or_none(Counter.id == counter_id) if counter_id else None
    clerk = User.get_or_none(User.id == clerk_id) if clerk_id else None
    return {
        "field": {"id": field.id, "code": field.code, "name": field.name} if field else None,
        "counter": {"id": counter.id, "number": counter.number, "name": counter.name} if counter else None,
        "clerk": {"id": clerk.id, "username": clerk.username, "full_name": clerk.full_name} if clerk else None,
    }


def _base(office: Office, ticket: Ticket, kind: str) -> dict:
    """What every record says: its kind, the office and the visit."""
    finished = to_local(office, ticket.finished_at) if ticket.finished_at else None
    return {
        "type": kind,
        "office": {"id": office.id, "code": office.code, "name": office.name},
        "visit": {"ticket_id": ticket.id, "number": ticket.display_number, "day": str(ticket.day),
                  "finished_at": _iso(ticket.finished_at),
                  "finished_local": finished.strftime("%Y-%m-%dT%H:%M:%S") if finished else None},
    }


def _rating_part(rating: Rating) -> dict:
    """A rating as a receiver reads it, with its words and groups from rules.rating."""
    return {
        "id": rating.id,
        "level": rating.level,
        "scale": rating.scale,
        "label": scale_rules.word(rating.level, rating.scale),
        "group": scale_rules.group(rating.level, rating.scale),
        "group_label": scale_rules.GROUP_WORDS[scale_rules.group(rating.level, rating.scale)],
        "satisfied": scale_rules.is_satisfied(rating.level, rating.scale),
        "counts_against_index": scale_rules.counts_against_index(rating.level, rating.scale),
        "reasons": list(rating.reasons or []),
        "comment": rating.comment,
        "channel": rating.source,
        "rated_at": _iso(rating.created_at),
    }


def rating_records(office: Office, ticket: Ticket, rating: Rating, dossiers: list[Dossier], now) -> list[OutboxItem]:
    """Outbox rows of a new rating: one per dossier of the visit, or one for a visit without a code."""
    people = _people(ticket, rating.field_id, rating.counter_id, rating.clerk_id)
    records = []
    for dossier in dossiers or [None]:
        code = dossier.code if dossier is not None else None
        payload = dict(_base(office, ticket, "rating"), **people, rating=_rating_part(rating), dossier_code=code,
                       dossier_kind=dossier.kind if dossier is not None else None)
        key = f"{office_key(office)}:rating:{rating.id}:{code or '-'}"
        records.append(("rating", key, ticket.day, payload))
    return _add(office.id, records, now)


def dossier_record(office: Office, ticket: Ticket, dossier: Dossier, now, removed: bool = False) -> list[OutboxItem]:
    """The outbox row of a dossier code taken at the counter (or of its removal)."""
    people = _people(ticket, dossier.field_id, dossier.counter_id, dossier.clerk_id)
    payload = dict(_base(office, ticket, "dossier"), **people, dossier_code=dossier.code, dossier_kind=dossier.kind,
                   dossier_kind_label=dossier_rules.kind_word(dossier.kind), removed=removed, at=_iso(now))
    key = f"{office_key(office)}:dossier:{dossier.id}:{'removed' if removed else 'seen'}"
    return _add(office.id, [("dossier", key, ticket.day, payload)], now)
