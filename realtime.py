"""Realtime room: the one place that emits. Socket.IO instance, rooms, payloads, snapshots.

Rooms: ``office:<id>`` (staff screens and displays: every event, with a sequence number),
``public:<id>`` (phones: calls and queue counts), ``leaders:<id>`` (admin/leader: ratings),
``counter:<id>`` (a clerk's console: alerts for that counter), ``tablet:<counter id>``
(rating tablets: the ticket just finished). Events go out after commit through ``publish``.
"""

from __future__ import annotations

import datetime as dt
import logging

from flask import request, session
from flask_socketio import SocketIO, join_room

import models
import ticketing
from models import (
    Counter,
    Device,
    Field,
    Office,
    PrinterStatus,
    PriorityCategory,
    Ticket,
    TicketEvent,
    User,
    VoiceClip,
)

log = logging.getLogger(__name__)

socketio = SocketIO()

TICKET_ISSUED = "ticket_issued"
TICKET_CALLED = "ticket_called"
TICKET_UPDATED = "ticket_updated"
QUEUE_CHANGED = "queue_changed"
COUNTER_CHANGED = "counter_changed"
RATING_REQUEST = "rating_request"
RATING_RECEIVED = "rating_received"
ALERT = "alert"
SNAPSHOT = "snapshot"
VOICE_CHANGED = "voice_changed"


def office_room(office_id):
    """Room of every staff screen and display of an office."""
    return f"office:{office_id}"


def public_room(office_id):
    """Room of citizens' phones following their tickets."""
    return f"public:{office_id}"


def leaders_room(office_id):
    """Room of admins and leaders (rating details)."""
    return f"leaders:{office_id}"


def counter_room(counter_id):
    """Room of one counter's console."""
    return f"counter:{counter_id}"


def tablet_room(counter_id):
    """Room of the rating tablet(s) of one counter."""
    return f"tablet:{counter_id}"


def init_app(app) -> None:
    """Bind Socket.IO to the app with the configured async mode and message queue."""
    socketio.init_app(
        app,
        async_mode=app.config["ASYNC_MODE"],
        message_queue=app.config.get("SOCKETIO_MESSAGE_QUEUE") or None,
        # Redis pub/sub channels ignore the db number: deployments sharing one Redis need their own.
        channel=app.config.get("SOCKETIO_CHANNEL") or "flask-socketio",
        cors_allowed_origins=app.config.get("SOCKETIO_CORS") or [],
        ping_interval=10,
        ping_timeout=10,
        max_http_buffer_size=64 * 1024,
    )


# --------------------------------------------------------------------------- payloads


def iso(value):
    """ISO text of a naive-UTC datetime, marked as UTC."""
    return value.isoformat(timespec="seconds") + "Z" if value else None


def ticket_payload(ticket: Ticket, fields=None, counters=None, categories=None) -> dict:
    """A ticket as screens see it (no public token: that goes to its holder only)."""
    field = (fields or {}).get(ticket.field_id) or models.fetch_by_id(Field, ticket.field_id)
    counter = None
    if ticket.counter_id:
        counter = (counters or {}).get(ticket.counter_id) or models.fetch_by_id(Counter, ticket.counter_id)
    priority = None
    if ticket.priority_id:
        category = (categories or {}).get(ticket.priority_id) or models.fetch_by_id(PriorityCategory, ticket.priority_id)
        priority = {"code": category.code, "name": category.name, "icon": category.icon}
    return {
        "id": ticket.id,
        "number": ticket.display_number,
        "field_id": ticket.field_id,
        "field_name": field.name,
        "state": ticket.state,
        "priority": priority,
        "arrival_at": iso(ticket.arrival_at),
        "issued_at": iso(ticket.issued_at),
        "called_at": iso(ticket.called_at),
        "started_at": iso(ticket.started_at),
        "finished_at": iso(ticket.finished_at),
        "counter_id": ticket.counter_id,
        "counter_number": counter.number if counter else None,
        "counter_name": counter.name if counter else None,
        "target_counter_id": ticket.target_counter_id,
        "recall_count": ticket.recall_count,
        "transfer_count": ticket.transfer_count,
        "transferred": ticket.transfer_count > 0,
        "note": ticket.note,
    }


