"""Rating room: the tablet page (or pairing instructions), the clerk's photo, and the pending rating.

A tablet is a Device of kind "tablet" bound to one counter (Device.counter) by the admin; it
pairs by opening ``/pair/<token>``, which stores its token in a cookie and sends it here.
"""

from __future__ import annotations

from flask import Response, g, jsonify, render_template

import errors
import ticketing
from api import openapi
from models import Counter, User
from rules import rating as scale_rules
from security import require

from . import bp

# Seconds: a rating screen nobody touches goes back to idle (the citizen walked away); the
# reasons screen waits longer because typing a comment takes time; thanks stay briefly.
RATING_TIMEOUT_S = 45
REASONS_TIMEOUT_S = 60
THANKS_S = 6

PHOTO_TYPES = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"), (b"GIF8", "image/gif"))

openapi.register(
    ("get", "/api/ratings/pending", "The ticket this tablet may rate now (null when none)", "tablet device",
     None, 200, {"type": "object", "properties": {"pending": {"type": ["object", "null"]}}}),
)


def _tablet_problem() -> str | None:
    """Why this browser cannot be a rating tablet now, or None when it can."""
    device = g.get("device")
    if device is None:
        return "unpaired"
    if device.kind != "tablet":
        return "not_tablet"
    if device.counter_id is None:
        return "no_counter"
    return None


@bp.get("/rating")
def tablet():
    """The satisfaction tablet of a counter, or clear pairing instructions."""
    problem = _tablet_problem()
    if problem is not None:
        device = g.get("device")
        return render_template("rating/unpaired.html", problem=problem, device=device)
    device = g.device
    counter = ticketing.get_counter(device.counter_id, device.office_id)
    office = ticketing.get_office(device.office_id)
    clerk = User.get_or_none(User.id == counter.clerk_id) if counter.clerk_id else None
    boot = {
        "counter": {"id": counter.id, "number": counter.number, "name": counter.name, "state": counter.state,
                    "pause_reason": counter.pause_reason, "clerk_name": clerk.full_name if clerk else None},
        "office": {"name": office.name},
        "clerk_name": clerk.full_name if clerk else None,
        "levels": office.rating_levels,
        "reasons": office.rating_reasons,
        # Every scale, so a rating asked on a scale changed since the page loaded still shows.
        "scales": {n: scale_rules.levels(n) for n in scale_rules.SCALES},
        "timeouts": {"rating": RATING_TIMEOUT_S, "reasons": REASONS_TIMEOUT_S, "thanks": THANKS_S},
    }
    return render_template("rating/tablet.html", boot=boot, counter=counter, office=office,
                           clerk=clerk)


def photo_type(data: bytes | None) -> str | None:
    """The image type of a stored photo by its first bytes (None: not a picture we serve)."""
    if not data:
        return None
    for magic, kind in PHOTO_TYPES:
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


@bp.get("/rating/clerk-photo")
@require(devices=("tablet",))
def clerk_photo():
    """The photo of the clerk now on duty at the tablet's counter (404 when none)."""
    counter = Counter.get_or_none(Counter.id == g.device.counter_id) if g.device.counter_id else None
    clerk = User.get_or_none(User.id == counter.clerk_id) if counter and counter.clerk_id else None
    kind = photo_type(clerk.photo if clerk else None)
    if kind is None:
        raise errors.NotFound("Cán bộ chưa có ảnh.")
    response = Response(bytes(clerk.photo), mimetype=kind)
    response.headers["Cache-Control"] = "no-store"  # the clerk on duty changes during the day
    return response


@bp.get("/api/ratings/pending")
@require(devices=("tablet",))
def pending():
    """The ticket just finished at this tablet's counter if it can still be rated (after a reload)."""
    if g.device.counter_id is None:
        return jsonify({"pending": None})
    ticket = ticketing.ratable_ticket(g.device.counter_id)
    if ticket is None:
        return jsonify({"pending": None})
    office = ticketing.get_office(ticket.office_id)
    clerk = User.get_or_none(User.id == ticket.clerk_id) if ticket.clerk_id else None
    return jsonify({"pending": scale_rules.rating_request(ticket, office, clerk.full_name if clerk else None,
                                                          ticketing.utcnow())})
