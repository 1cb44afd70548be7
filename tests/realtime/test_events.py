"""Live protocol v2: one role room per screen, one numbered ``update`` per room and change,
consecutive sequence numbers for every screen (Flask-SocketIO test clients), and the real
eventlet server with a python-socketio client."""

import threading
import time

import socketio as socketio_client

import realtime
from conftest import PASSWORD, close_socket, make_device, make_field, make_office, make_ticket
from models import Office

ROLES = ("staff", "leaders", "display", "kiosk", "tablet", "public")


def connect(app, username=None, **auth):
    """A Socket.IO test client (logged in as ``username`` or authenticated with ``auth``), connected."""
    flask_client = app.test_client()
    if username:
        assert flask_client.post("/api/session", json={"username": username, "password": PASSWORD}).status_code == 200
    client = realtime.socketio.test_client(app, flask_test_client=flask_client, auth=auth or None)
    assert client.is_connected()
    return client


def screens(app, office):
    """One connected client of every role of ``office``, keyed by role; their snapshots taken off."""
    phone_ticket = make_ticket(office.f2)
    clients = {
        "staff": connect(app, "canbo1"),
        "leaders": connect(app, "lanhdao1"),
        "display": connect(app, device_token=office.display_token),
        "kiosk": connect(app, device_token=office.kiosk_token),
        "tablet": connect(app, device_token=office.tablet1_token),
        "public": connect(app, ticket=phone_ticket.public_token),
    }
    for client in clients.values():
        [snap] = [r["args"][0] for r in client.get_received() if r["name"] == "snapshot"]
        client.start_seq = snap["seq"]
    return clients


def updates(client):
    """The ``update`` payloads a client received since the last look (every message must be one)."""
    received = client.get_received()
    assert {r["name"] for r in received} <= {"update"}, [r["name"] for r in received]
    return [r["args"][0] for r in received]


def test_each_identity_gets_its_roles_snapshot(app, office):
    clients = screens(app, office)
    for role, client in clients.items():
        client.emit("snapshot_request")
        [snap] = [r["args"][0] for r in client.get_received() if r["name"] == "snapshot"]
        assert snap["role"] == role
    admin = connect(app, "admin1")
    assert admin.get_received()[0]["args"][0]["role"] == "leaders"


def test_unknown_token_is_refused(app):
    client = realtime.socketio.test_client(app, auth={"device_token": "nope"})
    assert not client.is_connected()


def test_one_change_sends_one_message_to_every_role_with_the_same_number(app, office, api):
    make_ticket(office.f1)
    clients = screens(app, office)
    api("canbo1").post(f"/api/counters/{office.c1.id}/call-next")
    got = {role: updates(client) for role, client in clients.items()}
    assert all(len(messages) == 1 for messages in got.values()), got
    assert len({messages[0]["seq"] for messages in got.values()}) == 1
    assert {messages[0]["kind"] for messages in got.values()} == {"called"}


def test_a_call_reaches_the_displays_of_the_office_and_none_of_another(app, office, api):
    make_ticket(office.f1)
    displays = [connect(app, device_token=office.display_token) for _ in range(2)]
    other_office = make_office()
    _, other_token = make_device(other_office, "display")
    stranger = connect(app, device_token=other_token)
    for c in displays + [stranger]:
        c.get_received()
    api("canbo1").post(f"/api/counters/{office.c1.id}/call-next")
    for c in displays:
        [update] = updates(c)
        call = update["call"]
        assert (call["number"], call["counter_number"], call["recall"]) == ("1001", 1, False)
        assert call["text"] == "Mời công dân có số thứ tự 1001 đến quầy số 1"
        [counter] = update["counters"]
        assert (counter["id"], counter["current"]["number"], counter["current"]["state"]) == (office.c1.id, "1001", "called")
    assert stranger.get_received() == []