def counter_payload(counter: Counter, active: Ticket | None = None) -> dict:
    """A counter with its state and the ticket it holds."""
    clerk = models.fetch_by_id(User, counter.clerk_id) if counter.clerk_id else None
    if active is None:
        active = ticketing.counter_active_ticket(counter.id)
    return {
        "id": counter.id,
        "number": counter.number,
        "name": counter.name,
        "state": counter.state,
        "pause_reason": counter.pause_reason,
        "state_since": iso(counter.state_since),
        "clerk_name": clerk.full_name if clerk else None,
        "field_ids": counter.field_ids(),
        "current": ticket_payload(active) if active else None,
    }


def fields_payload(office: Office, now=None, field_ids=None, fields=None) -> list[dict]:
    """Fields (all, ``field_ids``, or the ``fields`` given) with people waiting and the estimated wait."""
    counts = ticketing.waiting_counts(office, now, field_ids)
    open_counters = ticketing.open_counters_by_field(office.id)
    if fields is None and field_ids is not None and len(field_ids) <= ticketing.FEW_FIELDS:
        fields = sorted(filter(None, (models.fetch_by_id(Field, i) for i in field_ids)), key=lambda f: (f.sort_order, f.id))
        fields = [f for f in fields if f.office_id == office.id]
    if fields is None:
        fields = Field.for_office(office.id)
        if field_ids is not None:
            fields = fields.where(Field.id.in_(list(field_ids)))
    result = []
    for field in fields:
        waiting = counts.get(field.id, 0)
        service_s = ticketing.recent_service_seconds(field.id, office, now)
        result.append(
            {
                "id": field.id,
                "code": field.code,
                "name": field.name,
                "name_en": field.name_en,
                "active": field.active,
                "waiting": waiting,
                "open_counters": open_counters.get(field.id, 0),
                "estimated_wait_s": ticketing.estimate_wait(waiting, service_s, open_counters.get(field.id, 0)),
                "service_s": round(service_s),
            }
        )
    return result


def _spoken(ticket: Ticket, counter: Counter, region: str | None = None) -> dict:
    """The call in words and clip keys for the office's region (display.voice)."""
    from display import voice  # here, not at the top: the display package imports this module

    region = region or models.fetch_by_id(Office, ticket.office_id).region
    try:
        return {
            "words": voice.announcement_words(ticket.display_number, counter.number, region),
            "clips": voice.announcement_clips(ticket.display_number, counter.number, region),
            "region": region,
        }
    except ValueError:
        # A prefix voice.py cannot read aloud: the announcer falls back to the text.
        return {"words": "", "clips": [], "region": region}


def call_payload(ticket: Ticket, counter: Counter, recall: bool, region=None, fields=None) -> dict:
    """What a display needs to show and announce a call."""
    payload = ticket_payload(ticket, fields=fields, counters={counter.id: counter})
    return {
        **_spoken(ticket, counter, region),
        "ticket": payload,
        "number": ticket.display_number,
        "counter_id": counter.id,
        "counter_number": counter.number,
        "counter_name": counter.name,
        "field_id": ticket.field_id,
        "field_name": payload["field_name"],
        "recall": recall,
        "text": f"Mời công dân có số thứ tự {ticket.display_number} đến quầy số {counter.number}",
        "at": iso(ticket.called_at),
    }


