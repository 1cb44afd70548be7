"""Queue rules room, ratings: a citizen's verdict on a finished ticket, and which one a tablet may rate.

A visit is rated once, on the counter's tablet or later from the phone (the ticket's QR page, or
the QR of a dossier's receipt slip): whichever comes first counts, the other is refused. The
tablet rates within ``Office.rating_window_s`` of the finish; the phone within the office's
rate-later days (``RatingSettings.rate_later_days``; 0: the same window as the tablet). A rating
of a visit with dossier codes is also recorded for each dossier (the national index counts
dossiers), leaves outbox records, and a verdict in the Không hài lòng group raises an alert for
the leaders (``RatingAlert``).
"""

from __future__ import annotations

from errors import Invalid, RatingRefused
from models import Dossier, Office, Rating, RatingAlert, RatingSettings, Ticket, utcnow
from rules import rating as scale_rules
from statements import write_transaction

from .changes import Change
from .dossiers import link_rating
from .lookups import get_office, get_ticket, id_of


def settings_of(office_id) -> RatingSettings:
    """The office's rating settings (the defaults, unsaved, when the admin never changed them)."""
    return RatingSettings.get_or_none(RatingSettings.office == office_id) or RatingSettings(office=office_id)


def phone_window_s(office: Office, settings: RatingSettings | None = None) -> int:
    """Seconds after the finish during which the phone may rate: the rate-later days, at least the tablet's window."""
    settings = settings or settings_of(office.id)
    return max(office.rating_window_s, settings.rate_later_days * 86400)


def window_s(office: Office, source: str) -> int:
    """How long after the finish a rating from ``source`` (tablet | phone) is taken."""
    return phone_window_s(office) if source == "phone" else office.rating_window_s


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
        if (now - ticket.finished_at).total_seconds() > window_s(office, source):
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
        dossiers = list(Dossier.select().where(Dossier.ticket == ticket.id).order_by(Dossier.id))
        link_rating(office, ticket, rating, dossiers, now)
        alert = None
        if scale_rules.is_low(rating.level, rating.scale):
            alert = RatingAlert.create(office=office.id, rating=rating.id, ticket=ticket.id, day=ticket.day,
                                       counter=rating.counter_id, clerk=rating.clerk_id, field=rating.field_id,
                                       codes=[d.code for d in dossiers], level=rating.level, scale=rating.scale,
                                       reasons=reasons, comment=comment, source=source, created_at=now)
    return Change("rated", office.id, ticket=ticket, rating=rating, rating_alert=alert)


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
