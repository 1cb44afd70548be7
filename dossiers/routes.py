"""Dossiers room: HTTP routes for dossier codes at the counter, the receipt slip, rating a visit later
from the slip's QR, and the leaders' rating alerts. Each view checks who asks, calls the queue
rules (ticketing), then publishes."""

from __future__ import annotations

import datetime as dt

from flask import current_app, g, jsonify, render_template, request

import baseurl
import errors
import qr
import realtime
import security
import ticketing
from admin.access import office_id as admin_office_id
from admin.access import reader
from api import openapi
from api.validation import int_value, json_body, str_value
from models import Counter, RatingAlert, Ticket, User, utcnow
from rules import access
from rules import dossier as dossier_rules
from rules import rating as scale_rules
from security import require

from . import bp

DOSSIER = {"type": "object", "properties": {
    "id": {"type": "integer"}, "code": {"type": "string"}, "kind": {"type": "string", "enum": list(dossier_rules.KINDS)},
    "kind_label": {"type": "string"}, "at": {"type": "string"}, "by": {"type": ["string", "null"]},
    "slip_url": {"type": "string"}}}
RATING_BODY = {"type": "object", "required": ["level"], "properties": {
    "level": {"type": "integer", "minimum": 1}, "reasons": {"type": "array", "items": {"type": "string"}},
    "comment": {"type": "string"}}, "additionalProperties": True}

openapi.register(
    ("get", "/api/tickets/{ticket_id}/dossiers", "A visit's dossier codes (mã hồ sơ), in the order taken",
     "clerk, leader, admin", None, 200, {"type": "object", "properties": {"dossiers": {"type": "array", "items": DOSSIER}}}),
    ("post", "/api/tickets/{ticket_id}/dossiers", "Take a dossier code (typed or scanned) on a visit at the counter "
     "or finished today; 200 with duplicate=true when the visit already has it; 422 invalid for a malformed code",
     "clerk of the ticket's counter, leader, admin",
     {"type": "object", "required": ["code"], "properties": {
         "code": {"type": "string", "maxLength": 2000}, "kind": {"type": "string", "enum": list(dossier_rules.KINDS)}},
      "additionalProperties": True}, 201, {"type": "object", "properties": {"dossier": DOSSIER, "duplicate": {"type": "boolean"}}}),
    ("delete", "/api/tickets/{ticket_id}/dossiers/{dossier_id}", "Take back a mistaken code of a visit not yet rated",
     "clerk of the ticket's counter, leader, admin", None, 200, None),
    ("get", "/api/dossiers/status/{token}", "The visit a receipt slip's QR names: status, dossier code, rating form state",
     "anyone with the slip's token", None, 200, None),
    ("post", "/api/dossiers/status/{token}/rating", "Rate the visit of a dossier from the phone (once per visit, "
     "within the office's rate-later days; a tablet rating of the same visit refuses it and vice versa)",
     "anyone with the slip's token", RATING_BODY, 201, None),
    ("get", "/api/rating-alerts", "The office's \"Không hài lòng\" alerts (state=open, the default, or all)",
     "leader, admin", None, 200, {"type": "object", "properties": {"alerts": {"type": "array"}}}),
    ("post", "/api/rating-alerts/{alert_id}/handle", "Mark an alert handled with a note (audit log); 409 already_handled",
     "leader, admin", {"type": "object", "required": ["note"], "properties": {"note": {"type": "string", "maxLength": 1000}},
                       "additionalProperties": True}, 200, None),
)


def _office_id() -> int:
    """The caller's office (province users have none)."""
    office_id = security.current_office_id()
    if office_id is None:
        raise errors.Forbidden("Tài khoản không thuộc đơn vị nào.")
    return office_id


def _visit(ticket_id) -> Ticket:
    """A ticket of the caller's office that the caller may act on: the counter it is at must be theirs."""
    ticket = ticketing.get_ticket(ticket_id, _office_id())
    if ticket.counter_id is None:
        raise errors.InvalidState(f"Số {ticket.display_number} chưa được gọi đến quầy nào.", code="dossier_refused")
    security.check_counter_access(ticketing.get_counter(ticket.counter_id))
    return ticket