def recent_calls(office_id: int, limit: int = 10) -> list[dict]:
    """The latest calls of today (newest first), for boards that just connected."""
    office = Office.get_by_id(office_id)
    day_start = ticketing.day_start_utc(office, ticketing.business_day(office))
    events = (
        TicketEvent.select()
        .where(
            (TicketEvent.office == office_id)
            & (TicketEvent.kind.in_(("call", "recall")))
            & (TicketEvent.at >= day_start)
        )
        .order_by(TicketEvent.id.desc())
        .limit(limit)
    )
    events = list(events)
    # One query per table, not per call: a hall of boards reconnecting at once asks for this.
    tickets = {t.id: t for t in Ticket.select().where(Ticket.id.in_([e.ticket_id for e in events]))}
    counters = {c.id: c for c in Counter.select().where(Counter.office == office_id)}
    fields = {f.id: f for f in Field.select().where(Field.office == office_id)}
    calls = []
    for event in events:
        counter = counters.get(event.counter_id)
        if counter is not None and event.ticket_id in tickets:
            call = call_payload(tickets[event.ticket_id], counter, event.kind == "recall", office.region, fields)
            call["at"] = iso(event.at)
            calls.append(call)
    return calls


def printer_payload(office_id: int) -> list[dict]:
    """Known printers and their health."""
    return [
        {"name": p.name, "online": p.online, "paper": p.paper, "message": p.message,
         "checked_at": iso(p.checked_at)}
        for p in PrinterStatus.select().where(PrinterStatus.office == office_id)
    ]


def office_payload(office: Office) -> dict:
    """Office settings screens need."""
    return {
        "id": office.id,
        "name": office.name,
        "address": office.address,
        "region": office.region,
        "notices": office.notices,
        "open_time": office.open_time,
        "close_time": office.close_time,
        "lunch_start": office.lunch_start,
        "lunch_end": office.lunch_end,
        "cutoff_time": office.cutoff_time,
        "rating_levels": office.rating_levels,
        "rating_reasons": office.rating_reasons,
        "has_logo": bool(office.logo),
    }


def voice_payload(office_id: int) -> dict[str, int]:
    """Clip keys the office recorded itself -> version (upload time, ms), without loading the audio.

    A board plays ``/voice/<office>/<key>?v=<version>`` for these keys and its bundled clip for
    the others; a new upload is a new URL, so no cache serves the old recording.
    """
    rows = VoiceClip.select(VoiceClip.key, VoiceClip.uploaded_at).where(VoiceClip.office == office_id).tuples()
    return {key: clip_version(uploaded) for key, uploaded in rows}


def clip_version(uploaded_at: dt.datetime) -> int:
    """Version of an office recording: its upload time (naive UTC) in milliseconds, so a
    recording replaced within the same second still gets a new URL."""
    return int(uploaded_at.replace(tzinfo=dt.timezone.utc).timestamp() * 1000)


def snapshot(office_id: int, public: bool = False) -> dict:
    """The whole live state of an office, for a screen that connects or missed events."""
    office = Office.get_by_id(office_id)
    data = {
        "seq": office.event_seq,
        "office": office_payload(office),
        "opening": ticketing.opening_state(office),
        "fields": fields_payload(office),
        "counters": [counter_payload(c) for c in Counter.select().where(Counter.office == office_id).order_by(Counter.number)],
        "recent_calls": recent_calls(office_id),
    }
    if not public:
        day = ticketing.business_day(office)
        waiting = (
            Ticket.select()
            .where((Ticket.office == office_id) & (Ticket.day == day) & (Ticket.state == "waiting"))
            .order_by(Ticket.priority.is_null(), Ticket.arrival_at, Ticket.id)
        )
        data["waiting"] = [ticket_payload(t) for t in waiting]
        data["printers"] = printer_payload(office_id)
        # Boards that missed a voice_changed (offline during the upload) catch up here.
        data["voice"] = voice_payload(office_id)
    return data


# --------------------------------------------------------------------------- emitting