def _day(app, office, api):
    """A normal day's operations: every kind of change a screen can hear about."""
    clerk1, clerk2 = api("canbo1"), api("canbo2")
    kiosk, tablet = api(device=office.kiosk_token), api(device=office.tablet1_token)
    admin = api("admin1")
    kiosk.post("/api/tickets", json={"field": office.f1.id})
    second = kiosk.post("/api/tickets", json={"field": office.f1.id, "priority": "cao_tuoi"}).get_json()["ticket"]["id"]
    kiosk.post("/api/tickets", json={"field": office.f2.id})
    assert clerk1.post(f"/api/counters/{office.c1.id}/call-next").get_json()["ticket"]["id"] == second
    assert clerk1.post(f"/api/tickets/{second}/recall").status_code == 200
    assert clerk1.post(f"/api/tickets/{second}/start").status_code == 200
    assert clerk1.post(f"/api/tickets/{second}/finish").status_code == 200
    assert tablet.post("/api/ratings", json={"ticket": second, "level": 3}).status_code == 201
    first = clerk2.post(f"/api/counters/{office.c2.id}/call-next").get_json()["ticket"]["id"]
    assert clerk2.post(f"/api/tickets/{first}/no-show").status_code == 200
    assert clerk2.post(f"/api/tickets/{first}/reactivate").status_code == 200
    third = clerk2.post(f"/api/counters/{office.c2.id}/call-next").get_json()["ticket"]["id"]
    assert clerk2.post(f"/api/tickets/{third}/transfer", json={"counter": office.c1.id, "note": "Hồ sơ"}).status_code == 200
    assert clerk2.post(f"/api/counters/{office.c2.id}/pause", json={"reason": "Họp"}).status_code == 200
    assert clerk2.post(f"/api/counters/{office.c2.id}/resume").status_code == 200
    response = admin.client.put("/api/admin/settings", json={"notices": "Nghỉ lễ 2/9"}, headers={"X-CSRF-Token": admin.csrf})
    assert response.status_code == 200, response.get_json()
    realtime.alert(office.office.id, "paper_out", "Máy in phiếu đã hết giấy.", level="error")
    return 17  # the number of changes above


def test_every_screen_hears_a_normal_day_as_consecutive_numbers(app, office, api):
    clients = screens(app, office)
    changes = _day(app, office, api)
    last = Office.get_by_id(office.office.id).event_seq
    for role, client in clients.items():
        seqs = [u["seq"] for u in updates(client)]
        assert seqs == list(range(client.start_seq + 1, last + 1)), role
        assert len(seqs) == changes, role


def test_the_sections_each_role_gets_for_a_normal_day(app, office, api):
    clients = screens(app, office)
    _day(app, office, api)
    sections = {role: [set(u) - {"seq", "office_id", "kind"} for u in updates(c)] for role, c in clients.items()}
    everything = {role: set().union(*parts) for role, parts in sections.items()}
    assert everything["kiosk"] == {"fields", "snapshot"}
    assert everything["tablet"] == {"counters", "rated", "rating_request", "snapshot"}
    assert everything["display"] == {"call", "counters", "fields", "snapshot"}
    assert everything["public"] == {"call", "counters", "fields", "tickets", "snapshot"}
    assert everything["staff"] == {"alerts", "counters", "fields", "tickets", "snapshot"}
    assert everything["leaders"] == everything["staff"] | {"rating"}


def test_a_rating_reaches_the_leaders_and_no_other_room(app, office, api):
    ticket = make_ticket(office.f1)
    clerk = api("canbo1")
    clerk.post(f"/api/counters/{office.c1.id}/call-next")
    clerk.post(f"/api/tickets/{ticket.id}/finish")
    clients = screens(app, office)
    api(device=office.tablet1_token).post("/api/ratings", json={"ticket": ticket.id, "level": 2, "comment": "Bí mật"})
    got = {role: updates(client) for role, client in clients.items()}
    assert got["leaders"][0]["rating"] == {"ticket_id": ticket.id, "counter_id": office.c1.id, "level": 2, "scale": 3}
    assert all("rating" not in got[role][0] for role in ROLES if role != "leaders")
    assert all("Bí mật" not in str(messages) for messages in got.values())


