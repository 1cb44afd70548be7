"""API room: HTTP routes. Each view checks who asks, calls the queue rules, then publishes."""

from __future__ import annotations

from flask import current_app, g, jsonify, make_response, redirect, request

import baseurl
import errors
import realtime
import security
import ticketing
from models import Counter, Device, Field, Procedure, Rating, Ticket, utcnow
import kiosk.printers as printers  # the module only: importing the kiosk package here would loop back (kiosk.agent_link -> api)
from kiosk.routes import priority_categories
from rules import access
from rules import booking as booking_rules
from security import require
from ticketing import appointments

from . import bp
from .openapi import openapi_document
from .validation import int_value, json_body, str_value


def _office_id() -> int:
    """The caller's office (province users have none and cannot use office routes)."""
    office_id = security.current_office_id()
    if office_id is None:
        raise errors.Forbidden("Tài khoản không thuộc đơn vị nào.")
    return office_id


def status_url(ticket: Ticket) -> str:
    """The citizen's phone page for a ticket (the QR code's content): never from the request's Host header."""
    return f"{baseurl.public_base_url(current_app)}/t/{ticket.public_token}"


PUBLIC_STATUS_KEYS = ("id", "number", "field_id", "field_name", "state", "issued_at", "called_at", "finished_at",
                      "counter_id", "counter_number", "counter_name", "recall_count")


def ticket_status(ticket: Ticket, office=None, field=None, queue=None) -> dict:
    """Public status of a ticket: number, field, state, people ahead, estimated wait, counter.

    ``queue``: the field's figures the publisher just computed (spares recomputing them).
    """
    office = office or ticketing.get_office(ticket.office_id)
    ahead = ticketing.people_ahead(ticket)
    if queue and ticket.state == "waiting":
        wait = ticketing.estimate_wait(ahead, queue["service_s"], queue["open_counters"])
    elif ticket.state == "waiting":
        wait = ticketing.estimated_wait_seconds(ahead, ticket.field_id, office)
    else:
        wait = 0
    payload = realtime.ticket_payload(ticket, fields={field.id: field} if field else None)
    # Whoever holds the paper ticket reads this: no note, no priority category (issue 13 row 2).
    payload = {key: payload[key] for key in PUBLIC_STATUS_KEYS}
    rated = ticket.state == "done" and Rating.select().where(Rating.ticket == ticket.id).exists()
    nearby = appointments.settings_for(office.id)  # "your turn is near" (rules.booking, issue 16)
    return {
        "ticket": payload,
        "number": ticket.display_number,
        "field": {"id": ticket.field_id, "name": payload["field_name"]},
        "state": ticket.state,
        "people_ahead": ahead,
        "position": ahead + 1 if ticket.state == "waiting" else 0,
        "estimated_wait_s": wait,
        "near": ticket.state == "waiting" and booking_rules.is_near(ahead, wait, nearby.near_people, nearby.near_minutes),
        "counter_number": payload["counter_number"],
        "counter_name": payload["counter_name"],
        "office": {"id": office.id, "name": office.name},
        "rated": bool(rated),
        # The phone rates within the office's rate-later days (ticketing.ratings.window_s).
        "can_rate": bool(ticket.state == "done" and office.phone_rating and not rated
                         and (utcnow() - ticket.finished_at).total_seconds() <= ticketing.phone_window_s(office)),
    }


# --------------------------------------------------------------------------- session


@bp.post("/api/session")
def login():
    """Log in with username and password; sets the session cookie."""
    import passwords

    data = json_body()
    # The password as typed (passwords.py): stripping it here refused passwords the admin page set.
    password = passwords.as_typed(data.get("password"))
    if not password:
        str_value(data, "password", max_length=passwords.MAX_LENGTH)  # the usual 422 for a missing/bad value
    user = security.login(str_value(data, "username", max_length=64), password)
    return jsonify(_session_payload(user))


@bp.get("/api/session")
def whoami():
    """Who is logged in (and the CSRF token for cookie-authenticated writes)."""
    if g.user is None and g.device is None:
        raise errors.Unauthorized("Chưa đăng nhập.")
    if g.user is not None:
        return jsonify(_session_payload(g.user))
    return jsonify({"device": _device_payload(g.device), "csrf_token": security.csrf_token()})


@bp.delete("/api/session")
def logout():
    """Log out: the session ends on the server (its cookie is refused from now on)."""
    security.logout()
    return jsonify({"ok": True})


