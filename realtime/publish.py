"""Realtime room, publishing: one change of an office -> one ``update`` per role room.

Every change takes the next office-wide sequence number (``models.bump_event_seq``, one
atomic statement, shared by every process through the database) and sends each of the six
role rooms one message with it, built once for the whole room: no query and no encoding per
recipient. A role with nothing to learn from the change still gets ``{seq, office_id, kind}``,
so the numbers each screen receives stay consecutive.

Payloads are read before the number is taken, so the time between taking a number and sending
it (when another change could overtake it) is as short as it can be; the client module puts
briefly reordered messages back in order.

An update's sections (each present only when it has something):

- ``tickets``  staff, leaders: tickets that changed (staff view); public: their public view
- ``counters`` every role but kiosk, in the role's own view
- ``fields``   queue figures of the fields that changed (all but tablet)
- ``call``     display (with words and clip keys) and public: a call or recall
- ``alerts``   staff, leaders: printer alerts, a transfer to a counter (``counter_id``);
               leaders only: a "Không hài lòng" rating (``low_rating``) and its handling
- ``rating``   leaders: a citizen's verdict
- ``rating_request`` tablet: the ticket its counter just finished (``counter_id``)
- ``rated`` tablet: a visit was rated (on a tablet or from the phone): a tablet asking about it stops
- ``voice``, ``voice_key``   display: the office's recordings after an upload or delete
- ``snapshot`` every role: a settings change replaces the screen's whole state
"""

from __future__ import annotations

import models
import ticketing
from models import Counter, Office, User
from rules import rating

from . import payloads, snapshots
from .rooms import DISPLAY, KIOSK, LEADERS, PUBLIC, ROLES, STAFF, TABLET, UPDATE, room
from .setup import socketio

def send(office_id: int, kind: str, messages: dict[str, dict]) -> int:
    """Take the office's next sequence number and send each role room its message; returns it."""
    seq = models.bump_event_seq(office_id)
    for role in ROLES:
        body = {"seq": seq, "office_id": office_id, "kind": kind}
        body.update(messages.get(role) or {})
        socketio.emit(UPDATE, body, to=room(role, office_id))
    return seq


def publish(change: ticketing.Change) -> None:
    """Send what a committed change changed to every role room of its office."""
    if change.duplicate or change.kind == "reprint":
        return  # nothing anyone sees has changed
    office_id = change.office_id
    office = change.office or models.fetch_by_id(Office, office_id)
    ticket = change.ticket
    # The update's kind is the change's, except that a recall (a call with ``recall`` set) says so.
    kind = "recalled" if change.kind == "called" and change.recall else change.kind
    staff, leaders, display, kiosk, tablet, public = {}, {}, {}, {}, {}, {}

    counters = _changed_counters(change)
    if counters:
        staff["counters"] = counters
        display["counters"] = [payloads.board_counter(c) for c in counters]
        tablet["counters"] = [payloads.tablet_counter(c) for c in counters]
        public["counters"] = [payloads.public_counter(c) for c in counters]

    if ticket is not None and change.kind != "rated":
        known = {change.field.id: change.field} if change.field is not None else None
        counter_rows = {change.counter.id: change.counter} if change.counter is not None else None
        staff["tickets"] = [payloads.ticket_payload(ticket, fields=known, counters=counter_rows)]
        if change.kind != "issued":
            # A citizen's phone learns about its own ticket; a new ticket is nobody else's business.
            counter = change.counter if change.counter is not None and change.counter.id == ticket.counter_id else None
            public["tickets"] = [payloads.public_ticket(ticket, counter)]

    if change.kind == "called":
        field = change.field if change.field is not None and change.field.id == ticket.field_id else None
        call = payloads.call_payload(ticket, change.counter, change.recall, office.region, field)
        display["call"] = call
        public["call"] = payloads.public_call(call)

    if change.kind == "transferred" and change.counter is not None:
        staff["alerts"] = [{
            "kind": "transfer_in", "level": "info", "counter_id": change.counter.id, "ticket_id": ticket.id,
            "message": f"Số {ticket.display_number} được chuyển đến quầy của bạn.",
        }]

    if change.kind == "finish" and ticket.counter_id:
        clerk = models.fetch_by_id(User, ticket.clerk_id) if ticket.clerk_id else None
        tablet["rating_request"] = rating.rating_request(ticket, office, clerk.full_name if clerk else None,
                                                         ticket.finished_at)

    if change.field_ids and change.kind != "rated":
        known = [change.field] if change.field is not None and change.field_ids == {change.field.id} else None
        fields = payloads.fields_payload(office, field_ids=change.field_ids, fields=known)
        change.queue = {f["id"]: f for f in fields}
        for message in (staff, display, kiosk, public):
            message["fields"] = fields

    leaders.update(staff)
    if change.kind == "rated":
        verdict = change.rating
        leaders["rating"] = {"ticket_id": ticket.id, "counter_id": verdict.counter_id, "level": verdict.level,
                             "scale": verdict.scale}
        if change.rating_alert is not None:  # a "Không hài lòng": the leaders' alert (issue 15)
            leaders["alerts"] = [ticketing.alert_view(change.rating_alert)]
        # A tablet still asking about this visit (rated meanwhile from the phone) stops asking.
        tablet["rated"] = {"ticket_id": ticket.id, "counter_id": verdict.counter_id, "source": verdict.source}
    send(office_id, kind, {STAFF: staff, LEADERS: leaders, DISPLAY: display, KIOSK: kiosk, TABLET: tablet,
                           PUBLIC: public})


def _changed_counters(change: ticketing.Change) -> list[dict]:
    """Staff views of the counters a change touched (a call: its counter with the new ticket)."""
    if change.kind == "counter":
        return [payloads.counter_payload(change.counter)]
    if change.kind == "called":
        return [payloads.counter_payload(change.counter, change.ticket)]
    if change.kind in ("issued", "rated") or change.ticket is None:
        return []
    ids = {change.previous_counter_id, change.counter.id if change.counter else None} - {None}
    result = []
    for counter_id in sorted(ids):
        counter = change.counter if change.counter is not None and change.counter.id == counter_id else None
        counter = counter or models.fetch_by_id(Counter, counter_id)
        if counter is not None:
            result.append(payloads.counter_payload(counter))
    return result


def office_changed(office_id: int, kind: str = "settings") -> None:
    """Settings, fields or counters changed (or the day rollover closed yesterday's open tickets,
    ``kind="rollover"``): every screen of the office gets its fresh state.

    Numbered like any change; each role's message carries that role's whole snapshot.
    """
    parts = snapshots.settings_snapshots(office_id)
    send(office_id, kind, {role: {"snapshot": snapshot} for role, snapshot in parts.items()})


def voice_changed(office_id: int, key: str) -> None:
    """An office recording was uploaded or deleted: boards use the new clip map from the next call."""
    send(office_id, "voice", {DISPLAY: {"voice": payloads.voice_payload(office_id), "voice_key": key}})


def leaders_alert(office_id: int, item: dict) -> None:
    """Send an alert to the leaders' screens only (a rating alert handled: clerks never see verdicts)."""
    send(office_id, "alert", {LEADERS: {"alerts": [item]}})


def alert(office_id: int, kind: str, message: str, level: str = "warning", **extra) -> None:
    """Send an alert (printer out of paper, ...) to every staff screen of an office."""
    item = dict(extra, kind=kind, message=message, level=level)
    send(office_id, "alert", {STAFF: {"alerts": [item]}, LEADERS: {"alerts": [item]}})
