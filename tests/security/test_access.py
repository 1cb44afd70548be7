"""Security room: every route of every room x every kind of caller, against an explicit table.

Each caller runs in a fresh database (the ``office`` fixture plus a second office and spare rows
for the destructive routes), walks every route once in table order and must get exactly the
status written in ROUTES. A route in the app's url_map but not in ROUTES fails the test, so a
new route must be classified here before it ships. Set ACCESS_RECORD=1 to print the observed
table (to review, never to paste blindly).
"""

import os
import re

import pytest

import models
import security
import ticketing
from conftest import PASSWORD, make_counter, make_device, make_field, make_office, make_priority, make_user
from models import Device, Procedure, VoiceClip

CALLERS = ("anon", "clerk", "leader", "admin", "kiosk", "display", "tablet", "other", "province")

# Expected status per caller. Columns:
#   anon clerk leader admin kiosk display tablet other(admin of office B on A's ids) province
# A 409/422 past the check shows auth passed (409 on call-next/call/reprint: counter 1 already has a
# called ticket; no printer is configured); 302 on pages is the redirect to a login page; /kiosk and
# /display answer 401/403 with their pairing page.
ROUTES = [
    # ---- public and pairing
    ("GET", "/api/health",                                  "200 200 200 200 200 200 200 200 200"),
    ("GET", "/api/openapi.json",                            "200 200 200 200 200 200 200 200 200"),
    ("GET", "/static/<path:filename>",                      "200 200 200 200 200 200 200 200 200"),
    ("GET", "/favicon.ico",                                 "200 200 200 200 200 200 200 200 200"),
    ("GET", "/pair/<token>",                                "404 404 404 404 404 404 404 404 404"),
    ("GET", "/t/<token>",                                   "200 200 200 200 200 200 200 200 200"),
    ("GET", "/api/tickets/status/<token>",                  "200 200 200 200 200 200 200 200 200"),
    ("POST", "/api/tickets/status/<token>/rating",          "201 201 201 201 201 201 201 201 201"),
    ("GET", "/voice/<int:office_id>/<key>",                 "401 200 200 200 200 200 200 403 403"),
    ("GET", "/kiosk/logo",                                  "401 404 404 404 404 404 404 404 403"),
    ("GET", "/admin/logo",                                  "302 403 404 404 302 302 302 404 403"),
    ("GET", "/admin/login",                                 "200 200 200 200 200 200 200 200 200"),
    # ---- first run and system status (golive): setup is gone once an office exists
    ("GET", "/setup",                                       "302 302 302 302 302 302 302 302 302"),
    ("POST", "/api/setup",                                  "403 403 403 403 403 403 403 403 403"),
    ("POST", "/api/heartbeat",                              "401 403 403 403 200 200 200 403 403"),
    ("GET", "/admin/system",                                "302 403 200 200 302 302 302 200 403"),
    ("GET", "/api/admin/system",                            "401 403 200 200 403 403 403 200 403"),
    ("POST", "/api/admin/system/backup",                    "401 403 403 201 403 403 403 201 403"),
    ("GET", "/admin/system/backups/<name>",                 "401 403 403 404 403 403 403 404 403"),
    # ---- screens
    ("GET", "/kiosk",                                       "401 401 401 401 200 403 403 401 401"),
    ("GET", "/display",                                     "401 401 401 401 403 200 403 401 401"),
    ("GET", "/rating",                                      "200 200 200 200 200 200 200 200 200"),
    ("GET", "/rating/clerk-photo",                          "401 403 403 403 403 403 404 403 403"),
    ("GET", "/counter",                                     "200 200 200 200 200 200 200 200 200"),
    # ---- session
    ("GET", "/api/session",                                 "401 200 200 200 200 200 200 200 200"),
    ("POST", "/api/session",                                "401 401 401 401 401 401 401 401 401"),
    # ---- queue API
    ("GET", "/api/fields",                                  "401 200 200 200 200 200 200 200 403"),
    ("GET", "/api/procedures",                              "401 200 200 200 200 200 200 200 403"),
    ("GET", "/api/priority-categories",                     "401 200 200 200 200 403 403 200 403"),
    ("GET", "/api/counters",                                "401 200 200 200 200 200 200 200 403"),
    ("GET", "/api/snapshot",                                "401 200 200 200 200 200 200 200 403"),
    ("POST", "/api/tickets",                                "401 201 201 201 201 403 403 404 403"),
    ("GET", "/api/tickets",                                 "401 200 200 200 403 403 403 200 403"),
    ("GET", "/api/tickets/<int:ticket_id>",                 "401 200 200 200 403 403 403 404 403"),
    ("POST", "/api/counters/<int:counter_id>/call-next",    "401 409 409 409 403 403 403 404 403"),
    ("POST", "/api/counters/<int:counter_id>/call",         "401 409 409 409 403 403 403 404 403"),
    ("POST", "/api/tickets/<int:ticket_id>/<any(recall,start,finish,'no-show',cancel,reactivate):action>",
                                                            "401 200 200 200 403 403 403 404 403"),
    ("POST", "/api/tickets/<int:ticket_id>/reprint",        "401 409 409 409 403 403 403 404 403"),
    # ---- ratings (issue 15): reports by dossier and the index
    ("GET", "/admin/reports/dossiers",                      "302 403 200 200 302 302 302 200 403"),
    ("GET", "/admin/reports/dossiers.csv",                  "302 403 200 200 302 302 302 200 403"),
    ("GET", "/api/reports/dossiers",                        "401 403 200 200 403 403 403 200 403"),
    # ---- ratings (issue 15): the hand-off (exports by token or admin/leader) and its settings
    ("GET", "/api/exports/ratings",                         "401 403 200 200 403 403 403 200 403"),
    ("GET", "/api/exports/ratings.csv",                     "401 403 200 200 403 403 403 200 403"),
    ("GET", "/api/exports/ratings.xlsx",                    "401 403 200 200 403 403 403 200 403"),
    ("GET", "/admin/ratings",                               "302 403 200 200 302 302 302 200 403"),
    ("GET", "/api/admin/ratings-settings",                  "401 403 200 200 403 403 403 200 403"),
    ("PUT", "/api/admin/ratings-settings",                  "401 403 403 200 403 403 403 200 403"),
    ("POST", "/api/admin/ratings-settings/token",           "401 403 403 201 403 403 403 201 403"),
    ("DELETE", "/api/admin/ratings-settings/token",         "401 403 403 200 403 403 403 200 403"),
    # ---- ratings (issue 15): dossier codes at the counter, the slip, rating later, leaders' alerts
    ("GET", "/api/tickets/<int:ticket_id>/dossiers",        "401 200 200 200 403 403 403 404 403"),
    ("POST", "/api/tickets/<int:ticket_id>/dossiers",       "401 201 201 201 403 403 403 404 403"),
    ("DELETE", "/api/tickets/<int:ticket_id>/dossiers/<int:dossier_id>", "401 200 200 200 403 403 403 404 403"),
    ("GET", "/hs/<token>/phieu",                            "401 200 200 200 403 403 403 404 403"),
    ("GET", "/hs/<token>",                                  "200 200 200 200 200 200 200 200 200"),
    ("GET", "/api/dossiers/status/<token>",                 "200 200 200 200 200 200 200 200 200"),
    ("POST", "/api/dossiers/status/<token>/rating",         "409 409 409 409 409 409 409 409 409"),
    ("GET", "/api/rating-alerts",                           "401 403 200 200 403 403 403 200 403"),
    ("POST", "/api/rating-alerts/<int:alert_id>/handle",    "401 403 200 200 403 403 403 404 403"),
    # ---- booking (issue 16): numbers from the phone, appointments, check-in, the staff's list, settings
    ("GET", "/j/<int:office_id>/<code>",                    "410 410 410 410 410 410 410 410 410"),
    ("GET", "/book/<int:office_id>",                        "200 200 200 200 200 200 200 200 200"),
    ("GET", "/b/<token>",                                   "404 404 404 404 404 404 404 404 404"),
    ("GET", "/join/poster",                                 "401 200 200 200 401 200 401 200 401"),
    ("GET", "/bookings",                                    "200 200 200 200 200 200 200 200 403"),
    ("GET", "/api/join/code",                               "401 200 200 200 403 200 403 200 403"),
    ("POST", "/api/join/tickets",                           "403 403 403 403 403 403 403 403 403"),
    ("GET", "/api/public/offices/<int:office_id>/booking",  "200 200 200 200 200 200 200 200 200"),
    ("POST", "/api/public/bookings",                        "422 422 422 422 422 422 422 422 422"),
    ("GET", "/api/public/bookings/<token>",                 "404 404 404 404 404 404 404 404 404"),
    ("DELETE", "/api/public/bookings/<token>",              "404 404 404 404 404 404 404 404 404"),
    ("POST", "/api/bookings/check-in",                      "401 422 422 422 422 403 403 422 403"),
    ("GET", "/api/bookings",                                "401 200 200 200 403 403 403 200 403"),
    ("POST", "/api/bookings/<int:booking_id>/cancel",       "401 404 404 404 403 403 403 404 403"),
    ("POST", "/api/bookings/<int:booking_id>/move",         "401 404 404 404 403 403 403 404 403"),
    ("GET", "/admin/booking",                               "302 403 200 200 302 302 302 200 403"),
    ("GET", "/api/admin/booking-settings",                  "401 403 200 200 403 403 403 200 403"),
    ("PUT", "/api/admin/booking-settings",                  "401 403 403 200 403 403 403 200 403"),
    ("GET", "/api/reports/booking",                         "401 403 200 200 403 403 403 200 403"),
    # ---- printing (issue 14): a ticket's print, its image and print page, the print agent's calls
    ("GET", "/api/kiosks/printing",                         "401 200 200 200 403 403 403 200 403"),
    ("GET", "/api/print-jobs/<int:job_id>",                 "401 404 404 404 404 403 403 404 403"),
    ("GET", "/kiosk/tickets/<token>/ticket.png",            "401 200 200 200 200 403 403 404 403"),
    ("GET", "/kiosk/tickets/<token>/print",                 "401 200 200 200 200 403 403 404 403"),
    ("POST", "/api/agent/take",                             "401 403 403 403 200 403 403 403 403"),
    ("POST", "/api/agent/jobs/<int:job_id>/ack",            "401 403 403 403 404 403 403 403 403"),
    ("POST", "/api/agent/status",                           "401 403 403 403 200 403 403 403 403"),
    ("POST", "/api/tickets/<int:ticket_id>/transfer",       "401 200 200 200 403 403 403 404 403"),
    ("POST", "/api/counters/<int:counter_id>/<any(pause,resume,open,close):action>",
                                                            "401 200 200 200 403 403 403 404 403"),
    ("GET", "/api/me/today",                                "401 200 200 200 403 403 403 200 403"),
    ("POST", "/api/ratings",                                "401 403 403 403 403 403 409 403 403"),
    ("GET", "/api/ratings/pending",                         "401 403 403 403 403 403 200 403 403"),
    # ---- reports, monitor, province
    ("GET", "/admin/monitor",                               "302 403 200 200 302 302 302 200 403"),
    ("GET", "/admin/reports",                               "302 403 200 200 302 302 302 200 403"),
    ("GET", "/admin/reports/satisfaction",                  "302 403 200 200 302 302 302 200 403"),
    ("GET", "/admin/reports/export.csv",                    "302 403 200 200 302 302 302 200 403"),
    ("GET", "/admin/reports/export.xlsx",                   "302 403 200 200 302 302 302 200 403"),
    ("GET", "/admin/reports/satisfaction.xlsx",             "302 403 200 200 302 302 302 200 403"),
    ("GET", "/api/reports",                                 "401 403 200 200 403 403 403 200 403"),
    ("GET", "/api/reports/today",                           "401 403 200 200 403 403 403 200 403"),
    ("GET", "/api/reports/satisfaction",                    "401 403 200 200 403 403 403 200 403"),
    ("GET", "/api/province/summary",                        "401 403 403 403 403 403 403 403 200"),
    # ---- administration pages
    ("GET", "/admin",                                       "302 403 200 200 302 302 302 200 403"),
    ("GET", "/admin/fields",                                "302 403 200 200 302 302 302 200 403"),
    ("GET", "/admin/fields/<int:field_id>",                 "302 403 200 200 302 302 302 404 403"),
    ("GET", "/admin/counters",                              "302 403 200 200 302 302 302 200 403"),
    ("GET", "/admin/users",                                 "302 403 200 200 302 302 302 200 403"),
    ("GET", "/admin/devices",                               "302 403 200 200 302 302 302 200 403"),
    ("GET", "/admin/voice",                                 "302 403 200 200 302 302 302 200 403"),
    ("GET", "/admin/voice/<key>/audio",                     "302 403 200 200 302 302 302 404 403"),
    ("GET", "/admin/audit",                                 "302 403 200 200 302 302 302 200 403"),
    # ---- administration API: reads
    ("GET", "/api/admin/settings",                          "401 403 200 200 403 403 403 200 403"),
    ("GET", "/api/admin/fields",                            "401 403 200 200 403 403 403 200 403"),
    ("GET", "/api/admin/fields/<int:field_id>",             "401 403 200 200 403 403 403 404 403"),
    ("GET", "/api/admin/fields/<int:field_id>/procedures",  "401 403 200 200 403 403 403 404 403"),
    ("GET", "/api/admin/counters",                          "401 403 200 200 403 403 403 200 403"),
    ("GET", "/api/admin/users",                             "401 403 200 200 403 403 403 200 403"),
    ("GET", "/api/admin/devices",                           "401 403 200 200 403 403 403 200 403"),
    ("GET", "/api/admin/printers",                          "401 403 200 200 403 403 403 200 403"),
    ("GET", "/api/admin/priority-categories",               "401 403 200 200 403 403 403 200 403"),
    ("GET", "/api/admin/voice",                             "401 403 200 200 403 403 403 200 403"),
    ("GET", "/api/admin/audit",                             "401 403 200 200 403 403 403 200 403"),
    # ---- administration API: writes (leaders read only; office B's admin gets 404 on A's rows)
    ("PUT", "/api/admin/settings",                          "401 403 403 200 403 403 403 200 403"),
    ("POST", "/api/admin/settings/logo",                    "401 403 403 422 403 403 403 422 403"),
    ("DELETE", "/api/admin/settings/logo",                  "401 403 403 200 403 403 403 200 403"),
    ("POST", "/api/admin/fields",                           "401 403 403 201 403 403 403 201 403"),
    ("PUT", "/api/admin/fields/<int:field_id>",             "401 403 403 200 403 403 403 404 403"),
    ("POST", "/api/admin/fields/<int:field_id>/procedures", "401 403 403 201 403 403 403 404 403"),
    ("PUT", "/api/admin/procedures/<int:procedure_id>",     "401 403 403 200 403 403 403 404 403"),
    ("POST", "/api/admin/counters",                         "401 403 403 201 403 403 403 422 403"),
    ("PUT", "/api/admin/counters/<int:counter_id>",         "401 403 403 200 403 403 403 404 403"),
    ("POST", "/api/admin/users",                            "401 403 403 201 403 403 403 201 403"),
    ("PUT", "/api/admin/users/<int:user_id>",               "401 403 403 200 403 403 403 404 403"),
    ("DELETE", "/api/admin/users/<int:user_id>/sessions",   "401 403 403 200 403 403 403 404 403"),
    ("POST", "/api/admin/users/<int:user_id>/password",     "401 403 403 200 403 403 403 404 403"),
    ("POST", "/api/admin/devices",                          "401 403 403 201 403 403 403 201 403"),
    ("PUT", "/api/admin/devices/<int:device_id>",           "401 403 403 200 403 403 403 404 403"),
    ("PUT", "/api/admin/devices/<int:device_id>/printer",   "401 403 403 200 403 403 403 404 403"),
    ("POST", "/api/admin/devices/<int:device_id>/printer/test", "401 403 403 409 403 403 403 404 403"),
    ("POST", "/api/admin/devices/<int:device_id>/reissue",  "401 403 403 200 403 403 403 404 403"),
    ("POST", "/api/admin/devices/<int:device_id>/revoke",   "401 403 403 200 403 403 403 404 403"),
    ("POST", "/api/admin/priority-categories",              "401 403 403 201 403 403 403 201 403"),
    ("PUT", "/api/admin/priority-categories/<int:category_id>", "401 403 403 200 403 403 403 404 403"),
    ("POST", "/api/admin/voice/<key>",                      "401 403 403 422 403 403 403 422 403"),
    ("DELETE", "/api/admin/voice/<key>",                    "401 403 403 200 403 403 403 404 403"),
    ("DELETE", "/api/admin/procedures/<int:procedure_id>",  "401 403 403 200 403 403 403 404 403"),
    ("DELETE", "/api/admin/priority-categories/<int:category_id>", "401 403 403 200 403 403 403 404 403"),
    ("DELETE", "/api/admin/counters/<int:counter_id>",      "401 403 403 200 403 403 403 404 403"),
    ("DELETE", "/api/admin/fields/<int:field_id>",          "401 403 403 200 403 403 403 404 403"),
    # ---- last: end the session (everywhere: people only)
    ("DELETE", "/api/sessions",                             "401 200 200 200 403 403 403 200 200"),
    ("DELETE", "/api/session",                              "200 200 200 200 200 200 200 200 200"),
]