@bp.delete("/api/sessions")
@require(roles=access.ROLES)
def logout_everywhere():
    """Log out everywhere: every session of the caller ends, this one included, and its screens close."""
    ended = security.end_sessions(g.user.id, "everywhere")
    security.logout()
    return jsonify({"ok": True, "ended": ended})


def _session_payload(user) -> dict:
    """The logged-in user and which counters they may use."""
    counters = Counter.select().where(Counter.office == user.office_id).order_by(Counter.number)
    return {
        "user": {"id": user.id, "username": user.username, "full_name": user.full_name, "role": user.role,
                 "office_id": user.office_id},
        "counters": [{"id": c.id, "number": c.number, "name": c.name} for c in counters
                     if security.can_use_counter(user, c)],
        "csrf_token": security.csrf_token(),
    }


def _device_payload(device: Device) -> dict:
    """A device as it sees itself."""
    return {"id": device.id, "kind": device.kind, "name": device.name, "office_id": device.office_id,
            "counter_id": device.counter_id, "settings": device.settings}


# --------------------------------------------------------------------------- public listing


@bp.get("/api/fields")
@require(roles=access.STAFF, devices=access.OFFICE_DEVICES)
def list_fields():
    """Fields with people waiting and estimated wait, and whether tickets are issued now."""
    office = ticketing.get_office(_office_id())
    return jsonify({"fields": realtime.fields_payload(office), "opening": ticketing.opening_state(office)})


@bp.get("/api/procedures")
@require(roles=access.STAFF, devices=access.OFFICE_DEVICES)
def list_procedures():
    """The public listing: each field's procedures, documents, legal time and fee."""
    office_id = _office_id()
    office = ticketing.get_office(office_id)
    fields = []
    for field in Field.for_office(office_id, active_only=True):
        procedures = field.procedures.order_by(Procedure.sort_order, Procedure.id)
        fields.append(
            {
                "id": field.id,
                "name": field.name,
                "procedures": [
                    {"id": p.id, "name": p.name, "processing_time": p.processing_time, "fee": p.fee,
                     "documents": [d for d in p.documents.splitlines() if d.strip()]}
                    for p in procedures
                ],
            }
        )
    schedule = {k: getattr(office, k) for k in ("open_time", "close_time", "lunch_start", "lunch_end", "cutoff_time")}
    schedule["working_days"] = office.working_days
    return jsonify({"fields": fields, "schedule": schedule})


@bp.get("/api/priority-categories")
@require(roles=access.STAFF, devices=("kiosk",))
def list_priority_categories():
    """Priority categories a kiosk offers."""
    return jsonify({"categories": priority_categories(_office_id())})


@bp.get("/api/snapshot")
@require(roles=access.STAFF, devices=access.OFFICE_DEVICES)
def get_snapshot():
    """The caller's live state: the snapshot its role receives on connect (a device: its role's)."""
    office_id = _office_id()
    if g.get("user") is not None:
        role = realtime.rooms.user_role(g.user) or realtime.rooms.STAFF
        return jsonify(realtime.snapshot(office_id, role))
    return jsonify(realtime.snapshot(office_id, realtime.rooms.device_role(g.device), g.device.counter_id))


# --------------------------------------------------------------------------- tickets


@bp.post("/api/tickets")
@require(roles=access.STAFF, devices=("kiosk",))
def issue():
    """Issue a ticket for a field (kiosk, or staff on a citizen's behalf)."""
    data = json_body()
    field_id = int_value(data, "field", minimum=1)
    priority = data.get("priority")
    if priority is not None and not isinstance(priority, str):
        raise errors.Invalid("Trường “priority” phải là mã đối tượng ưu tiên.", fields={"priority": "string"})
    client_ref = data.get("client_ref")
    kiosk = g.device if g.device is not None and g.device.kind == "kiosk" else None
    if kiosk is not None:
        security.check_issue_rate(kiosk)  # a stolen kiosk token cannot print an endless roll (row 4)
    printer = printers.printer_of(kiosk) if kiosk is not None else None  # the issuing kiosk's own (issue 14)
    change = ticketing.issue_ticket(
        _office_id(), field_id, priority=priority or None, kiosk=kiosk, client_ref=client_ref,
        print_ticket=printer is not None and printer.queues_jobs,
    )
    realtime.publish(change)
    if printer is not None and printer.queues_jobs and not change.duplicate:
        printers.queued(kiosk.id, printer)
    body = ticket_status(change.ticket, change.office, change.field, change.queue.get(change.ticket.field_id))
    body.update(public_token=change.ticket.public_token, status_url=status_url(change.ticket),
                duplicate=change.duplicate)
    if kiosk is not None:
        body["print"] = printers.issue_print(change.ticket, kiosk, printer)
        body["ticket"]["priority"] = realtime.ticket_payload(change.ticket)["priority"]  # the kiosk shows it
    return jsonify(body), 200 if change.duplicate else 201


