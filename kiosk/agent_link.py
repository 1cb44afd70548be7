"""Kiosk room, agent link: the server's doors for a kiosk's print agent (``python -m kiosk.agent``).

The same three operations over Socket.IO (namespace ``/agent``, pushed ``jobs`` hints) and over
HTTP (the fallback when the socket cannot connect): take the kiosk's jobs, answer one job,
report the printer's state. The agent authenticates with its kiosk's device token (the
pairing link), as ``X-Device-Token`` or ``auth: {device_token}``. Its socket closing marks the
printer offline on the office's monitor and counters.
"""

from __future__ import annotations

from flask import current_app, g, jsonify, session
from flask_socketio import join_room

import baseurl
import errors
import models
from api import openapi
from api.validation import json_body
from kiosk import printers
from realtime import identity
from realtime.agents import NAMESPACE, agent_room
from realtime.setup import socketio
from security import device_from_token, require

from .blueprint import bp

openapi.register(
    ("post", "/api/agent/take", "Print agent: take the kiosk's due print jobs (ESC/POS in base64); "
     "`holding` lists job ids it still holds", "kiosk device (its print agent)",
     {"type": "object", "properties": {"holding": {"type": "array", "items": {"type": "integer"}}}}, 200,
     {"type": "object", "properties": {"jobs": {"type": "array"}, "printer": {"type": "object"}}}),
    ("post", "/api/agent/jobs/{job_id}/ack", "Print agent: a job was printed, too late (stale) or failed",
     "kiosk device (its print agent)",
     {"type": "object", "required": ["result"], "properties": {
         "result": {"type": "string", "enum": ["printed", "stale", "failed"]}, "error": {"type": "string"}}},
     200, None),
    ("post", "/api/agent/status", "Print agent: the kiosk printer's state", "kiosk device (its print agent)",
     {"type": "object", "required": ["online"], "properties": {
         "online": {"type": "boolean"}, "paper": {"type": "string", "enum": ["ok", "low", "out", "unknown"]},
         "message": {"type": "string"}}}, 200, None),
)


def _base_url() -> str:
    """What the tickets' QR codes point to."""
    return baseurl.public_base_url(current_app)


# --------------------------------------------------------------------------- HTTP


@bp.post("/api/agent/take")
@require(devices=("kiosk",))
def agent_take():
    """The kiosk's due print jobs for its agent."""
    data = json_body(optional=True)
    return jsonify(printers.agent_take(printers.agent_device(g.device), data.get("holding", []), _base_url()))


@bp.post("/api/agent/jobs/<int:job_id>/ack")
@require(devices=("kiosk",))
def agent_ack(job_id):
    """The agent's answer for one job (may be sent again: nothing changes twice)."""
    data = json_body()
    return jsonify(printers.agent_ack(printers.agent_device(g.device), job_id, data.get("result"),
                                      data.get("error") or ""))


@bp.post("/api/agent/status")
@require(devices=("kiosk",))
def agent_status():
    """The kiosk printer's state as the agent reads it."""
    device = printers.agent_device(g.device)
    printers.record(device, printers.clean_status(json_body()))
    return jsonify({"ok": True})


# --------------------------------------------------------------------------- Socket.IO


def _agent() -> models.Device:
    """The kiosk of this agent connection, read again (a revoked token stops working at once)."""
    kiosk_id = session.get("agent_kiosk")
    device = models.Device.get_or_none((models.Device.id == kiosk_id) & models.Device.revoked_at.is_null())
    return printers.agent_device(device)


def _answer(operation):
    """Run one agent call; a refusal becomes ``{error, message}`` like the HTTP API's."""
    with models.connection():
        try:
            return operation()
        except errors.DomainError as exc:
            return {"error": exc.code, "message": exc.message}


@socketio.on("connect", namespace=NAMESPACE)
def on_agent_connect(auth=None):
    """An agent connects with its kiosk's device token and joins that kiosk's room."""
    token = (auth or {}).get("device_token") if isinstance(auth, dict) else None
    with models.connection():
        device = device_from_token(token) if isinstance(token, str) else None
        if device is None or device.kind != "kiosk":
            raise ConnectionRefusedError("unauthorized")
    session["agent_kiosk"] = device.id
    join_room(agent_room(device.id), namespace=NAMESPACE)
    # Revoking or re-linking the kiosk disconnects its agent too (security.device_revoked).
    identity.join(["device", device.id, device.token_hash], namespace=NAMESPACE)
    return True


@socketio.on("take", namespace=NAMESPACE)
def on_take(data=None):
    """The kiosk's due jobs, as the ack of the agent's call."""
    data = data if isinstance(data, dict) else {}
    return _answer(lambda: printers.agent_take(_agent(), data.get("holding", []), _base_url()))


@socketio.on("ack", namespace=NAMESPACE)
def on_ack(data=None):
    """The agent's answer for one job."""
    data = data if isinstance(data, dict) else {}
    return _answer(lambda: printers.agent_ack(_agent(), data.get("job"), data.get("result"), data.get("error") or ""))


@socketio.on("status", namespace=NAMESPACE)
def on_status(data=None):
    """The kiosk printer's state."""

    def report():
        printers.record(_agent(), printers.clean_status(data))
        return {"ok": True}

    return _answer(report)


@socketio.on("disconnect", namespace=NAMESPACE)
def on_agent_disconnect(reason=None):
    """The agent went away (network cut, kiosk off, agent stopped): its printer shows offline."""
    kiosk_id = session.get("agent_kiosk")
    if kiosk_id is None:
        return
    with models.connection():
        device = models.Device.get_or_none(models.Device.id == kiosk_id)
        if device is not None:
            printers.agent_gone(device)

