"""Province room: today's aggregate figures of every office, for a province-level leader.

Each office is counted on its own business day (office-local date). Satisfaction is the share
of today's ratings that count as satisfied by ``rules.rating`` (not in the Không hài lòng group),
the same rule the office's own reports and the clerk's figures use.
"""

from __future__ import annotations

from flask import jsonify
from peewee import fn

import realtime
import ticketing
from api.openapi import register
from models import Office, Rating, Ticket, utcnow
from rules import access
from rules import rating as scale_rules
from security import require

from . import bp

_INT = {"type": "integer"}
_PCT = {"type": ["number", "null"], "description": "percent, null when nobody rated"}
_FIGURES = {"issued": _INT, "served": _INT, "waiting": _INT, "rated": _INT, "satisfied": _INT,
            "satisfaction_pct": _PCT}
SUMMARY_SCHEMA = {
    "type": "object",
    "properties": {
        "offices": {"type": "array", "items": {"type": "object", "properties": {
            "id": _INT, "code": {"type": "string"}, "name": {"type": "string"},
            "day": {"type": "string", "format": "date"}, **_FIGURES}}},
        "totals": {"type": "object", "properties": _FIGURES},
        "generated_at": {"type": "string", "format": "date-time"},
    },
}

register(("get", "/api/province/summary", "Today's figures of every office: issued, served, waiting, satisfaction %",
          "province-level leader", None, 200, SUMMARY_SCHEMA))


def _pct(part: int, whole: int) -> float | None:
    """part / whole in percent with one decimal (None when whole is 0: no data is not 0%)."""
    return round(100.0 * part / whole, 1) if whole else None


def office_figures(office: Office, now=None) -> dict:
    """Tickets issued, served (done) and waiting on the office's business day; today's ratings."""
    day = ticketing.business_day(office, now)
    states = dict(
        Ticket.select(Ticket.state, fn.COUNT(Ticket.id))
        .where((Ticket.office == office.id) & (Ticket.day == day))
        .group_by(Ticket.state)
        .tuples()
    )
    ratings = list(
        Rating.select(Rating.level, Rating.scale)
        .where((Rating.office == office.id) & (Rating.created_at >= ticketing.day_start_utc(office, day)))
        .tuples()
    )
    satisfied = sum(1 for level, scale in ratings if scale_rules.is_satisfied(level, scale))
    return {
        "id": office.id, "code": office.code, "name": office.name, "day": day.isoformat(),
        "issued": sum(states.values()), "served": states.get("done", 0), "waiting": states.get("waiting", 0),
        "rated": len(ratings), "satisfied": satisfied, "satisfaction_pct": _pct(satisfied, len(ratings)),
    }


@bp.get("/api/province/summary")
@require(roles=access.PROVINCE_VIEW)
def summary():
    """Every office on this server with today's figures, and the province totals."""
    offices = [office_figures(o) for o in Office.select().order_by(Office.code, Office.name, Office.id)]
    totals = {k: sum(o[k] for o in offices) for k in ("issued", "served", "waiting", "rated", "satisfied")}
    totals["satisfaction_pct"] = _pct(totals["satisfied"], totals["rated"])
    return jsonify({"offices": offices, "totals": totals, "generated_at": realtime.iso(utcnow())})