@bp.get("/api/tickets")
@require(roles=access.STAFF)
def list_tickets():
    """Today's tickets of the office, optionally by state and field."""
    office = ticketing.get_office(_office_id())
    query = Ticket.select().where((Ticket.office == office.id) & (Ticket.day == ticketing.business_day(office)))
    state = request.args.get("state")
    if state:
        query = query.where(Ticket.state.in_(state.split(",")))
    field = request.args.get("field", type=int)
    if field:
        query = query.where(Ticket.field == field)
    query = query.order_by(Ticket.priority.is_null(), Ticket.arrival_at, Ticket.id).limit(1000)
    return jsonify({"tickets": [realtime.ticket_payload(t) for t in query]})


@bp.get("/api/tickets/<int:ticket_id>")
@require(roles=access.STAFF)
def get_ticket(ticket_id):
    """One ticket of the office with its history."""
    ticket = ticketing.get_ticket(ticket_id, _office_id())
    events = [{"kind": e.kind, "from": e.from_state, "to": e.to_state, "at": realtime.iso(e.at),
               "counter_id": e.counter_id, "user_id": e.user_id} for e in ticket.events.order_by(ticket.events.model.id)]
    return jsonify({"ticket": realtime.ticket_payload(ticket), "events": events})


@bp.get("/api/tickets/status/<token>")
def ticket_status_public(token):
    """Public status for the citizen's phone: no login, unguessable token."""
    ticket = Ticket.get_or_none(Ticket.public_token == token)
    if ticket is None:
        raise errors.NotFound("Không tìm thấy số thứ tự. Hãy kiểm tra lại mã QR.")
    return jsonify(ticket_status(ticket))


@bp.post("/api/tickets/status/<token>/rating")
def rate_from_phone(token):
    """A citizen rates their finished ticket from the phone page (if the office allows it)."""
    ticket = Ticket.get_or_none(Ticket.public_token == token)
    if ticket is None:
        raise errors.NotFound("Không tìm thấy số thứ tự.")
    data = json_body()
    change = ticketing.rate(ticket.id, int_value(data, "level"), data.get("reasons") or [],
                            str_value(data, "comment", required=False, max_length=1000), source="phone")
    realtime.publish(change)
    return jsonify({"ok": True, "rating": {"level": change.rating.level, "scale": change.rating.scale}}), 201


TICKET_ACTIONS = {
    "recall": ticketing.recall,
    "start": ticketing.start,
    "finish": ticketing.finish,
    "no-show": ticketing.no_show,
    "cancel": ticketing.cancel,
    "reactivate": ticketing.reactivate,
}

@bp.post("/api/tickets/<int:ticket_id>/<any(recall,start,finish,'no-show',cancel,reactivate):action>")
@require(roles=access.STAFF)
def ticket_action(ticket_id, action):
    """Recall, start, finish, no-show, cancel or reactivate a ticket."""
    office_id = _office_id()
    security.check_ticket_access(ticketing.get_ticket(ticket_id, office_id))
    change = TICKET_ACTIONS[action](ticket_id, office_id=office_id, user=g.user)
    realtime.publish(change)
    return jsonify({"ticket": realtime.ticket_payload(change.ticket)})


@bp.post("/api/tickets/<int:ticket_id>/transfer")
@require(roles=access.STAFF)
def transfer(ticket_id):
    """Transfer a ticket to another field and/or a named counter, keeping its place."""
    office_id = _office_id()
    data = json_body()
    security.check_ticket_access(ticketing.get_ticket(ticket_id, office_id))
    change = ticketing.transfer(
        ticket_id,
        field_id=int_value(data, "field", required=False, minimum=1),
        counter_id=int_value(data, "counter", required=False, minimum=1),
        note=str_value(data, "note", required=False, max_length=500),
        office_id=office_id,
        user=g.user,
    )
    realtime.publish(change)
    return jsonify({"ticket": realtime.ticket_payload(change.ticket)})


# --------------------------------------------------------------------------- counters


def _my_counter(counter_id) -> Counter:
    """A counter of the caller's office that the caller may use."""
    counter = ticketing.get_counter(counter_id, _office_id())
    security.check_counter_access(counter)
    return counter