def dossier_view(dossier) -> dict:
    """A dossier code as the console shows it."""
    user = User.get_or_none(User.id == dossier.user_id) if dossier.user_id else None
    return {"id": dossier.id, "code": dossier.code, "kind": dossier.kind, "kind_label": dossier_rules.kind_word(dossier.kind),
            "at": realtime.iso(dossier.created_at), "by": (user.full_name or user.username) if user else None,
            "slip_url": f"/hs/{dossier.public_token}/phieu"}


# --------------------------------------------------------------------------- codes at the counter


@bp.get("/api/tickets/<int:ticket_id>/dossiers")
@require(roles=access.STAFF)
def list_dossiers(ticket_id):
    """The dossier codes of one visit."""
    ticket = ticketing.get_ticket(ticket_id, _office_id())
    return jsonify({"dossiers": [dossier_view(d) for d in ticketing.dossiers_of(ticket.id)]})


@bp.post("/api/tickets/<int:ticket_id>/dossiers")
@require(roles=access.STAFF)
def add_dossier(ticket_id):
    """Take a dossier code on a visit (typed, or a scanner's text ending with Enter)."""
    ticket = _visit(ticket_id)
    data = json_body()
    text = str_value(data, "code", max_length=2000)
    kind = str_value(data, "kind", required=False, max_length=16, default=dossier_rules.RECEIVE)
    dossier, duplicate = ticketing.add_dossier(ticket.id, text, kind, office_id=ticket.office_id, user=g.user)
    return jsonify({"dossier": dossier_view(dossier), "duplicate": duplicate}), 200 if duplicate else 201


@bp.delete("/api/tickets/<int:ticket_id>/dossiers/<int:dossier_id>")
@require(roles=access.STAFF)
def remove_dossier(ticket_id, dossier_id):
    """Take back a mistaken dossier code."""
    ticket = _visit(ticket_id)
    ticketing.remove_dossier(ticket.id, dossier_id, office_id=ticket.office_id, user=g.user)
    return jsonify({"ok": True})


# --------------------------------------------------------------------------- the slip and rating later


def _dossier_or_404(token):
    """The dossier a slip's token names, or the domain's 404."""
    dossier = ticketing.dossier_by_token(token)
    if dossier is None:
        raise errors.NotFound("Không tìm thấy hồ sơ. Hãy kiểm tra lại mã QR trên phiếu.")
    return dossier


def _until(office, ticket) -> dt.datetime | None:
    """Office-local moment the phone stops taking a rating of this visit (None: not finished yet)."""
    if ticket.finished_at is None:
        return None
    return ticketing.to_local(office, ticket.finished_at + dt.timedelta(seconds=ticketing.phone_window_s(office)))


def slip_url(dossier) -> str:
    """The address a slip's QR holds: never from the request's Host header."""
    return f"{baseurl.public_base_url(current_app)}/hs/{dossier.public_token}"


@bp.get("/hs/<token>/phieu")
@require(roles=access.STAFF)
def slip(token):
    """The receipt slip of a dossier, to print: its code and a QR to rate the visit later."""
    dossier = _dossier_or_404(token)
    if dossier.office_id != _office_id():
        raise errors.NotFound("Không tìm thấy hồ sơ.")
    office = ticketing.get_office(dossier.office_id)
    ticket = Ticket.get_by_id(dossier.ticket_id)
    counter = Counter.get_or_none(Counter.id == dossier.counter_id) if dossier.counter_id else None
    clerk = User.get_or_none(User.id == dossier.clerk_id) if dossier.clerk_id else None
    settings = ticketing.settings_of(office.id)
    url = slip_url(dossier)
    return render_template("dossiers/slip.html", office=office, dossier=dossier, ticket=ticket, counter=counter,
                           clerk=clerk, kind=dossier_rules.kind_word(dossier.kind), qr_svg=qr.svg(url, "Mã QR đánh giá"),
                           url=url, until=_until(office, ticket), days=settings.rate_later_days,
                           taken=ticketing.to_local(office, dossier.created_at), phone_rating=office.phone_rating)