def test_the_tablet_hears_its_counters_finish_as_a_rating_request(app, office, api):
    ticket = make_ticket(office.f1)
    _, tablet2_token = make_device(office.office, "tablet", counter=office.c2)
    tablet1, tablet2 = connect(app, device_token=office.tablet1_token), connect(app, device_token=tablet2_token)
    clerk = api("canbo1")
    clerk.post(f"/api/counters/{office.c1.id}/call-next")
    tablet1.get_received(), tablet2.get_received()
    clerk.post(f"/api/tickets/{ticket.id}/finish")
    [update] = updates(tablet1)
    request = update["rating_request"]
    assert (request["ticket_id"], request["counter_id"], request["number"]) == (ticket.id, office.c1.id, "1001")
    assert request["clerk_name"] == "Trần Thị Hoa" and request["remaining_s"] == request["window_s"]
    # The other counter's tablet gets the same message and leaves it: it is not its counter.
    assert updates(tablet2)[0]["rating_request"]["counter_id"] == office.c1.id


def test_a_transfer_to_a_counter_is_an_alert_for_that_counter(app, office, api):
    ticket = make_ticket(office.f1)
    clerk = api("canbo1")
    clerk.post(f"/api/counters/{office.c1.id}/call-next")
    console = connect(app, "canbo2")
    console.get_received()
    clerk.post(f"/api/tickets/{ticket.id}/transfer", json={"counter": office.c2.id, "note": "Hồ sơ đất đai"})
    [update] = updates(console)
    [alert] = update["alerts"]
    assert (alert["kind"], alert["counter_id"], alert["ticket_id"]) == ("transfer_in", office.c2.id, ticket.id)
    [moved] = update["tickets"]
    assert (moved["state"], moved["target_counter_id"], moved["note"]) == ("waiting", office.c2.id, "Hồ sơ đất đai")


def test_a_printer_alert_reaches_staff_and_numbers_every_room(app, office):
    clients = screens(app, office)
    realtime.alert(office.office.id, "paper_out", "Máy in phiếu đã hết giấy.", level="error", printer={"name": "k1"})
    got = {role: updates(client) for role, client in clients.items()}
    for role in ("staff", "leaders"):
        [alert] = got[role][0]["alerts"]
        assert (alert["kind"], alert["level"], alert["printer"]["name"]) == ("paper_out", "error", "k1")
    for role in ("display", "kiosk", "tablet", "public"):
        assert set(got[role][0]) == {"seq", "office_id", "kind"}


def test_an_admin_change_gives_every_screen_its_fresh_state_in_one_message(app, office, api):
    clients = screens(app, office)
    admin = api("admin1")
    response = admin.client.put("/api/admin/settings", json={"notices": "Nghỉ lễ ngày 2/9"},
                                headers={"X-CSRF-Token": admin.csrf})
    assert response.status_code == 200, response.get_json()
    for role, client in clients.items():
        [update] = updates(client)
        assert update["kind"] == "settings" and update["snapshot"]["role"] == role
        assert update["snapshot"]["office"]["notices"] == "Nghỉ lễ ngày 2/9"


def test_a_snapshot_request_resyncs_a_client_that_missed_events(app, office, api):
    display = connect(app, device_token=office.display_token)
    display.disconnect()  # misses what follows
    api(device=office.kiosk_token).post("/api/tickets", json={"field": office.f1.id})
    api("canbo1").post(f"/api/counters/{office.c1.id}/call-next")
    display = connect(app, device_token=office.display_token)
    display.get_received()
    assert display.emit("snapshot_request", callback=True) == {"ok": True}
    snap = display.get_received()[0]["args"][0]
    counter = next(c for c in snap["counters"] if c["id"] == office.c1.id)
    assert counter["current"]["number"] == "1001"
    assert snap["recent_calls"][0]["number"] == "1001"
    assert snap["seq"] == Office.get_by_id(office.office.id).event_seq


def test_a_duplicate_issue_and_a_reprint_take_no_number(app, office, api):
    kiosk = api(device=office.kiosk_token)
    kiosk.post("/api/tickets", json={"field": office.f1.id, "client_ref": "abc123"})
    before = Office.get_by_id(office.office.id).event_seq
    display = connect(app, device_token=office.display_token)
    display.get_received()
    assert kiosk.post("/api/tickets", json={"field": office.f1.id, "client_ref": "abc123"}).status_code == 200
    assert Office.get_by_id(office.office.id).event_seq == before and display.get_received() == []


