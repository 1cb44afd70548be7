"""Counter room: what a clerk's console hears live (Flask-SocketIO test clients), and two clerks
calling in the same instant against a real eventlet server (two threads, two counters)."""

import threading

import realtime
from conftest import PASSWORD, make_ticket


def console(app, username):
    """A console socket: logged in by session cookie (the staff room), snapshot taken off."""
    flask_client = app.test_client()
    assert flask_client.post("/api/session", json={"username": username, "password": PASSWORD}).status_code == 200
    sock = realtime.socketio.test_client(app, flask_test_client=flask_client)
    assert sock.is_connected()
    sock.get_received()
    return sock


def updates(sock):
    """The ``update`` messages received so far."""
    return [r["args"][0] for r in sock.get_received() if r["name"] == "update"]


def test_console_snapshot_lists_the_waiting_tickets(app, office):
    make_ticket(office.f1)
    make_ticket(office.f2, priority="cao_tuoi")
    flask_client = app.test_client()
    flask_client.post("/api/session", json={"username": "canbo1", "password": PASSWORD})
    sock = realtime.socketio.test_client(app, flask_test_client=flask_client)
    [snap] = [r["args"][0] for r in sock.get_received() if r["name"] == "snapshot"]
    assert [(t["number"], bool(t["priority"])) for t in snap["waiting"]] == [("2001", True), ("1001", False)]
    mine = next(c for c in snap["counters"] if c["id"] == office.c1.id)
    assert sorted(mine["field_ids"]) == sorted([office.f1.id, office.f2.id])


def test_console_list_hears_a_new_ticket(app, office, api):
    sock = console(app, "canbo1")
    api(device=office.kiosk_token).post("/api/tickets", json={"field": office.f1.id})
    [update] = updates(sock)
    [issued] = update["tickets"]
    assert update["kind"] == "issued" and issued["number"] == "1001" and issued["state"] == "waiting"


def test_console_hears_another_counter_calling(app, office, api):
    make_ticket(office.f1)
    sock = console(app, "canbo1")
    api("canbo2").post(f"/api/counters/{office.c2.id}/call-next")
    [update] = updates(sock)
    [counter] = update["counters"]
    assert (counter["id"], counter["current"]["number"]) == (office.c2.id, "1001")
    assert (update["tickets"][0]["state"], update["tickets"][0]["counter_id"]) == ("called", office.c2.id)


def test_transfer_to_a_counter_alerts_that_counter_in_the_same_update(app, office, api):
    ticket = make_ticket(office.f1)
    receiver = console(app, "canbo2")
    clerk = api("canbo1")
    clerk.post(f"/api/counters/{office.c1.id}/call-next")
    receiver.get_received()
    clerk.post(f"/api/tickets/{ticket.id}/transfer", json={"counter": office.c2.id, "note": "Hồ sơ đất đai"})
    [update] = updates(receiver)
    [alert] = update["alerts"]
    assert (alert["kind"], alert["counter_id"], alert["ticket_id"]) == ("transfer_in", office.c2.id, ticket.id)
    [moved] = update["tickets"]
    assert moved["target_counter_id"] == office.c2.id and moved["note"] == "Hồ sơ đất đai"
    assert moved["state"] == "waiting" and moved["transferred"] is True


def test_printer_alert_reaches_the_console_at_once(app, office):
    sock = console(app, "canbo1")
    realtime.alert(office.office.id, "printer_paper", "Máy in phiếu đã hết giấy.", level="warning")
    [alert] = updates(sock)[0]["alerts"]
    assert (alert["kind"], alert["message"], alert["level"]) == ("printer_paper", "Máy in phiếu đã hết giấy.", "warning")


def test_two_clerks_calling_in_the_same_instant_get_different_tickets(live_office, live_server_factory):
    db_url, bag = live_office
    server = live_server_factory(db_url=db_url)
    kiosk = server.session(device_token=bag.kiosk_token)
    clerks = [(server.session(username="canbo1"), bag.c1.id), (server.session(username="canbo2"), bag.c2.id)]
    rounds = 6
    for _ in range(2 * rounds):
        assert kiosk.post(server.url + "/api/tickets", json={"field": bag.f1.id}, timeout=10).status_code == 201
    def press(session, counter_id, barrier, answers):
        """Wait for the other clerk, then call next; keep what this clerk's screen was told."""
        barrier.wait(timeout=10)
        answers[counter_id] = session.post(f"{server.url}/api/counters/{counter_id}/call-next", timeout=10)

    seen = []
    for _ in range(rounds):
        barrier, answers = threading.Barrier(2), {}
        threads = [threading.Thread(target=press, args=(*clerk, barrier, answers)) for clerk in clerks]
        [t.start() for t in threads]
        [t.join(timeout=20) for t in threads]
        bodies = {cid: r.json() for cid, r in answers.items() if r.status_code == 200}
        assert len(bodies) == 2, {cid: r.text for cid, r in answers.items()}
        for counter_id, body in bodies.items():
            assert body["ticket"]["counter_id"] == counter_id and body["counter"]["id"] == counter_id
        numbers = [body["ticket"]["number"] for body in bodies.values()]
        assert numbers[0] != numbers[1]
        seen += numbers
        for session, counter_id in clerks:
            ticket_id = bodies[counter_id]["ticket"]["id"]
            assert session.post(f"{server.url}/api/tickets/{ticket_id}/finish", timeout=10).status_code == 200
    assert sorted(seen) == [str(1001 + n) for n in range(2 * rounds)]
