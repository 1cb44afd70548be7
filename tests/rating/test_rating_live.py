"""Rating room: who hears about a finished ticket and a rating (Flask-SocketIO test clients).

A tablet asks only when an update's ``rating_request`` names its own counter; the verdict itself
(an update's ``rating``) goes to leaders, never to a clerk's console."""

import realtime
from conftest import PASSWORD, make_device, make_ticket
from models import Office


def tablet_socket(app, token):
    """A tablet's socket with its snapshot already taken off."""
    sock = realtime.socketio.test_client(app, flask_test_client=app.test_client(), auth={"device_token": token})
    assert sock.is_connected()
    sock.get_received()
    return sock


def person_socket(app, username):
    """A logged-in person's socket (session cookie), snapshot taken off."""
    flask_client = app.test_client()
    assert flask_client.post("/api/session", json={"username": username, "password": PASSWORD}).status_code == 200
    sock = realtime.socketio.test_client(app, flask_test_client=flask_client)
    assert sock.is_connected()
    sock.get_received()
    return sock


def updates(sock, section):
    """The ``section`` of every ``update`` received so far that has one."""
    return [r["args"][0][section] for r in sock.get_received() if r["name"] == "update" and section in r["args"][0]]


def requests_for(sock, counter_id):
    """The rating requests a tablet of ``counter_id`` acts on (those naming its counter)."""
    return [r for r in updates(sock, "rating_request") if r["counter_id"] == counter_id]


def test_tablet_of_counter_1_is_asked_and_tablet_of_counter_2_hears_nothing(app, office, api):
    ticket = make_ticket(office.f1)
    _, token2 = make_device(office.office, "tablet", counter=office.c2)
    clerk = api("canbo1")
    clerk.post(f"/api/counters/{office.c1.id}/call-next")
    tablet1, tablet2 = tablet_socket(app, office.tablet1_token), tablet_socket(app, token2)
    clerk.post(f"/api/tickets/{ticket.id}/finish")
    [request] = requests_for(tablet1, office.c1.id)
    assert (request["ticket_id"], request["number"], request["counter_id"]) == (ticket.id, "1001", office.c1.id)
    assert request["clerk_name"] == "Trần Thị Hoa" and request["window_s"] == 120
    assert requests_for(tablet2, office.c2.id) == []


def test_no_show_does_not_ask_the_tablet(app, office, api):
    ticket = make_ticket(office.f1)
    clerk = api("canbo1")
    clerk.post(f"/api/counters/{office.c1.id}/call-next")
    tablet1 = tablet_socket(app, office.tablet1_token)
    clerk.post(f"/api/tickets/{ticket.id}/no-show")
    assert updates(tablet1, "rating_request") == []


def test_rating_request_carries_the_office_scale_and_reasons(app, office, api):
    Office.update(rating_levels=5, rating_reasons=["Thái độ phục vụ", "Khác"]).where(
        Office.id == office.office.id).execute()
    ticket = make_ticket(office.f1)
    clerk = api("canbo1")
    clerk.post(f"/api/counters/{office.c1.id}/call-next")
    tablet1 = tablet_socket(app, office.tablet1_token)
    clerk.post(f"/api/tickets/{ticket.id}/finish")
    [request] = requests_for(tablet1, office.c1.id)
    assert request["levels"] == 5 and request["reasons"] == ["Thái độ phục vụ", "Khác"]


def test_the_verdict_reaches_leaders_but_never_the_clerk(app, office, api):
    ticket = make_ticket(office.f1)
    clerk = api("canbo1")
    clerk.post(f"/api/counters/{office.c1.id}/call-next")
    clerk.post(f"/api/tickets/{ticket.id}/finish")
    console, leader = person_socket(app, "canbo1"), person_socket(app, "lanhdao1")
    response = api(device=office.tablet1_token).post("/api/ratings", json={"ticket": ticket.id, "level": 1})
    assert response.status_code == 201
    [verdict] = updates(leader, "rating")
    assert (verdict["ticket_id"], verdict["level"]) == (ticket.id, 1)
    [heard] = [r["args"][0] for r in console.get_received()]
    assert "rating" not in heard and heard["kind"] == "rated"  # only the number, to stay in step
