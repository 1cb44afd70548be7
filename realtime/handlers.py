"""Realtime room, socket handlers: who connects, which role room they join, snapshot replies.

Sockets only listen: every change of state goes through the HTTP API. A client sends one
event, ``snapshot_request`` (after a real gap in the sequence numbers), answered with its
role's snapshot.
"""

from __future__ import annotations

from flask import request, session
from flask_socketio import disconnect, join_room

import models
from security import socket_identity, socket_still_valid

from . import identity
from .rooms import PUBLIC, SNAPSHOT, SNAPSHOT_REQUEST, device_role, room, user_role
from .setup import socketio
from .snapshots import snapshot


def _place(auth) -> tuple[str, int, int | None, list] | None:
    """(role, office id, tablet's counter id, who) of the connecting client, or None when unknown.

    ``who`` (security.socket_identity) names the session, device or ticket it speaks for: every
    handler that acts checks it again, and ending that identity disconnects the socket.
    """
    found = socket_identity(auth, session)
    if found is None:
        return None
    kind, subject, who = found
    if kind == "user":
        role = user_role(subject)
        return (role, subject.office_id, None, who) if role is not None else None
    if kind == "device":
        role = device_role(subject)
        return (role, subject.office_id, subject.counter_id, who) if role is not None else None
    return PUBLIC, subject.office_id, None, who


@socketio.on("connect")
def on_connect(auth=None):
    """Authenticate, join the one role room of the client's office and send its snapshot."""
    with models.connection():
        place = _place(auth)
        if place is None:
            raise ConnectionRefusedError("unauthorized")
        role, office_id, counter_id, who = place
        join_room(room(role, office_id))
        identity.join(who)
        session["sock"] = {"role": role, "office": office_id, "counter": counter_id, "who": who}
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
        if not socket_still_valid(place.get("who"), session):  # logged out, revoked, ticket over
            disconnect()
            return {"error": "unauthorized", "message": "Phiên kết nối đã hết hiệu lực."}
        socketio.emit(SNAPSHOT, snapshot(place["office"], place["role"], place["counter"]), to=request.sid)
    return {"ok": True}
