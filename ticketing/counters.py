"""Queue rules room, counters: open, pause (with a reason) or close a counter."""

from __future__ import annotations

import models
from errors import Invalid, InvalidState
from models import utcnow
from statements import write_transaction

from .changes import Change
from .lookups import counter_active_ticket, get_counter, id_of


def set_counter_state(counter_id, state, reason="", office_id=None, user=None, now=None) -> Change:
    """Open, pause (with a reason) or close a counter; refuse while it holds a ticket."""
    now = now or utcnow()
    if state not in models.COUNTER_STATES:
        raise Invalid("Trạng thái quầy không hợp lệ.")
    reason = (reason or "").strip()[:120]
    if state == "paused" and not reason:
        raise Invalid("Hãy chọn lý do tạm dừng.", fields={"reason": "required"})
    with write_transaction():
        counter = get_counter(counter_id, office_id)
        if state != "open":
            active = counter_active_ticket(counter.id)
            if active is not None:
                raise InvalidState(
                    f"Quầy đang phục vụ số {active.display_number}. Hãy kết thúc trước khi "
                    f"{'tạm dừng' if state == 'paused' else 'đóng quầy'}.",
                    code="counter_busy",
                )
        counter.state = state
        counter.pause_reason = reason if state == "paused" else ""
        counter.state_since = now
        if user is not None and state == "open":
            counter.clerk = id_of(user)
        if state == "closed":
            counter.clerk = None
        counter.save()
    # The fields it serves gain or lose an open counter: their waits change on every screen (a kiosk
    # said "Chưa có quầy mở" until something else touched the field).
    return Change("counter", counter.office_id, counter=counter, field_ids=set(counter.field_ids()))