# Plausible bodies, so that a caller who passes the check is not stopped by validation alone.
BODIES = {
    ("POST", "/api/session"): {"username": "khong_co", "password": "sai-mat-khau"},
    ("POST", "/api/setup"): {"code": "000-000-000", "name": "Đơn vị khác"},
    ("POST", "/api/heartbeat"): {"clock_ms": 1767225600000},
    ("POST", "/api/tickets"): {"field": "{f1}"},
    ("POST", "/api/counters/<int:counter_id>/call"): {"ticket": "{waiting}"},
    ("POST", "/api/tickets/<int:ticket_id>/transfer"): {"counter": "{c2}", "note": "Chuyển quầy 2"},
    ("POST", "/api/ratings"): {"ticket": "{done}", "level": 3},
    ("POST", "/api/tickets/status/<token>/rating"): {"level": 3},
    ("PUT", "/api/admin/ratings-settings"): {"rate_later_days": 5},
    ("POST", "/api/dossiers/status/<token>/rating"): {"level": 3},
    ("POST", "/api/tickets/<int:ticket_id>/dossiers"): {"code": "000.00.15.H42-250915-0003"},
    ("POST", "/api/rating-alerts/<int:alert_id>/handle"): {"note": "Đã gọi điện cho công dân"},
    ("PUT", "/api/admin/settings"): {"notices": "Thông báo mới"},
    ("PUT", "/api/admin/booking-settings"): {"slot_capacity": 3},
    ("POST", "/api/bookings/<int:booking_id>/move"): {"day": "2026-12-01", "slot": "09:00"},
    ("POST", "/api/admin/fields"): {"name": "Lĩnh vực mới", "code": "LM", "number_start": 5001},
    ("PUT", "/api/admin/fields/<int:field_id>"): {"name": "Lĩnh vực dự phòng (sửa)"},
    ("POST", "/api/admin/fields/<int:field_id>/procedures"): {"name": "Thủ tục mới"},
    ("PUT", "/api/admin/procedures/<int:procedure_id>"): {"name": "Thủ tục (sửa)"},
    ("POST", "/api/admin/counters"): {"number": 31, "name": "Quầy 31", "fields": ["{f1}"]},
    ("PUT", "/api/admin/counters/<int:counter_id>"): {"name": "Quầy dự phòng (sửa)"},
    ("POST", "/api/admin/users"): {"username": "canbo_moi", "full_name": "Cán bộ mới", "role": "clerk",
                                   "password": "mat-khau-moi-123", "counters": []},
    ("PUT", "/api/admin/users/<int:user_id>"): {"full_name": "Cán bộ dự phòng (sửa)"},
    ("POST", "/api/admin/users/<int:user_id>/password"): {"password": "mat-khau-moi-456"},
    ("POST", "/api/admin/devices"): {"kind": "kiosk", "name": "Máy lấy số 2"},
    ("PUT", "/api/admin/devices/<int:device_id>"): {"name": "Máy dự phòng (sửa)"},
    ("PUT", "/api/admin/devices/<int:device_id>/printer"): {"kind": "none", "paper_mm": 80},
    ("POST", "/api/agent/jobs/<int:job_id>/ack"): {"result": "printed"},
    ("POST", "/api/agent/status"): {"online": True, "paper": "ok"},
    ("POST", "/api/admin/priority-categories"): {"code": "moi", "name": "Ưu tiên mới"},
    ("PUT", "/api/admin/priority-categories/<int:category_id>"): {"name": "Ưu tiên (sửa)"},
}


