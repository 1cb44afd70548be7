"""Realtime room: the one place that emits (live protocol v2; docs/API.md, "Socket.IO").

What the rest of the app calls, after commit:

- ``publish(change)``          a queue operation's ``ticketing.Change``
- ``office_changed(office_id)`` settings, fields, counters or categories edited in the admin
- ``voice_changed(office_id, key)`` an office recording uploaded or deleted
- ``alert(office_id, kind, message, level="warning", **extra)`` e.g. a printer out of paper
- ``leaders_alert(office_id, item)`` an alert for the leaders' screens only (a rating alert handled)
- ``init_app(app)`` and ``socketio`` (server.py, background tasks)
- payload builders shared with HTTP routes: ``ticket_payload``, ``counter_payload``,
  ``fields_payload``, ``office_payload``, ``voice_payload``, ``clip_version``, ``iso``,
  ``snapshot(office_id, role)``

Modules: ``setup`` (the SocketIO instance), ``rooms`` (event names, role rooms), ``payloads``
(each role's view of tickets, counters, fields, calls), ``snapshots`` (each role's whole
state, a fixed number of queries), ``publish`` (one change -> one numbered ``update`` per
role room), ``handlers`` (connect, ``snapshot_request``).
"""

from . import handlers  # noqa: F401  (registers the socket handlers)
from .payloads import (
    OfficeRows,
    clip_version,
    counter_payload,
    fields_payload,
    iso,
    office_payload,
    public_ticket,
    ticket_payload,
    voice_payload,
)
from .publish import alert, leaders_alert, office_changed, publish, voice_changed
from .rooms import ROLES, SNAPSHOT, SNAPSHOT_REQUEST, UPDATE, room
from .setup import init_app, socketio
from .snapshots import snapshot

__all__ = [
    "OfficeRows", "ROLES", "SNAPSHOT", "SNAPSHOT_REQUEST", "UPDATE", "alert", "clip_version", "counter_payload",
    "fields_payload", "init_app", "iso", "leaders_alert", "office_changed", "office_payload", "public_ticket", "publish",
    "room", "snapshot", "socketio", "ticket_payload", "voice_payload", "voice_changed",
]
