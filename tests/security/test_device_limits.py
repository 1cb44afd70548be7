"""Security room, issue 13 rows 4 and 12: what a device may do and read.

Row 4: a stolen kiosk token cannot flood tickets: KIOSK_TICKETS_PER_MINUTE answers 429 in Vietnamese
beyond it, raises one alert on the monitor, and new fields (admin, demo, setup) get a daily cap.
Row 12: each device kind reads only what its screen shows (no waiting list, notes or clerks' names
for a kiosk or a board), and an office's voice recordings are served to that office's devices and
staff only. Across processes: tests/multiprocess/test_shared_state.py."""

from __future__ import annotations

import datetime as dt

import pytest

import demo
import models
import realtime
import ticketing
from models import Field, Throttle, Ticket, VoiceClip
from tests.conftest import PASSWORD, make_device, make_field, make_office, make_ticket, make_user

NOTE = "Bà Trần Thị Mai, CCCD 001199004321"


@pytest.fixture
def limited(app):
    """The app with a kiosk limit of 3 tickets a minute."""
    app.config["KIOSK_TICKETS_PER_MINUTE"] = 3
    return app


def _leaders_socket(app):
    """A leader's live monitor socket, its snapshot taken off."""
    flask_client = app.test_client()
    assert flask_client.post("/api/session", json={"username": "lanhdao1", "password": PASSWORD}).status_code == 200
    sock = realtime.socketio.test_client(app, flask_test_client=flask_client)
    sock.get_received()
    return sock


def test_a_flooding_kiosk_gets_429_in_vietnamese_and_one_alert(limited, office, api):
    """Ten tickets in a burst through one kiosk token: three issued, seven refused (no ticket, no paper);
    the monitor gets one alert naming the kiosk, not one per request."""
    monitor = _leaders_socket(limited)
    kiosk = api(device=office.kiosk_token)
    answers = [kiosk.post("/api/tickets", json={"field": office.f1.id}) for _ in range(10)]
    assert [r.status_code for r in answers] == [201] * 3 + [429] * 7
    refused = answers[3]
    assert refused.get_json()["error"] == "too_many_tickets"
    assert "Máy lấy số đang cấp số quá nhanh" in refused.get_json()["message"]
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert Ticket.select().count() == 3
    alerts = [a for r in monitor.get_received() if r["name"] == "update" for a in r["args"][0].get("alerts") or []]
    assert [(a["kind"], a["device"]["id"]) for a in alerts] == [("device_rate_limit", office.kiosk.id)]


def test_the_limit_is_per_kiosk_and_lifts_after_the_minute(limited, office, api):
    """A second kiosk is not slowed by the first; a minute later the first issues again."""
    first, second = api(device=office.kiosk_token), api(device=make_device(office.office, "kiosk")[1])
    for _ in range(4):
        first.post("/api/tickets", json={"field": office.f1.id})
    assert first.post("/api/tickets", json={"field": office.f1.id}).status_code == 429
    assert second.post("/api/tickets", json={"field": office.f1.id}).status_code == 201
    Throttle.update(window_start=models.utcnow() - dt.timedelta(seconds=61)).execute()
    assert first.post("/api/tickets", json={"field": office.f1.id}).status_code == 201


def test_staff_issuing_for_a_citizen_is_not_a_kiosk(limited, office, api):
    """The kiosk limit counts kiosks: a clerk issuing on a citizen's behalf is not refused by it."""
    clerk = api("canbo1")
    assert all(clerk.post("/api/tickets", json={"field": office.f1.id}).status_code == 201 for _ in range(5))