def seed(office):
    """Rows every route needs: a called ticket at counter 1, waiting ones, a finished one, spares to
    delete, a voice clip, a second office with its admin, and a province user."""
    o = office.office
    called = ticketing.issue_ticket(o.id, office.f1.id).ticket
    done = ticketing.issue_ticket(o.id, office.f1.id).ticket
    ticketing.call_ticket(office.c1.id, done.id)
    ticketing.finish(done.id)
    # Issue 15: a visit with a dossier code, rated "Không hài lòng" from the phone (an open alert).
    rated = ticketing.issue_ticket(o.id, office.f1.id).ticket
    ticketing.call_ticket(office.c1.id, rated.id)
    slip, _ = ticketing.add_dossier(rated.id, "000.00.15.H42-250915-0001")
    ticketing.finish(rated.id)
    alert = ticketing.rate(rated.id, 1, source="phone").rating_alert
    ticketing.call_ticket(office.c1.id, called.id)
    taken, _ = ticketing.add_dossier(called.id, "000.00.15.H42-250915-0002")  # one to take back (issue 15)
    waiting = ticketing.issue_ticket(o.id, office.f2.id).ticket
    for _ in range(3):
        ticketing.issue_ticket(o.id, office.f1.id)
    spare_field = make_field(o, name="Lĩnh vực dự phòng", code="DP", number_start=9001)
    procedure = Procedure.create(field=spare_field, name="Thủ tục dự phòng")
    spare_counter = make_counter(o, [], number=30, name="Quầy dự phòng")
    spare_user = make_user(o, "clerk", username="canbo_du_phong")
    spare_device, _ = make_device(o, "kiosk")
    spare_category = make_priority(o, code="du_phong", name="Dự phòng")
    VoiceClip.create(office=o, key="mot", data=b"OggS", content_type="audio/ogg")
    other = make_office(name="UBND xã Khác")
    make_field(other, name="Đất đai", code="DD")
    make_user(other, "admin", username="khac_admin")
    make_user(None, "province", username="tinh1")
    return dict(ticket_id=called.id, done=done.id, waiting=waiting.id, token=called.public_token,
                done_token=done.public_token, f1=office.f1.id, c2=office.c2.id, counter_id=office.c1.id,
                field_id=spare_field.id, procedure_id=procedure.id, user_id=spare_user.id,
                device_id=spare_device.id, spare_counter=spare_counter.id, category_id=spare_category.id, office_id=o.id,
                dossier_id=taken.id, dossier_token=slip.public_token, alert_id=alert.id)


