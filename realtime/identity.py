"""Realtime room, identities: each socket also sits in the rooms of who it speaks for, so that one
identity's sockets can all be closed at once, in every server process.

Rooms: ``who:session:<id>`` and ``who:user:<id>`` (a person's socket), ``who:device:<id>`` (a
screen's, and its print agent's on ``/agent``), ``who:ticket:<id>`` (a citizen's phone). Logout,
"log out everywhere", a new password, a deactivated account and a revoked device end in
``disconnect`` (security.py sends ``identity_ended`` after the change is committed; this module
listens, and a kiosk over its issue limit, ``device_over_limit``, becomes an alert on the monitor).

Across processes this rides on the Socket.IO message queue's own ``close_room`` message: every
process receives it, and ``install`` makes each one disconnect its local members of a ``who:``
room before the room is closed. Without a queue there is one process and it does so directly.
"""

from __future__ import annotations

from flask_socketio import join_room
from socketio import PubSubManager

import security

from .publish import alert
from .setup import after_init, socketio

PREFIX = "who:"
NAMESPACES = ("/", "/agent")


def room_of(kind: str, ident) -> str:
    """The room of one identity, e.g. ``who:device:7``."""
    return f"{PREFIX}{kind}:{ident}"


def join(who: list, namespace: str = "/") -> None:
    """Put the connecting socket in the rooms of ``who`` (security.socket_identity's third item)."""
    if who[0] == "session":
        join_room(room_of("session", who[1]), namespace=namespace)
        join_room(room_of("user", who[2]), namespace=namespace)
    else:
        join_room(room_of(who[0], who[1]), namespace=namespace)


def _disconnect_local(server, room: str, namespace: str) -> None:
    """Disconnect this process's sockets in ``room``."""
    for sid, _eio_sid in list(server.manager.get_participants(namespace, room)):
        server.disconnect(sid, namespace=namespace, ignore_queue=True)


def disconnect(kind: str, ident) -> None:
    """Close every socket of one identity, in this process and (through the queue) in the others."""
    server = socketio.server
    if server is None:
        return
    room = room_of(kind, ident)
    for namespace in NAMESPACES:
        if isinstance(server.manager, PubSubManager):
            server.manager.close_room(room, namespace)  # handled here and published to the others
        else:
            _disconnect_local(server, room, namespace)
            server.manager.close_room(room, namespace)


@security.identity_ended.connect
def _identity_ended(kind: str, ident) -> None:
    """security.py ended a session, a person's access or a device: close its sockets."""
    disconnect(kind, ident)


@security.device_over_limit.connect
def _device_over_limit(device, limit: int) -> None:
    """A kiosk went over its issue limit (once per ALERT_EVERY_S): tell the office's monitor."""
    alert(device.office_id, "device_rate_limit",
          f"Thiết bị “{device.name}” cấp số quá nhanh ({limit} số/phút): đã tạm chặn. "
          "Nếu không có ai đang lấy số, hãy thu hồi thiết bị này.", level="error",
          device={"id": device.id, "name": device.name, "kind": device.kind})


def install(server) -> None:
    """Make this process's queue listener disconnect the members of a closed ``who:`` room."""
    manager = server.manager
    if not isinstance(manager, PubSubManager) or getattr(manager, "_who_rooms_installed", False):
        return
    close_room = manager._handle_close_room

    def handle_close_room(message):
        """A closed identity room disconnects its members first (other rooms: as before)."""
        room = message.get("room")
        if isinstance(room, str) and room.startswith(PREFIX):
            _disconnect_local(server, room, message.get("namespace") or "/")
        close_room(message)

    manager._handle_close_room = handle_close_room
    manager._who_rooms_installed = True


after_init.append(install)  # every init_app: closing a who: room disconnects its sockets everywhere
