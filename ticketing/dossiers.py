"""Queue rules room, dossiers: the dossier codes (mã hồ sơ) a counter takes during a visit.

A clerk receiving or returning a dossier types or scans its code (rules.dossier checks it) while
the ticket is at the counter (called or serving), or on a ticket finished today (the clerk who
forgot before pressing "finish"). One visit may carry several codes; the same code twice on one
visit is the same row (a scanner that fires twice adds nothing). Each code is also a ticket
event (``dossier``: who, when, which code, receive or return), so it shows in the ticket's
history, and an outbox record. A visit already rated gives each new code its rating at once;
a code is removed only before the visit is rated (after that it has been counted).
No Flask; the caller checks who may act on the ticket (security.check_ticket_access).
"""

from __future__ import annotations

from errors import Invalid, InvalidState, NotFound
from models import Dossier, DossierRating, Rating, Ticket, utcnow
from rules import dossier as dossier_rules
from statements import write_transaction

from . import handoff
from .clock import business_day
from .events import record_event
from .lookups import get_office, get_ticket, id_of


class DossierRefused(InvalidState):
    """A dossier code that the visit cannot take or give up now."""

    code = "dossier_refused"


def _check_visit(ticket: Ticket, office, now) -> None:
    """Codes are taken while the ticket is at the counter, or on a ticket finished today."""
    if ticket.state in ("called", "serving"):
        return
    if ticket.state == "done" and ticket.day == business_day(office, now):
        return
    raise DossierRefused(f"Số {ticket.display_number} không còn ở quầy: chỉ ghi mã hồ sơ cho số đang phục vụ "
                         "hoặc đã phục vụ xong trong ngày.")


def link_rating(office, ticket: Ticket, rating: Rating, dossiers: list[Dossier], now) -> list[DossierRating]:
    """Record ``rating`` for each dossier (inside the caller's transaction), with its outbox rows."""
    rows = [DossierRating.create(rating=rating.id, dossier=d.id, office=office.id, code=d.code, day=d.day,
                                 field=rating.field_id, counter=rating.counter_id, clerk=rating.clerk_id,
                                 level=rating.level, scale=rating.scale, source=rating.source, created_at=now)
            for d in dossiers]
    handoff.rating_records(office, ticket, rating, dossiers, now)
    return rows


def add_dossier(ticket_id, text, kind=dossier_rules.RECEIVE, office_id=None, user=None, now=None) -> tuple[Dossier, bool]:
    """Take a dossier code on a visit; (the row, True when it was already there)."""
    now = now or utcnow()
    if kind not in dossier_rules.KINDS:
        raise Invalid("Loại hồ sơ phải là tiếp nhận hoặc trả kết quả.", fields={"kind": sorted(dossier_rules.KINDS)})
    with write_transaction():
        ticket = get_ticket(ticket_id, office_id)
        office = get_office(ticket.office_id)
        _check_visit(ticket, office, now)
        try:
            parsed = dossier_rules.parse(text, business_day(office, now))
        except dossier_rules.BadCode as exc:
            raise Invalid(str(exc), fields={"code": "format"}) from None
        existing = Dossier.get_or_none((Dossier.ticket == ticket.id) & (Dossier.code == parsed.code))
        if existing is not None:
            return existing, True
        if Dossier.select().where(Dossier.ticket == ticket.id).count() >= dossier_rules.MAX_PER_VISIT:
            raise Invalid(f"Một lượt phục vụ ghi tối đa {dossier_rules.MAX_PER_VISIT} mã hồ sơ.",
                          fields={"code": "too_many"})
        dossier = Dossier.create(office=office.id, ticket=ticket.id, code=parsed.code, kind=kind, day=ticket.day,
                                 field=ticket.field_id, counter=ticket.counter_id, clerk=ticket.clerk_id,
                                 user=id_of(user), created_at=now)
        record_event(ticket, "dossier", ticket.state, now, counter=ticket.counter_id, user=id_of(user),
                     action="add", code=parsed.code, dossier_kind=kind, dossier_id=dossier.id)
        handoff.dossier_record(office, ticket, dossier, now)
        rating = Rating.get_or_none(Rating.ticket == ticket.id)
        if rating is not None:
            link_rating(office, ticket, rating, [dossier], now)
    return dossier, False


def remove_dossier(ticket_id, dossier_id, office_id=None, user=None, now=None) -> Dossier:
    """Take back a mistaken code of a visit not yet rated; the removal is in the history and the outbox."""
    now = now or utcnow()
    with write_transaction():
        ticket = get_ticket(ticket_id, office_id)
        office = get_office(ticket.office_id)
        dossier = Dossier.get_or_none((Dossier.id == dossier_id) & (Dossier.ticket == ticket.id))
        if dossier is None:
            raise NotFound("Không tìm thấy mã hồ sơ này ở số thứ tự.")
        _check_visit(ticket, office, now)
        if Rating.select().where(Rating.ticket == ticket.id).exists():
            raise DossierRefused("Lượt phục vụ đã được đánh giá: mã hồ sơ đã được tính, không gỡ được nữa.")
        handoff.dossier_record(office, ticket, dossier, now, removed=True)
        record_event(ticket, "dossier", ticket.state, now, counter=ticket.counter_id, user=id_of(user),
                     action="remove", code=dossier.code, dossier_kind=dossier.kind, dossier_id=dossier.id)
        Dossier.delete().where(Dossier.id == dossier.id).execute()
    return dossier


def dossiers_of(ticket_id) -> list[Dossier]:
    """A visit's dossier codes, in the order they were taken."""
    return list(Dossier.select().where(Dossier.ticket == ticket_id).order_by(Dossier.id))


def dossier_by_token(token) -> Dossier | None:
    """The dossier a receipt slip's QR names, or None."""
    if not isinstance(token, str) or not 16 <= len(token) <= 64:
        return None
    return Dossier.get_or_none(Dossier.public_token == token)