@bp.get("/api/counters")
@require(roles=access.STAFF, devices=access.OFFICE_DEVICES)
def list_counters():
    """Counters of the office with state and current ticket: staff see it all, a device only what
    its screen shows (no notes, no clerk names but a tablet's own counter's clerk: issue 13 row 12)."""
    counters = Counter.select().where(Counter.office == _office_id()).order_by(Counter.number)
    staff_view = [realtime.counter_payload(c) for c in counters]
    device = g.get("device") if g.get("user") is None else None
    if device is None:
        return jsonify({"counters": staff_view})
    if device.kind == "tablet":
        return jsonify({"counters": [realtime.payloads.tablet_counter(c) for c in staff_view
                                     if c["id"] == device.counter_id]})
    view = realtime.payloads.board_counter if device.kind == "display" else realtime.payloads.public_counter
    return jsonify({"counters": [view(c) for c in staff_view]})


@bp.post("/api/counters/<int:counter_id>/call-next")
@require(roles=access.STAFF)
def call_next(counter_id):
    """Call the next ticket for this counter (409 queue_empty when nobody waits)."""
    counter = _my_counter(counter_id)
    change = ticketing.call_next(counter.id, user=g.user)
    realtime.publish(change)
    return jsonify({"ticket": realtime.ticket_payload(change.ticket), "counter": {"id": counter.id, "number": counter.number}})


@bp.post("/api/counters/<int:counter_id>/call")
@require(roles=access.STAFF)
def call_chosen(counter_id):
    """Call a chosen waiting ticket to this counter."""
    counter = _my_counter(counter_id)
    ticket = ticketing.get_ticket(int_value(json_body(), "ticket", minimum=1), counter.office_id)
    security.check_ticket_access(ticket, counter)
    change = ticketing.call_ticket(counter.id, ticket.id, user=g.user)
    realtime.publish(change)
    return jsonify({"ticket": realtime.ticket_payload(change.ticket), "counter": {"id": counter.id, "number": counter.number}})


@bp.post("/api/counters/<int:counter_id>/<any(pause,resume,open,close):action>")
@require(roles=access.STAFF)
def counter_state(counter_id, action):
    """Pause (with a reason), resume, open or close a counter."""
    counter = _my_counter(counter_id)
    reason = ""
    if action == "pause":
        reason = str_value(json_body(), "reason", max_length=120)
    state = {"pause": "paused", "resume": "open", "open": "open", "close": "closed"}[action]
    change = ticketing.set_counter_state(counter.id, state, reason, office_id=counter.office_id, user=g.user)
    realtime.publish(change)
    return jsonify({"counter": realtime.counter_payload(change.counter)})


# --------------------------------------------------------------------------- ratings


@bp.post("/api/ratings")
@require(devices=("tablet",))
def rate():
    """A tablet stores the citizen's rating of the ticket just finished at its counter."""
    data = json_body()
    reasons = data.get("reasons") or []
    change = ticketing.rate(
        int_value(data, "ticket", minimum=1),
        int_value(data, "level"),
        reasons,
        str_value(data, "comment", required=False, max_length=1000),
        counter_id=g.device.counter_id,
        device=g.device,
        source="tablet",
    )
    realtime.publish(change)
    return jsonify({"ok": True, "rating": {"id": change.rating.id, "level": change.rating.level,
                                           "scale": change.rating.scale}}), 201


# --------------------------------------------------------------------------- documents and pairing


@bp.get("/api/openapi.json")
def openapi():
    """The OpenAPI 3 document of this API."""
    return jsonify(openapi_document())


@bp.get("/api/health")
def health():
    """Liveness for anyone (the database answers); the system's details for an admin or the monitoring token."""
    from system import routes as system_routes, status as system_status  # only health reports on them

    Ticket.select().limit(1).count()
    body = {"ok": True, "time": realtime.iso(utcnow())}
    if system_routes.may_see_details():  # no PID, lock or paths for the anonymous (issue 13 row 12)
        body.update(system_status.health(current_app.config))
    return jsonify(body)


DEVICE_HOME = {"kiosk": "/kiosk", "display": "/display", "tablet": "/rating"}


@bp.get("/pair/<token>")
def pair(token):
    """Open a pairing link on the device: store its token in a long-lived cookie, go to its screen."""
    device = security.device_from_token(token)
    if device is None:
        raise errors.NotFound("Liên kết ghép nối không hợp lệ hoặc đã bị thu hồi.")
    response = make_response(redirect(DEVICE_HOME[device.kind]))
    response.set_cookie(security.DEVICE_COOKIE, token, max_age=5 * 365 * 86400, httponly=True, samesite="Lax",
                        secure=current_app.config.get("SESSION_COOKIE_SECURE", False))
    return response