def _emit_all(office_id: int, events: list[tuple[str, dict, list[str]]]) -> None:
    """Send events to their rooms; those for the office room get increasing sequence numbers.

    Only the office room's stream is numbered: an event it never receives (a rating for the
    leaders) must not take a number, or every board would see a gap and ask for a snapshot.
    """
    if not events:
        return
    staff = office_room(office_id)
    numbered = sum(1 for _, _, rooms in events if staff in rooms)
    seq = models.bump_event_seq(office_id, numbered) - numbered if numbered else None
    for name, payload, rooms in events:
        payload = dict(payload, office_id=office_id)
        if staff in rooms:
            seq += 1
            payload["seq"] = seq
        for room in rooms:
            socketio.emit(name, payload, to=room)


def publish(change: ticketing.Change) -> None:
    """Send the events of a committed change to the rooms that follow it."""
    office_id = change.office_id
    staff, public = office_room(office_id), public_room(office_id)
    events = []
    ticket = change.ticket
    if change.kind == "counter" or change.counter_state_changed:
        events.append((COUNTER_CHANGED, {"counter": counter_payload(change.counter)}, [staff]))
    if change.kind == "issued" and not change.duplicate:
        fields = {change.field.id: change.field} if change.field else None
        events.append((TICKET_ISSUED, {"ticket": ticket_payload(ticket, fields=fields)}, [staff]))
    elif change.kind == "called":
        region = change.office.region if change.office else None
        events.append((TICKET_CALLED, call_payload(ticket, change.counter, change.recall, region), [staff, public]))
        if not change.recall:
            events.append((COUNTER_CHANGED, {"counter": counter_payload(change.counter, ticket)}, [staff]))
    elif change.kind == "rated":
        events.append(
            (RATING_RECEIVED, {"ticket_id": ticket.id, "counter_id": change.rating.counter_id,
                               "level": change.rating.level, "scale": change.rating.scale},
             [leaders_room(office_id)])
        )
    elif ticket is not None and change.kind != "issued":
        events.append((TICKET_UPDATED, {"ticket": ticket_payload(ticket), "action": change.kind}, [staff, public]))
        for counter_id in {change.previous_counter_id, change.counter.id if change.counter else None} - {None}:
            counter = models.fetch_by_id(Counter, counter_id)
            events.append((COUNTER_CHANGED, {"counter": counter_payload(counter)}, [staff]))
    if change.field_ids and not change.duplicate and change.kind != "rated":
        office = change.office or models.fetch_by_id(Office, office_id)
        known = [change.field] if change.field is not None and change.field_ids == {change.field.id} else None
        fields = fields_payload(office, field_ids=change.field_ids, fields=known)
        change.queue = {f["id"]: f for f in fields}
        events.append((QUEUE_CHANGED, {"fields": fields}, [staff, public]))
    _emit_all(office_id, events)
    if change.kind == "finish" and ticket.counter_id:
        office = change.office or models.fetch_by_id(Office, office_id)
        clerk = models.fetch_by_id(User, ticket.clerk_id) if ticket.clerk_id else None
        socketio.emit(
            RATING_REQUEST,
            {"ticket_id": ticket.id, "number": ticket.display_number, "counter_id": ticket.counter_id,
             "clerk_name": clerk.full_name if clerk else None, "window_s": office.rating_window_s,
             "levels": office.rating_levels, "reasons": office.rating_reasons,
             "finished_at": iso(ticket.finished_at)},
            to=tablet_room(ticket.counter_id),
        )
    if change.kind == "transferred" and change.counter is not None:
        socketio.emit(
            ALERT,
            {"kind": "transfer_in", "level": "info", "ticket": ticket_payload(ticket),
             "message": f"Số {ticket.display_number} được chuyển đến quầy của bạn."},
            to=counter_room(change.counter.id),
        )


def office_changed(office_id: int) -> None:
    """Settings, fields or counters changed: every screen of the office gets a fresh snapshot.

    A snapshot replaces a screen's whole state and carries the current seq, so it needs no new
    event type; staff screens and phones each get their own kind.
    """
    socketio.emit(SNAPSHOT, snapshot(office_id), to=office_room(office_id))
    socketio.emit(SNAPSHOT, snapshot(office_id, public=True), to=public_room(office_id))