def test_issue_updates_queue_counts_for_the_field(app, office, api):
    field = make_field(office.office, number_start=5001)
    display = connect(app, device_token=office.display_token)
    display.get_received()
    api(device=office.kiosk_token).post("/api/tickets", json={"field": field.id})
    [update] = updates(display)
    assert [(f["id"], f["waiting"]) for f in update["fields"]] == [(field.id, 1)]


def test_real_eventlet_server_pushes_calls_to_a_python_socketio_client(live_office, live_server_factory):
    db_url, bag = live_office
    server = live_server_factory(db_url=db_url)
    received, ready = [], threading.Event()
    client = socketio_client.Client(reconnection=False)
    client.on("snapshot", lambda data: ready.set())
    client.on("update", lambda data: received.append(data))
    client.connect(server.url, auth={"device_token": bag.display_token}, transports=["websocket"], wait_timeout=10)
    try:
        assert ready.wait(10)
        kiosk = server.session(device_token=bag.kiosk_token)
        assert kiosk.post(server.url + "/api/tickets", json={"field": bag.f1.id}, timeout=10).status_code == 201
        clerk = server.session(username="canbo1")
        response = clerk.post(f"{server.url}/api/counters/{bag.c1.id}/call-next", timeout=10)
        assert response.status_code == 200
        deadline = time.monotonic() + 5
        while len(received) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert [u["kind"] for u in received] == ["issued", "called"]
        assert received[1]["call"]["number"] == "1001" and received[1]["seq"] == received[0]["seq"] + 1
    finally:
        close_socket(client)


def test_a_recall_is_its_own_kind_and_its_call_says_recall(app, office, api):
    make_ticket(office.f1)
    clerk = api("canbo1")
    ticket = clerk.post(f"/api/counters/{office.c1.id}/call-next").get_json()["ticket"]
    display = connect(app, device_token=office.display_token)
    display.get_received()
    clerk.post(f"/api/tickets/{ticket['id']}/recall")
    [update] = updates(display)
    assert (update["kind"], update["call"]["recall"], update["call"]["ticket"]["recall_count"]) == ("recalled", True, 1)


def test_the_day_rollover_tells_every_screen(app, office):
    """Tickets left open from yesterday are closed by the rollover; every screen of the office gets one
    numbered update carrying its fresh snapshot (no yesterday's ticket at the counter, none waiting)."""
    import datetime as dt

    import background
    import ticketing
    from models import Ticket, utcnow

    yesterday = utcnow() - dt.timedelta(days=1)
    left = make_ticket(office.f1, now=yesterday)
    ticketing.call_next(office.c1.id, now=yesterday + dt.timedelta(minutes=1))
    clients = screens(app, office)
    assert background.rollover_once(app) == 1
    assert Ticket.get_by_id(left.id).state == "cancelled"
    received = {}
    for role, client in clients.items():
        [message] = updates(client)
        assert message["kind"] == "rollover" and message["seq"] == client.start_seq + 1, role
        assert message["snapshot"]["role"] == role
        received[role] = message["snapshot"]
    [counter] = [c for c in received["staff"]["counters"] if c["id"] == office.c1.id]
    assert "current" in counter and counter["current"] is None, counter  # yesterday's citizen is no longer at counter 1
    board = clients["display"]
    assert background.rollover_once(app) == 0  # nothing left: nothing sent
    assert updates(board) == []


def test_a_counter_opening_brings_its_fields_new_figures_to_every_screen(app, office, api):
    """Opening, pausing or closing a counter changes how many counters serve its fields: the kiosk,
    board and phones get those fields' figures in the same update (a kiosk said "no counter open"
    until something else happened in the field)."""
    clerk = api("canbo2")
    assert clerk.post(f"/api/counters/{office.c2.id}/close").status_code == 200
    clients = screens(app, office)
    assert clerk.post(f"/api/counters/{office.c2.id}/open").status_code == 200
    for role in ("kiosk", "display", "public", "staff"):
        [message] = updates(clients[role])
        assert message["kind"] == "counter", role
        figures = {f["id"]: f["open_counters"] for f in message["fields"]}
        assert figures == {office.f1.id: 2, office.f2.id: 2}, (role, figures)