def concrete(method, rule, ids):
    """A real URL for ``rule``: the office's own rows (spares for admin writes and deletes)."""
    values = dict(ids, key="mot", filename="css/motcua.css", action=None, name="motcua-20260101-000000.db",
                  job_id=1,  # no print job exists (no printer): past the check, 404
                  code="ma-het-han", booking_id=1)  # an expired join code (410); no booking exists (404)
    if rule.startswith("/api/counters/"):
        values["action"] = "pause" if "pause" in rule else None
    if rule == "/pair/<token>":
        return "/pair/khong-phai-ma-ghep-noi"
    if rule.startswith("/api/admin/counters/"):
        values["counter_id"] = ids["spare_counter"]  # the queue routes use counter 1 itself
    if rule.startswith("/api/tickets/status/<token>/rating"):
        values["token"] = ids["done_token"]  # a finished ticket can be rated from the phone
    if rule.startswith(("/hs/", "/api/dossiers/")):
        values["token"] = ids["dossier_token"]  # a dossier's slip (issue 15): its visit is already rated
    url = re.sub(r"<any\(([^)]*)\):action>", lambda m: m.group(1).split(",")[0].strip("'"), rule)
    url = re.sub(r"<(?:int:|path:)?(\w+)>", lambda m: str(values[m.group(1)]), url)
    if rule.startswith("/api/counters/<int:counter_id>/<any"):
        url = url.replace("/pause", "/open")
    return url