def voice_changed(office_id: int, key: str) -> None:
    """An office recording was uploaded or deleted: its boards use the new clip map from the next call.

    Sent without a sequence number: most screens of the office room do not follow it, and a
    numbered event they never handle would look to them like a gap. A board that misses it gets
    the same map in its next snapshot.
    """
    socketio.emit(
        VOICE_CHANGED,
        {"office_id": office_id, "key": key, "voice": voice_payload(office_id)},
        to=office_room(office_id),
    )


def alert(office_id: int, kind: str, message: str, level: str = "warning", **extra) -> None:
    """Send an alert (printer out of paper, ...) to every staff screen of an office."""
    _emit_all(office_id, [(ALERT, dict(extra, kind=kind, message=message, level=level), [office_room(office_id)])])


# --------------------------------------------------------------------------- socket handlers


def _identify(auth) -> tuple[User | None, Device | None, Ticket | None]:
    """Who is connecting: a device token, a ticket's public token, or the session's user."""
    from security import device_from_token, DEVICE_COOKIE

    auth = auth if isinstance(auth, dict) else {}
    token = auth.get("device_token") or request.cookies.get(DEVICE_COOKIE)
    device = device_from_token(token) if isinstance(token, str) else None
    ticket = None
    public_token = auth.get("ticket")
    if isinstance(public_token, str) and public_token:
        ticket = Ticket.get_or_none(Ticket.public_token == public_token)
    user = None
    uid = session.get("uid")
    if uid:
        user = User.get_or_none((User.id == uid) & (User.active == True))  # noqa: E712
    return user, device, ticket


@socketio.on("connect")
def on_connect(auth=None):
    """Authenticate, join the office's rooms and send a snapshot."""
    with models.connection():
        user, device, ticket = _identify(auth)
        if user is not None and user.office_id:
            office_id = user.office_id
            join_room(office_room(office_id))
            if user.role in ("admin", "leader"):
                join_room(leaders_room(office_id))
            session["sock_office"] = office_id
            socketio.emit(SNAPSHOT, snapshot(office_id), to=request.sid)
            return True
        if device is not None:
            office_id = device.office_id
            join_room(office_room(office_id))
            if device.kind == "tablet" and device.counter_id:
                join_room(tablet_room(device.counter_id))
            session["sock_office"] = office_id
            socketio.emit(SNAPSHOT, snapshot(office_id), to=request.sid)
            return True
        if ticket is not None:
            join_room(public_room(ticket.office_id))
            join_room(f"ticket:{ticket.public_token}")
            session["sock_office"] = ticket.office_id
            session["sock_public"] = True
            socketio.emit(SNAPSHOT, snapshot(ticket.office_id, public=True), to=request.sid)
            return True
    raise ConnectionRefusedError("unauthorized")


@socketio.on("snapshot_request")
def on_snapshot_request(_data=None):
    """Resend the snapshot (a client saw a gap in sequence numbers)."""
    office_id = session.get("sock_office")
    if office_id is None:
        return {"error": "unauthorized"}
    with models.connection():
        socketio.emit(SNAPSHOT, snapshot(office_id, public=bool(session.get("sock_public"))), to=request.sid)
    return {"ok": True}


@socketio.on("join_counter")
def on_join_counter(data=None):
    """A clerk's console follows one counter's alerts."""
    from security import can_use_counter

    counter_id = (data or {}).get("counter_id") if isinstance(data, dict) else None
    with models.connection():
        uid = session.get("uid")
        user = User.get_or_none(User.id == uid) if uid else None
        counter = Counter.get_or_none(Counter.id == counter_id) if isinstance(counter_id, int) else None
        if counter is None or not can_use_counter(user, counter):
            return {"error": "forbidden", "message": "Bạn không được phân công quầy này."}
        join_room(counter_room(counter.id))
    return {"ok": True}

