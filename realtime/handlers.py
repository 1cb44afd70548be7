"""Realtime room, socket handlers: who connects, which role room they join, snapshot replies.

Sockets only listen: every change of state goes through the HTTP API. A client sends one
event, ``snapshot_request`` (after a real gap in the sequence numbers), answered with its
role's snapshot.
"""

from __future__ import annotations

from flask import request, session
from flask_socketio import join_room

import models
from models import Ticket, User

from .rooms import PUBLIC, SNAPSHOT, SNAPSHOT_REQUEST, device_role, room, user_role
from .setup import socketio
from .snapshots import snapshot


def _identify(auth) -> tuple[User | None, object | None, Ticket | None]:
    """Who is connecting: a device token, a ticket's public token, or the session's user."""
    from security import DEVICE_COOKIE, device_from_token

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


def _place(auth) -> tuple[str, int, int | None] | None:
    """(role, office id, tablet's counter id) of the connecting client, or None when unknown."""
    user, device, ticket = _identify(auth)
    role = user_role(user)
    if role is not None:
        return role, user.office_id, None
    role = device_role(device)
    if role is not None:
        return role, device.office_id, device.counter_id
    if ticket is not None:
        return PUBLIC, ticket.office_id, None
    return None


@socketio.on("connect")
def on_connect(auth=None):
    """Authenticate, join the one role room of the client's office and send its snapshot."""
    with models.connection():
        place = _place(auth)
        if place is None:
            raise ConnectionRefusedError("unauthorized")
        role, office_id, counter_id = place
        join_room(room(role, office_id))
        session["sock"] = {"role": role, "office": office_id, "counter": counter_id}
        # Joined first, then the snapshot: an update sent in between reaches the client too,
        # and its number tells the client whether the snapshot already holds it.
        socketio.emit(SNAPSHOT, snapshot(office_id, role, counter_id), to=request.sid)
    return True


@socketio.on(SNAPSHOT_REQUEST)
def on_snapshot_request(_data=None):
    """Resend the client's snapshot (it saw a real gap in the sequence numbers)."""
    place = session.get("sock")
    if not isinstance(place, dict):
        return {"error": "unauthorized", "message": "Chưa kết nối."}
    with models.connection():
        socketio.emit(SNAPSHOT, snapshot(place["office"], place["role"], place["counter"]), to=request.sid)
    return {"ok": True}