def body_for(method, rule, ids):
    """The request body for a write, with placeholders filled from ``ids``."""
    body = BODIES.get((method, rule), {})
    def fill(v):
        if isinstance(v, list):
            return [fill(x) for x in v]
        return int(v.format(**ids)) if isinstance(v, str) and v.startswith("{") else v

    return {k: fill(v) for k, v in body.items()}


def client_for(kind, app, office):
    """A test client acting as ``kind``; the CSRF token of a logged-in person rides on every write."""
    c = app.test_client()
    headers = {}
    users = {"clerk": "canbo1", "leader": "lanhdao1", "admin": "admin1", "other": "khac_admin", "province": "tinh1"}
    devices = {"kiosk": office.kiosk_token, "display": office.display_token, "tablet": office.tablet1_token}
    if kind in users:
        r = c.post("/api/session", json={"username": users[kind], "password": PASSWORD})
        assert r.status_code == 200, r.get_json()
        headers["X-CSRF-Token"] = r.get_json()["csrf_token"]
    if kind in devices:
        headers["X-Device-Token"] = devices[kind]
    return c, headers


def routes_of(app):
    """Every (method, rule) the app serves."""
    return {(m, r.rule) for r in app.url_map.iter_rules() for m in r.methods - {"HEAD", "OPTIONS"}}


