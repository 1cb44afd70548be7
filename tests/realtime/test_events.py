"""Live events: rooms, sequence numbers and snapshots (Flask-SocketIO test client), and the
real eventlet server with a python-socketio client."""

import threading
import time

import socketio as socketio_client

import realtime
from conftest import make_counter, make_device, make_field, make_office, make_ticket


def connect(app, **auth):
    """A Socket.IO test client authenticated with ``auth``; its snapshot already received."""
    client = realtime.socketio.test_client(app, flask_test_client=app.test_client(), auth=auth)
    assert client.is_connected()
    return client


def names(received):
    """Event names in order."""
    return [r["name"] for r in received]


def test_device_gets_a_snapshot_on_connect(app, office):
    make_ticket(office.f1)
    client = connect(app, device_token=office.display_token)
    [snap] = client.get_received()
    assert snap["name"] == "snapshot"
    data = snap["args"][0]
    assert data["office"]["name"] == office.office.name
    assert [f["waiting"] for f in data["fields"]] == [1, 0]


def test_unknown_token_is_refused(app):
    client = realtime.socketio.test_client(app, auth={"device_token": "nope"})
    assert not client.is_connected()


def test_call_reaches_displays_of_the_office_and_none_in_another(app, office, api):
    make_ticket(office.f1)
    displays = [connect(app, device_token=office.display_token) for _ in range(2)]
    other_office = make_office()
    _, other_token = make_device(other_office, "display")
    stranger = connect(app, device_token=other_token)
    for c in displays + [stranger]:
        c.get_received()
    api("canbo1").post(f"/api/counters/{office.c1.id}/call-next")
    for c in displays:
        called = [r for r in c.get_received() if r["name"] == "ticket_called"]
        assert len(called) == 1
        payload = called[0]["args"][0]
        assert (payload["number"], payload["counter_number"], payload["recall"]) == ("1001", 1, False)
        assert payload["text"] == "Mời công dân có số thứ tự 1001 đến quầy số 1"
    assert stranger.get_received() == []


def test_events_carry_increasing_sequence_numbers(app, office, api):
    display = connect(app, device_token=office.display_token)
    start = display.get_received()[0]["args"][0]["seq"]
    kiosk = api(device=office.kiosk_token)
    kiosk.post("/api/tickets", json={"field": office.f1.id})
    api("canbo1").post(f"/api/counters/{office.c1.id}/call-next")
    seqs = [r["args"][0]["seq"] for r in display.get_received()]
    assert seqs == list(range(start + 1, start + 1 + len(seqs))) and len(seqs) >= 4


def test_snapshot_request_resyncs_a_client_that_missed_events(app, office, api):
    display = connect(app, device_token=office.display_token)
    display.disconnect()  # misses what follows
    api(device=office.kiosk_token).post("/api/tickets", json={"field": office.f1.id})
    api("canbo1").post(f"/api/counters/{office.c1.id}/call-next")
    display = connect(app, device_token=office.display_token)
    display.get_received()
    display.emit("snapshot_request")
    snap = display.get_received()[0]["args"][0]
    counter = next(c for c in snap["counters"] if c["id"] == office.c1.id)
    assert counter["current"]["number"] == "1001"
    assert snap["recent_calls"][0]["number"] == "1001"
    assert snap["seq"] == office.office.__class__.get_by_id(office.office.id).event_seq


def test_tablet_of_the_counter_gets_rating_request_other_tablet_not(app, office, api):
    ticket = make_ticket(office.f1)
    _, tablet2_token = make_device(office.office, "tablet", counter=office.c2)
    tablet1 = connect(app, device_token=office.tablet1_token)
    tablet2 = connect(app, device_token=tablet2_token)
    clerk = api("canbo1")
    clerk.post(f"/api/counters/{office.c1.id}/call-next")
    tablet1.get_received(), tablet2.get_received()
    clerk.post(f"/api/tickets/{ticket.id}/finish")
    assert [r["args"][0]["ticket_id"] for r in tablet1.get_received() if r["name"] == "rating_request"] == [ticket.id]
    assert "rating_request" not in names(tablet2.get_received())


