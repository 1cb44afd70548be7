"""Queue rules room, ratings: a citizen's verdict on a finished ticket, and which one a tablet may rate."""

from __future__ import annotations

from errors import Invalid, RatingRefused
from models import Rating, Ticket, utcnow
from statements import write_transaction

from .changes import Change
from .lookups import get_office, get_ticket, id_of


def rate(ticket_id, level, reasons=None, comment="", counter_id=None, device=None, source="tablet", now=None) -> Change:
    """Store a citizen's rating: once per ticket, just finished at this counter, within the window."""
    now = now or utcnow()
    reasons = reasons or []
    comment = (comment or "").strip()
    if not isinstance(reasons, list) or not all(isinstance(r, str) for r in reasons):
        raise Invalid("Lý do phải là danh sách.", fields={"reasons": "list"})
    if len(comment) > 1000:
        raise Invalid("Góp ý quá dài (tối đa 1000 ký tự).", fields={"comment": "too_long"})
    with write_transaction():
        ticket = get_ticket(ticket_id)
        office = get_office(ticket.office_id)
        if not isinstance(level, int) or isinstance(level, bool) or not 1 <= level <= office.rating_levels:
            raise Invalid(f"Mức đánh giá phải từ 1 đến {office.rating_levels}.", fields={"level": "range"})
        unknown = [r for r in reasons if r not in (office.rating_reasons or [])]
        if unknown:
            raise Invalid("Lý do không có trong danh sách.", fields={"reasons": unknown})
        if ticket.state != "done":
            raise RatingRefused("Chỉ đánh giá được sau khi cán bộ kết thúc phục vụ.")
        if Rating.select().where(Rating.ticket == ticket.id).exists():
            raise RatingRefused("Số thứ tự này đã được đánh giá. Xin cảm ơn!", code="already_rated")
        if (now - ticket.finished_at).total_seconds() > office.rating_window_s:
            raise RatingRefused("Đã quá thời gian đánh giá cho số thứ tự này.", code="rating_expired")
        if source == "tablet":
            if counter_id is None or ticket.counter_id != counter_id:
                raise RatingRefused("Máy đánh giá chỉ đánh giá được số vừa phục vụ tại quầy của mình.",
                                    code="wrong_counter")
            last = (
                Ticket.select(Ticket.id)
                .where((Ticket.counter == counter_id) & (Ticket.state == "done"))
                .order_by(Ticket.finished_at.desc(), Ticket.id.desc())
                .first()
            )
            if last is None or last.id != ticket.id:
                raise RatingRefused("Quầy đã phục vụ số khác sau số này.", code="not_latest")
        elif not office.phone_rating:
            raise RatingRefused("Đơn vị không nhận đánh giá qua điện thoại.", code="phone_rating_off")
        rating = Rating.create(
            ticket=ticket.id,
            office=office.id,
            field=ticket.field_id,
            counter=ticket.counter_id,
            clerk=ticket.clerk_id,
            level=level,
            scale=office.rating_levels,
            reasons=reasons,
            comment=comment,
            source=source,
            device=id_of(device),
            created_at=now,
        )
    return Change("rated", office.id, ticket=ticket, rating=rating)


def ratable_ticket(counter_id, now=None) -> Ticket | None:
    """The ticket a counter's tablet may rate now: its latest finished one, unrated, within the window."""
    now = now or utcnow()
    last = (
        Ticket.select()
        .where((Ticket.counter == counter_id) & (Ticket.state == "done"))
        .order_by(Ticket.finished_at.desc(), Ticket.id.desc())
        .first()
    )
    if last is None:
        return None
    office = get_office(last.office_id)
    if (now - last.finished_at).total_seconds() > office.rating_window_s:
        return None
    if Rating.select().where(Rating.ticket == last.id).exists():
        return None
    return last