def dossier_status(dossier) -> dict:
    """The visit's public status (as the ticket's QR page shows it) and the dossier it is asked about."""
    from api.routes import ticket_status  # one definition of the public status (display/routes does the same)

    ticket = Ticket.get_by_id(dossier.ticket_id)
    status = ticket_status(ticket)
    status["dossier"] = {"code": dossier.code, "kind": dossier.kind, "kind_label": dossier_rules.kind_word(dossier.kind),
                         "day": str(dossier.day), "day_label": f"{dossier.day:%d/%m/%Y}"}
    return status


@bp.get("/hs/<token>")
def rate_later_page(token):
    """A dossier's rate-later page: the phone page of its visit, without live updates (the visit is over)."""
    dossier = ticketing.dossier_by_token(token)
    if dossier is None:
        return render_template("display/phone_missing.html"), 404
    office = ticketing.get_office(dossier.office_id)
    status = dossier_status(dossier)
    config = {
        "token": token,
        "status": status,
        "status_url": f"/api/dossiers/status/{token}",
        "live": False,
        "rating": scale_rules.phone_form(office, ticketing.phone_window_s(office)),
        "dossier": status["dossier"],
        "now_ms": int(utcnow().replace(tzinfo=dt.timezone.utc).timestamp() * 1000),
    }
    response = render_template("display/phone.html", config=config, status=status, office=office)
    # The token is the slip's key: keep the page out of caches and referrers (as the ticket's page).
    return response, 200, {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}


@bp.get("/api/dossiers/status/<token>")
def dossier_status_public(token):
    """The visit a slip's QR names, for the rate-later page."""
    return jsonify(dossier_status(_dossier_or_404(token)))


@bp.post("/api/dossiers/status/<token>/rating")
def rate_dossier(token):
    """A citizen rates, from the slip's QR, the visit in which the dossier was handled."""
    dossier = _dossier_or_404(token)
    data = json_body()
    reasons = data.get("reasons") or []
    change = ticketing.rate(dossier.ticket_id, int_value(data, "level"), reasons,
                            str_value(data, "comment", required=False, max_length=1000), source="phone")
    realtime.publish(change)
    return jsonify({"ok": True, "rating": {"level": change.rating.level, "scale": change.rating.scale}}), 201


# --------------------------------------------------------------------------- leaders' alerts


@bp.get("/api/rating-alerts")
@reader
def list_alerts():
    """The office's rating alerts: open ones (default) or the latest 200 of all."""
    state = request.args.get("state", "open")
    if state not in ("open", "all"):
        raise errors.Invalid("Trạng thái phải là open hoặc all.", fields={"state": ["open", "all"]})
    office_id = admin_office_id()
    if state == "open":
        alerts = ticketing.open_alerts(office_id)
    else:
        alerts = (RatingAlert.select().where(RatingAlert.office == office_id)
                  .order_by(RatingAlert.created_at.desc(), RatingAlert.id.desc()).limit(200))
    return jsonify({"alerts": [ticketing.alert_view(a) for a in alerts]})


@bp.post("/api/rating-alerts/<int:alert_id>/handle")
@reader
def handle_alert(alert_id):
    """A leader marks an alert handled with a note; every leader's screen drops it."""
    data = json_body()
    note = data.get("note")
    if note is not None and not isinstance(note, str):
        raise errors.Invalid("Ghi chú phải là chữ.", fields={"note": "string"})
    alert = ticketing.handle_alert(alert_id, admin_office_id(), g.user, note)
    view = ticketing.alert_view(alert)
    realtime.leaders_alert(alert.office_id, view)
    return jsonify({"alert": view})


@bp.app_context_processor
def _dossier_globals():
    """The console's dossier box: the kinds it offers and an example code (rules.dossier)."""
    return {"dossier_kinds": dossier_rules.KINDS, "dossier_example": dossier_rules.EXAMPLE}