def test_new_fields_get_a_daily_cap(app, office, api, tmp_path):
    """A field the admin adds without a cap, and every demo field, stop at DEFAULT_DAILY_CAP; the admin may
    clear it (no limit) or set another."""
    created = api("admin1").post("/api/admin/fields", json={"name": "Đất đai", "code": "DD", "number_start": 3001})
    assert created.status_code == 201
    assert Field.get(Field.code == "DD").daily_cap == models.DEFAULT_DAILY_CAP
    cleared = api("admin1").post("/api/admin/fields", json={"name": "Xây dựng", "code": "XD", "number_start": 4001,
                                                            "daily_cap": None})
    assert cleared.status_code == 201 and Field.get(Field.code == "XD").daily_cap is None
    Field.delete().execute()
    models.Office.delete().execute()
    demo.seed_demo(tmp_path)
    assert {f.daily_cap for f in Field.select()} == {models.DEFAULT_DAILY_CAP}


def test_the_cap_stops_a_flood_that_stays_under_the_rate(app, office, api):
    """A field capped at 5: the sixth ticket of the day is refused (daily_cap_reached), also for a kiosk."""
    Field.update(daily_cap=5).where(Field.id == office.f1.id).execute()
    kiosk = api(device=office.kiosk_token)
    statuses = [kiosk.post("/api/tickets", json={"field": office.f1.id}).status_code for _ in range(6)]
    assert statuses == [201] * 5 + [409]


def _note_on_a_waiting_ticket(office):
    """A waiting ticket carrying a transfer note with personal data; a called one at counter 1."""
    waiting = make_ticket(office.f1)
    ticketing.transfer(waiting.id, field_id=office.f2.id, note=NOTE)
    called = make_ticket(office.f1)
    ticketing.call_ticket(office.c1.id, called.id, user=office.clerk1)
    return waiting


def test_a_kiosk_and_a_board_read_no_waiting_list_notes_or_clerk_names(office, api):
    """/api/snapshot and /api/counters as a kiosk or a board: nothing a clerk wrote, no clerk's name,
    no waiting list (a kiosk: not even the counters); the clerk's own read has them (the test can see)."""
    _note_on_a_waiting_ticket(office)
    models.Counter.update(clerk=office.clerk1.id).where(models.Counter.id == office.c1.id).execute()
    staff = str(api("canbo1").get("/api/snapshot").get_json())
    assert "CCCD" in staff and office.clerk1.full_name in staff
    for token in (office.kiosk_token, office.display_token):
        device = api(device=token)
        snapshot = device.get("/api/snapshot").get_json()
        counters = device.get("/api/counters").get_json()
        assert "waiting" not in snapshot
        for text in (str(snapshot), str(counters)):
            assert "CCCD" not in text and office.clerk1.full_name not in text and "note" not in text
    assert "counters" not in api(device=office.kiosk_token).get("/api/snapshot").get_json()


def test_a_tablet_reads_its_own_counter_only(office, api):
    """/api/counters as counter 1's tablet: counter 1 with the clerk on duty (its rating screen names them)."""
    models.Counter.update(clerk=office.clerk1.id).where(models.Counter.id == office.c1.id).execute()
    counters = api(device=office.tablet1_token).get("/api/counters").get_json()["counters"]
    assert [(c["id"], c["clerk_name"]) for c in counters] == [(office.c1.id, office.clerk1.full_name)]
    assert "current" not in counters[0]


def test_voice_recordings_are_the_offices_own(office, api, app):
    """Office A's recording: A's board, kiosk and clerk hear it; B's board and B's admin get 403; nobody
    logged in gets 401."""
    VoiceClip.create(office=office.office, key="mot", data=b"OggS-A", content_type="audio/ogg")
    other = make_office(name="UBND xã Khác")
    make_field(other)
    make_user(other, "admin", username="khac_admin")
    other_board = make_device(other, "display")[1]
    url = f"/voice/{office.office.id}/mot"
    for reader in (api(device=office.display_token), api(device=office.kiosk_token), api("canbo1")):
        response = reader.get(url)
        assert (response.status_code, response.data) == (200, b"OggS-A")
    assert api(device=other_board).get(url).status_code == 403
    assert api("khac_admin").get(url).status_code == 403
    assert app.test_client().get(url).status_code == 401
