"""Reports room: what the live monitor receives over Socket.IO as a logged-in leader."""

import realtime
from conftest import PASSWORD
from models import PrinterStatus


def leader_socket(app, username="lanhdao1"):
    """A Socket.IO test client carrying a logged-in leader's session cookie."""
    flask_client = app.test_client()
    assert flask_client.post("/api/session", json={"username": username, "password": PASSWORD}).status_code == 200
    return realtime.socketio.test_client(app, flask_test_client=flask_client)


def events(sock, name):
    """Payloads of the received events called ``name``."""
    return [e["args"][0] for e in sock.get_received() if e["name"] == name]


def test_leader_snapshot_has_what_the_monitor_draws(app, office, api):
    PrinterStatus.create(office=office.office.id, name="Kiosk sảnh", online=True, paper="low")
    api(device=office.kiosk_token).post("/api/tickets", json={"field": office.f1.id})
    snap = events(leader_socket(app), "snapshot")[0]
    assert [c["number"] for c in snap["counters"]] == [1, 2]
    assert {"state", "state_since", "pause_reason", "clerk_name", "current"} <= set(snap["counters"][0])
    assert snap["waiting"][0]["arrival_at"].endswith("Z")
    assert snap["printers"] == [dict(snap["printers"][0], name="Kiosk sảnh", paper="low", online=True)]


def test_leader_follows_issue_call_and_pause_live(app, office, api):
    sock = leader_socket(app)
    sock.get_received()
    api(device=office.kiosk_token).post("/api/tickets", json={"field": office.f1.id})
    clerk = api("canbo1")
    clerk.post(f"/api/counters/{office.c1.id}/call-next")
    issued, called = events(sock, "update")
    assert issued["kind"] == "issued" and issued["tickets"][0]["state"] == "waiting"
    assert called["kind"] == "called" and called["counters"][0]["current"]["number"] == "1001"
    api("canbo2").post(f"/api/counters/{office.c2.id}/pause", json={"reason": "Họp giao ban"})
    [paused] = events(sock, "update")[-1]["counters"]
    assert paused["state"] == "paused" and paused["pause_reason"] == "Họp giao ban"