def test_phone_follows_public_events_but_not_staff_ones(app, office, api):
    body = api(device=office.kiosk_token).post("/api/tickets", json={"field": office.f1.id}).get_json()
    phone = connect(app, ticket=body["public_token"])
    snap = phone.get_received()[0]["args"][0]
    assert "waiting" not in snap  # the staff list is not public
    api(device=office.kiosk_token).post("/api/tickets", json={"field": office.f1.id})
    api("canbo1").post(f"/api/counters/{office.c1.id}/call-next")
    got = names(phone.get_received())
    assert "ticket_called" in got and "ticket_issued" not in got


def test_clerk_joins_only_an_assigned_counter_room(app, office):
    flask_client = app.test_client()
    flask_client.post("/api/session", json={"username": "canbo1", "password": "mat-khau-thu-123"})
    sock = realtime.socketio.test_client(app, flask_test_client=flask_client)
    assert sock.emit("join_counter", {"counter_id": office.c1.id}, callback=True) == {"ok": True}
    assert sock.emit("join_counter", {"counter_id": office.c2.id}, callback=True)["error"] == "forbidden"


def test_real_eventlet_server_pushes_calls_to_a_python_socketio_client(live_office, live_server_factory):
    db_url, bag = live_office
    server = live_server_factory(db_url=db_url)
    received, ready = [], threading.Event()
    client = socketio_client.Client(reconnection=False)
    client.on("snapshot", lambda data: ready.set())
    client.on("ticket_called", lambda data: received.append(data))
    client.connect(server.url, auth={"device_token": bag.display_token}, transports=["websocket"], wait_timeout=10)
    try:
        assert ready.wait(10)
        kiosk = server.session(device_token=bag.kiosk_token)
        assert kiosk.post(server.url + "/api/tickets", json={"field": bag.f1.id}, timeout=10).status_code == 201
        clerk = server.session(username="canbo1")
        response = clerk.post(f"{server.url}/api/counters/{bag.c1.id}/call-next", timeout=10)
        assert response.status_code == 200
        deadline = time.monotonic() + 5
        while not received and time.monotonic() < deadline:
            time.sleep(0.02)
        assert [r["number"] for r in received] == ["1001"]
    finally:
        client.disconnect()


def test_counter_changes_are_published(app, office, api):
    display = connect(app, device_token=office.display_token)
    display.get_received()
    api("canbo1").post(f"/api/counters/{office.c1.id}/pause", json={"reason": "Họp"})
    [event] = [r for r in display.get_received() if r["name"] == "counter_changed"]
    assert event["args"][0]["counter"]["pause_reason"] == "Họp"


def test_issue_updates_queue_counts_for_the_field(app, office, api):
    field = make_field(office.office, number_start=5001)
    make_counter(office.office, [field], number=9)
    display = connect(app, device_token=office.display_token)
    display.get_received()
    api(device=office.kiosk_token).post("/api/tickets", json={"field": field.id})
    [event] = [r for r in display.get_received() if r["name"] == "queue_changed"]
    assert event["args"][0]["fields"][0]["id"] == field.id and event["args"][0]["fields"][0]["waiting"] == 1


def test_a_rating_does_not_open_a_gap_in_the_boards_sequence(app, office, api):
    ticket = make_ticket(office.f1)
    clerk = api("canbo1")
    clerk.post(f"/api/counters/{office.c1.id}/call-next")
    clerk.post(f"/api/tickets/{ticket.id}/finish")
    display = connect(app, device_token=office.display_token)
    before = display.get_received()[0]["args"][0]["seq"]
    assert api(device=office.tablet1_token).post("/api/ratings", json={"ticket": ticket.id, "level": 3}).status_code == 201
    make_ticket(office.f2)  # the next numbered event
    api(device=office.kiosk_token).post("/api/tickets", json={"field": office.f1.id})
    seqs = [r["args"][0]["seq"] for r in display.get_received() if "seq" in r["args"][0]]
    assert seqs and seqs[0] == before + 1


def test_an_admin_change_sends_every_screen_a_fresh_snapshot(app, office, api):
    display = connect(app, device_token=office.display_token)
    display.get_received()
    admin = api("admin1")
    response = admin.client.put("/api/admin/settings", json={"notices": "Nghỉ lễ ngày 2/9"},
                                headers={"X-CSRF-Token": admin.csrf})
    assert response.status_code == 200, response.get_json()
    snaps = [r["args"][0] for r in display.get_received() if r["name"] == "snapshot"]
    assert snaps and snaps[-1]["office"]["notices"] == "Nghỉ lễ ngày 2/9"
