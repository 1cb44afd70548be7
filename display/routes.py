"""Display room: the board page, an office's own voice clips, and the citizen's phone page.

The board and the phone page are filled and kept live by Socket.IO (static/js/display.js,
static/js/phone.js); these views only hand them their starting configuration.
"""

from __future__ import annotations

import datetime as dt
import io
import re

from flask import abort, g, render_template, send_file

import errors
import realtime
import security
import ticketing
from models import Office, Ticket, VoiceClip, utcnow
from rules import calendar
from rules import rating as scale_rules
from rules import speech

from . import bp, voice

_CLIP_KEY = re.compile(r"^[a-z0-9_]{1,64}$")
_PUBLIC_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def _id_list(value) -> list[int] | None:
    """A settings list of ids, or None when absent or malformed (no filter)."""
    if not isinstance(value, list):
        return None
    ids = [v for v in value if isinstance(v, int) and not isinstance(v, bool)]
    return ids or None


def display_filter(device) -> dict:
    """The display's own filter from Device.settings: {"counters": ids|None, "fields": ids|None}."""
    settings = device.settings if isinstance(device.settings, dict) else {}
    return {"counters": _id_list(settings.get("counters")), "fields": _id_list(settings.get("fields"))}


def voice_overrides(office_id: int) -> dict[str, int]:
    """Clip keys the office recorded itself -> version (upload time); kept live by voice_changed."""
    return realtime.voice_payload(office_id)


def _now_ms() -> int:
    """Server time in ms since the epoch: pages correct a TV's or phone's wrong clock with it."""
    return int(utcnow().replace(tzinfo=dt.timezone.utc).timestamp() * 1000)


@bp.get("/display")
def board():
    """The hall's board; a browser that is not a paired display gets pairing instructions."""
    device = g.get("device")
    if device is None or device.kind != "display":
        status = 401 if device is None else 403
        return render_template("display/unpaired.html", device=device), status
    office = Office.get_by_id(device.office_id)
    config = {
        "office": {"id": office.id, "name": office.name, "timezone": office.timezone},
        "region": office.region,
        "variant": voice.REGION_DIRS[office.region],
        "filter": display_filter(device),
        "voice": voice_overrides(office.id),
        "device": {"id": device.id, "name": device.name},
        "weekdays": calendar.weekday_names(),
        "now_ms": _now_ms(),
    }
    notices = [line.strip() for line in (office.notices or "").splitlines() if line.strip()]
    return render_template("display/board.html", config=config, office=office, notices=notices,
                           phrases=speech.call_phrases(office.region))


@bp.get("/voice/<int:office_id>/<key>")
def voice_clip(office_id, key):
    """An office's own recording of clip ``key``, for that office's devices and staff only;
    404 sends the page to the bundled clip."""
    if g.get("user") is None and g.get("device") is None:
        raise errors.Unauthorized("Vui lòng đăng nhập hoặc ghép nối thiết bị.")
    if security.current_office_id() != office_id:  # another office's recordings are not ours to hear
        raise errors.Forbidden("Bản thu này thuộc đơn vị khác.")
    if not _CLIP_KEY.match(key):
        abort(404)
    clip = VoiceClip.get_or_none((VoiceClip.office == office_id) & (VoiceClip.key == key))
    if clip is None:
        abort(404)
    # send_file answers Range requests, which media elements use to read audio.
    response = send_file(
        io.BytesIO(bytes(clip.data)),
        mimetype=clip.content_type or "application/octet-stream",
        conditional=True,
        etag=f"{office_id}-{key}-{realtime.clip_version(clip.uploaded_at)}",
        last_modified=clip.uploaded_at.replace(tzinfo=dt.timezone.utc),
        max_age=86400,  # the board asks with ?v=<upload time>, so a new upload is a new URL
    )
    return response


def _phone_missing():
    """The friendly page for an unknown or mistyped ticket link."""
    return render_template("display/phone_missing.html"), 404


@bp.get("/t/<token>", endpoint="phone_status")
def phone_status(token):
    """The citizen's live status page for one ticket (the QR code on the ticket)."""
    from api.routes import ticket_status  # one definition of the public status, shared with the API

    if not _PUBLIC_TOKEN.match(token):
        return _phone_missing()
    ticket = Ticket.get_or_none(Ticket.public_token == token)
    if ticket is None:
        return _phone_missing()
    office = ticketing.get_office(ticket.office_id)
    status = ticket_status(ticket)
    config = {
        "token": token,
        "status": status,
        # The server refuses a phone rating this long after service ends (the office's rate-later
        # days); the page hides its form then.
        "rating": scale_rules.phone_form(office, ticketing.phone_window_s(office)),
        "now_ms": _now_ms(),
    }
    response = render_template("display/phone.html", config=config, status=status, office=office)
    # The token in the URL is the ticket's key: keep the page out of caches and referrers.
    return response, 200, {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}