def test_every_route_in_the_url_map_is_classified(app):
    """A new route must be added to ROUTES (with who may call it) before it ships."""
    table = {(m, r) for m, r, _ in ROUTES}
    assert len(table) == len(ROUTES), "a route is listed twice"
    assert routes_of(app) - table == set(), "routes missing from the access table"
    assert table - routes_of(app) == set(), "the table lists routes that no longer exist"


@pytest.mark.parametrize("kind", CALLERS)
def test_every_route_answers_each_caller_as_the_table_says(app, office, kind):
    """Walk every route as one caller; each status matches the table and none is a 500."""
    ids = seed(office)
    client, headers = client_for(kind, app, office)
    column = CALLERS.index(kind)
    observed, wrong = [], []
    for method, rule, expected in ROUTES:
        url = concrete(method, rule, ids)
        kw = {"headers": headers}
        if method != "GET":
            kw["json"] = body_for(method, rule, ids)
        response = client.open(url, method=method, **kw)
        status = response.status_code
        response.close()  # static files stream from an open file
        observed.append(status)
        want = int(expected.split()[column])
        if status != want:
            wrong.append((method, rule, want, status))
    if os.environ.get("ACCESS_RECORD"):
        print(f"\n{kind}: " + " ".join(map(str, observed)))
    assert 500 not in observed
    assert wrong == []


