"""Counter room: the console page and its API additions (today's own figures, reprint a ticket).

The console itself is one page driven by static/js/counter.js; every queue action goes through
the JSON API (``/api/counters/...``, ``/api/tickets/...``) and the page follows the office live.
"""

from __future__ import annotations

from flask import g, jsonify, render_template

import errors
import realtime
import security
import ticketing
from api import openapi
from api.validation import json_body
from kiosk import printers
from rules import access, states
from security import require

from . import bp
from .figures import clerk_today

# The console's actions: (name, button text, shortcut shown, keys as KeyboardEvent.key values).
# The page builds its buttons, its shortcut help and its key bindings from this one list.
ACTIONS = [
    ("call_next", "Gọi số tiếp theo", "F1 / Space", ["F1", " "]),
    ("recall", "Gọi lại", "R", ["r"]),
    ("start", "Bắt đầu phục vụ", "S", ["s"]),
    ("finish", "Kết thúc", "F", ["f"]),
    ("no_show", "Vắng mặt", "N", ["n"]),
    ("transfer", "Chuyển…", "T", ["t"]),
    ("reprint", "In lại phiếu", "I", ["i"]),
    ("pause", "Tạm dừng…", "P", ["p"]),
]

PAUSE_REASONS = ["Nghỉ trưa", "Họp", "Vắng mặt tạm thời"]

openapi.register(
    ("get", "/api/me/today", "Today's own figures of the logged-in clerk (aggregates only)", "clerk, leader, admin",
     None, 200, {"type": "object", "properties": {
         "served": {"type": "integer"}, "avg_service_s": {"type": ["integer", "null"]},
         "no_show": {"type": "integer"}, "transferred": {"type": "integer"},
         "ratings": {"type": "object", "description": "count, satisfied, satisfied_pct, scale, levels[]"}}}),
    ("post", "/api/tickets/{ticket_id}/reprint", "Queue a reprint of an open ticket of today on the kiosk picked "
     "(`kiosk`, default the issuing one; 409 printer_off when it has no printer)",
     "clerk, leader, admin", {"type": "object", "properties": {"kiosk": {"type": "integer"}}}, 201, None),
    ("get", "/api/kiosks/printing", "The office's kiosks that print (where a reprint can go)", "clerk, leader, admin",
     None, 200, {"type": "object", "properties": {"kiosks": {"type": "array"}}}),
)


@bp.get("/counter")
def console():
    """The clerk's console (login, counter choice and the working screen in one page)."""
    office_id = security.current_office_id()
    timezone = ticketing.get_office(office_id).timezone if office_id is not None else None
    return render_template(
        "counter/console.html",
        actions=[{"name": a, "label": label, "hint": hint, "keys": keys} for a, label, hint, keys in ACTIONS],
        pause_reasons=PAUSE_REASONS,
        counter_states=states.COUNTER_STATES,
        # Times show in the office's zone whatever the PC's (docs/API.md "Conventions"); before a
        # login the office is unknown and the page keeps Motcua's default, Asia/Ho_Chi_Minh.
        timezone=timezone or None,
    )


@bp.get("/api/me/today")
@require(roles=access.STAFF)
def my_today():
    """Today's figures of the logged-in person: served, average service time, ratings (aggregates)."""
    if g.user.office_id is None:
        raise errors.Forbidden("Tài khoản không thuộc đơn vị nào.")
    office = ticketing.get_office(g.user.office_id)
    return jsonify(clerk_today(g.user, office))


@bp.post("/api/tickets/<int:ticket_id>/reprint")
@require(roles=access.STAFF)
def reprint(ticket_id):
    """Queue one more print of a ticket (the print worker sends it to the printer)."""
    office_id = security.current_office_id()
    if office_id is None:
        raise errors.Forbidden("Tài khoản không thuộc đơn vị nào.")
    ticket = ticketing.get_ticket(ticket_id, office_id)
    security.check_ticket_access(ticket)  # the one rule of every ticket action (security.may_act_on_ticket)
    data = json_body(optional=True)
    kiosk = printers.reprint_target(ticket, office_id, data.get("kiosk"))  # the clerk's pick, else the issuing kiosk
    change = ticketing.reprint(ticket_id, office_id=office_id, user=g.user, kiosk_id=kiosk.id)
    if not change.duplicate:
        printers.queued(kiosk.id)
    body = {"ticket": realtime.ticket_payload(change.ticket), "print_job_id": change.print_job_id,
            "kiosk": {"id": kiosk.id, "name": kiosk.name}, "duplicate": change.duplicate}
    return jsonify(body), 200 if change.duplicate else 201


@bp.get("/api/kiosks/printing")
@require(roles=access.STAFF)
def printing_kiosks():
    """The office's kiosks with a printer: the console offers them for a reprint."""
    office_id = security.current_office_id()
    if office_id is None:
        raise errors.Forbidden("Tài khoản không thuộc đơn vị nào.")
    return jsonify({"kiosks": printers.kiosk_choices(office_id)})
