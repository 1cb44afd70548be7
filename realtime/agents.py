"""Realtime room, print agents: the ``/agent`` namespace a kiosk's print agent listens on.

Unnumbered messages, outside the live protocol's role rooms: each agent joins the room of its
own kiosk, ``agent:<kiosk id>``, and is told ``jobs`` when a print job was queued for that kiosk
(it then takes the jobs itself, so a lost message costs only the agent's next poll). The
agent's own calls (take, ack, status) are answered in ``kiosk.agent_link``.
"""

from __future__ import annotations

from .setup import socketio

NAMESPACE = "/agent"
JOBS = "jobs"


def agent_room(kiosk_id: int) -> str:
    """The room of a kiosk's print agent."""
    return f"agent:{kiosk_id}"


def nudge(kiosk_id: int) -> None:
    """Tell a kiosk's agent that jobs are waiting (no number, no payload but the kiosk)."""
    socketio.emit(JOBS, {"kiosk_id": kiosk_id}, to=agent_room(kiosk_id), namespace=NAMESPACE)