def test_every_cookie_authenticated_write_needs_the_csrf_header(app, office):
    """An admin's session without X-CSRF-Token is refused on every write route, before it acts."""
    ids = seed(office)
    client, _ = client_for("admin", app, office)
    refused = []
    for method, rule, _ in ROUTES:
        if method == "GET" or (method, rule) == ("POST", "/api/session"):
            continue  # reads, and the login itself (no session yet), carry no token
        response = client.open(concrete(method, rule, ids), method=method, json=body_for(method, rule, ids))
        refused.append((rule, response.status_code, (response.get_json() or {}).get("error")))
    assert refused and all(status == 403 and error == "csrf_failed" for _, status, error in refused), refused
    assert client.get("/api/session").status_code == 200  # still logged in: nothing was done


def test_a_paired_device_cookie_write_also_needs_the_csrf_header(app, office):
    """A kiosk paired by cookie (as its browser is) cannot be driven cross-site without the token."""
    client = app.test_client()
    assert client.get(f"/pair/{office.kiosk_token}").status_code == 302
    response = client.post("/api/tickets", json={"field": office.f1.id})
    assert (response.status_code, response.get_json()["error"]) == (403, "csrf_failed")
    assert models.Ticket.select().count() == 0


def test_device_cookie_is_httponly_and_samesite(app, office):
    """The pairing cookie (a long-lived secret) is not readable by scripts nor sent cross-site."""
    cookie = app.test_client().get(f"/pair/{office.display_token}").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_admin_created_device_token_is_stored_hashed_revocable_and_reissuable(app, office):
    """The pairing link's token is kept only as its SHA-256; revoke -> 401; reissue -> new token only."""
    client, headers = client_for("admin", app, office)
    created = client.post("/api/admin/devices", json={"kind": "kiosk", "name": "Máy lấy số tầng 2"}, headers=headers)
    assert created.status_code == 201
    device_id, token = created.get_json()["device"]["id"], created.get_json()["pair_url"].rsplit("/", 1)[1]
    row = Device.get_by_id(device_id)
    assert row.token_hash == security.hash_token(token) and token not in str(row.__data__.values())
    device = app.test_client()
    issue = {"json": {"field": office.f1.id}, "headers": {"X-Device-Token": token}}
    assert device.post("/api/tickets", **issue).status_code == 201
    assert client.post(f"/api/admin/devices/{device_id}/revoke", headers=headers).status_code == 200
    assert device.post("/api/tickets", **issue).status_code == 401
    assert device.get(f"/pair/{token}").status_code == 404
    reissued = client.post(f"/api/admin/devices/{device_id}/reissue", headers=headers).get_json()["pair_url"]
    new_token = reissued.rsplit("/", 1)[1]
    assert device.post("/api/tickets", **issue).status_code == 401  # the old link stays dead
    assert device.post("/api/tickets", json={"field": office.f1.id},
                       headers={"X-Device-Token": new_token}).status_code == 201
