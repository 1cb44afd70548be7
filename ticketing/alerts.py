"""Queue rules room, rating alerts: every "Không hài lòng" a leader must see, and its handling.

A rating in the Không hài lòng group (rules.rating) raises a ``RatingAlert`` in the rating's own
transaction (ticketing.ratings). A leader or admin marks it handled with a note; the handling is
written to the audit log in the same transaction (who, when, the note). Handled once: a second
leader's click is refused, so two notes never overwrite each other.
No Flask; the caller publishes ``alert_view`` to the leaders' screens after commit.
"""

from __future__ import annotations

from errors import Invalid, InvalidState, NotFound
from models import AuditLog, Counter, Field, RatingAlert, Ticket, User, utcnow
from rules import rating as scale_rules
from statements import write_transaction

from .clock import to_local
from .lookups import id_of

NOTE_MAX = 1000


def _iso(value) -> str | None:
    """ISO UTC text of a naive-UTC datetime."""
    return value.isoformat(timespec="seconds") + "Z" if value else None


def alert_view(alert: RatingAlert) -> dict:
    """An alert as the leaders' screens and the API show it (``kind`` low_rating or low_rating_handled)."""
    ticket = Ticket.get_by_id(alert.ticket_id)
    counter = Counter.get_or_none(Counter.id == alert.counter_id) if alert.counter_id else None
    clerk = User.get_or_none(User.id == alert.clerk_id) if alert.clerk_id else None
    field = Field.get_or_none(Field.id == alert.field_id) if alert.field_id else None
    handler = User.get_or_none(User.id == alert.handled_by_id) if alert.handled_by_id else None
    label = scale_rules.word(alert.level, alert.scale)
    where = f"quầy {counter.number}" if counter else "quầy đã xóa"
    who = f" ({clerk.full_name or clerk.username})" if clerk else ""
    codes = f" Hồ sơ: {', '.join(alert.codes)}." if alert.codes else ""
    reasons = f" Lý do: {', '.join(alert.reasons)}." if alert.reasons else ""
    handled = alert.handled_at is not None
    message = (f"Số {ticket.display_number} tại {where}{who} được đánh giá “{label}”.{codes}{reasons}"
               if not handled else
               f"Đã xử lý đánh giá “{label}” số {ticket.display_number} tại {where}"
               f"{' – ' + (handler.full_name or handler.username) if handler else ''}.")
    return {
        "kind": "low_rating_handled" if handled else "low_rating",
        "level": "info" if handled else "error",
        "message": message,
        "alert_id": alert.id,
        "ticket_id": alert.ticket_id,
        "number": ticket.display_number,
        "day": str(alert.day),
        # Not ``counter_id``: a console shows only alerts naming its own counter, and this one is
        # for a leader whichever counter their console is at.
        "at_counter": {"id": counter.id, "number": counter.number, "name": counter.name} if counter else None,
        "clerk_name": (clerk.full_name or clerk.username) if clerk else None,
        "field_name": field.name if field else None,
        "codes": list(alert.codes or []),
        "rating_level": alert.level,
        "scale": alert.scale,
        "label": label,
        "reasons": list(alert.reasons or []),
        "comment": alert.comment,
        "channel": alert.source,
        "channel_label": scale_rules.channel_word(alert.source),
        "at": _iso(alert.created_at),
        "handled_at": _iso(alert.handled_at),
        "handled_by": (handler.full_name or handler.username) if handler else None,
        "note": alert.note,
    }


def open_alerts(office_id: int, limit: int = 200) -> list[RatingAlert]:
    """The office's alerts nobody handled yet, oldest first (the longest waiting on top)."""
    return list(RatingAlert.select()
                .where((RatingAlert.office == office_id) & RatingAlert.handled_at.is_null())
                .order_by(RatingAlert.created_at, RatingAlert.id)
                .limit(limit))


def handle_alert(alert_id, office_id: int, user, note, now=None) -> RatingAlert:
    """Mark an alert handled with the leader's note, audited in the same transaction."""
    now = now or utcnow()
    note = note.strip() if isinstance(note, str) else note
    if not isinstance(note, str) or not note:
        raise Invalid("Hãy ghi cách đã xử lý (ví dụ: đã gọi điện cho công dân, đã nhắc nhở cán bộ).",
                      fields={"note": "required"})
    if len(note) > NOTE_MAX:
        raise Invalid(f"Ghi chú dài quá {NOTE_MAX} ký tự.", fields={"note": "too_long"})
    with write_transaction():
        alert = RatingAlert.get_or_none((RatingAlert.id == alert_id) & (RatingAlert.office == office_id))
        if alert is None:
            raise NotFound("Không tìm thấy cảnh báo đánh giá.")
        if alert.handled_at is not None:
            raise InvalidState("Cảnh báo này đã được xử lý.", code="already_handled")
        RatingAlert.update(handled_at=now, handled_by=id_of(user), note=note).where(RatingAlert.id == alert.id).execute()
        counter = Counter.get_or_none(Counter.id == alert.counter_id) if alert.counter_id else None
        office = alert.office
        local = to_local(office, alert.created_at)
        AuditLog.create(office=office_id, user=id_of(user), action="rating_alert.handle",
                        target=(f"Đánh giá “{scale_rules.word(alert.level, alert.scale)}” lúc {local:%d/%m/%Y %H:%M}"
                                f"{' tại quầy ' + str(counter.number) if counter else ''}")[:200],
                        detail={"before": {"handled": False}, "after": {"handled": True, "note": note},
                                "alert_id": alert.id, "ticket_id": alert.ticket_id, "codes": list(alert.codes or [])},
                        at=now)
    return RatingAlert.get_by_id(alert.id)
