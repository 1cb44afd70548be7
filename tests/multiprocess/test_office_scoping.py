"""Many offices on one server: a user or device of office A can never see or act on office B
(HTTP API and Socket.IO rooms), proven over the real API with two offices in one database."""

from __future__ import annotations

import pytest

import realtime
import ticketing
from models import Rating, Ticket
from tests.conftest import (
    Bag,
    make_counter,
    make_device,
    make_field,
    make_office,
    make_ticket,
    make_user,
)


@pytest.fixture
def other(office):
    """Office B beside the standard office A: a field, a counter with a clerk, a display, a tablet, a ticket."""
    o = make_office(name="UBND phường Bên Kia")
    f = make_field(o, code="HT", number_start=1001)
    c = make_counter(o, [f], number=1)
    clerk = make_user(o, "clerk", [c], username="canbo_b")
    _display, display_token = make_device(o, "display")
    _tablet, tablet_token = make_device(o, "tablet", counter=c)
    ticket = make_ticket(f)
    return Bag(office=o, field=f, counter=c, clerk=clerk, display_token=display_token,
               tablet_token=tablet_token, ticket=ticket)


def test_ticket_list_shows_only_own_office(office, other, api):
    """A's clerk lists today's tickets: A's only, B's ticket (same number 1001) absent."""
    mine = make_ticket(office.f1)
    ids = {t["id"] for t in api(username="canbo1").get("/api/tickets").get_json()["tickets"]}
    assert mine.id in ids and other.ticket.id not in ids


def test_ticket_of_other_office_is_not_found(office, other, api):
    """Reading B's ticket by id from A answers 404, not its content."""
    response = api(username="admin1").get(f"/api/tickets/{other.ticket.id}")
    assert response.status_code == 404 and "1001" not in response.get_data(as_text=True)


def test_call_next_on_other_office_counter_is_refused(office, other, api):
    """A's admin calling with B's counter: 404, and B's ticket keeps waiting."""
    assert api(username="admin1").post(f"/api/counters/{other.counter.id}/call-next").status_code == 404
    assert Ticket.get_by_id(other.ticket.id).state == "waiting"


def test_finish_other_office_ticket_is_refused(office, other, api):
    """A's leader finishing B's called ticket: 404, B's ticket still called."""
    ticketing.call_next(other.counter.id)
    for action in ("finish", "no-show", "cancel", "recall"):
        assert api(username="lanhdao1").post(f"/api/tickets/{other.ticket.id}/{action}").status_code == 404
    assert Ticket.get_by_id(other.ticket.id).state == "called"


def test_transfer_into_other_office_is_refused(office, other, api):
    """A's clerk cannot send A's ticket to B's counter or field."""
    mine = make_ticket(office.f1)
    client = api(username="admin1")
    assert client.post(f"/api/tickets/{mine.id}/transfer", json={"counter": other.counter.id}).status_code == 404
    assert client.post(f"/api/tickets/{mine.id}/transfer", json={"field": other.field.id}).status_code == 404
    assert Ticket.get_by_id(mine.id).field_id == office.f1.id


def test_kiosk_cannot_issue_in_other_office(office, other, api):
    """A's kiosk asking for B's field: 404 and no ticket appears in B."""
    response = api(device=office.kiosk_token).post("/api/tickets", json={"field": other.field.id})
    assert response.status_code == 404
    assert Ticket.select().where(Ticket.office == other.office.id).count() == 1


def test_tablet_cannot_rate_other_office_ticket(office, other, api):
    """A's tablet cannot rate a ticket B just finished."""
    ticketing.call_next(other.counter.id)
    ticketing.finish(other.ticket.id)
    response = api(device=office.tablet1_token).post("/api/ratings", json={"ticket": other.ticket.id, "level": 3})
    assert response.status_code in (403, 404, 409)
    assert Rating.select().count() == 0


def test_clerk_of_a_cannot_take_counter_of_b(office, other, api):
    """Opening or pausing B's counter from A: 404."""
    client = api(username="admin1")
    assert client.post(f"/api/counters/{other.counter.id}/close").status_code == 404
    assert client.post(f"/api/counters/{other.counter.id}/pause", json={"reason": "Họp"}).status_code == 404


def test_snapshot_and_counters_hold_own_office_only(office, other, api):
    """A's display snapshot and counter list name no counter or field of B."""
    client = api(device=office.display_token)
    snap = client.get("/api/snapshot").get_json()
    assert {c["id"] for c in snap["counters"]} == {office.c1.id, office.c2.id}
    assert other.field.id not in {f["id"] for f in snap["fields"]}
    counters = client.get("/api/counters").get_json()["counters"]
    assert other.counter.id not in {c["id"] for c in counters}


def test_socket_display_of_a_receives_nothing_from_b(app, office, other):
    """A call in office B reaches B's display and never A's display."""
    display_a = realtime.socketio.test_client(app, auth={"device_token": office.display_token})
    display_b = realtime.socketio.test_client(app, auth={"device_token": other.display_token})
    display_a.get_received()
    display_b.get_received()
    realtime.publish(ticketing.call_next(other.counter.id))
    assert display_a.get_received() == []
    called = [m["args"][0]["call"] for m in display_b.get_received() if "call" in m["args"][0]]
    assert called and called[0]["counter_id"] == other.counter.id
    display_a.disconnect()
    display_b.disconnect()


def test_socket_clerk_of_a_hears_nothing_of_b(app, office, other):
    """A's clerk console is in A's staff room only: B's calls, tickets and alerts never reach it."""
    http = app.test_client()
    assert http.post("/api/session", json={"username": "canbo1", "password": "mat-khau-thu-123"}).status_code == 200
    console = realtime.socketio.test_client(app, flask_test_client=http)
    assert console.is_connected()
    console.get_received()
    realtime.publish(ticketing.call_next(other.counter.id))
    realtime.alert(other.counter.office_id, "paper_out", "Máy in phiếu đã hết giấy.")
    assert console.get_received() == []
    console.disconnect()


def test_socket_snapshot_of_a_names_nothing_of_b(app, office, other):
    """The snapshot a display of A receives on connect lists A's counters only."""
    display_a = realtime.socketio.test_client(app, auth={"device_token": office.display_token})
    snap = next(m for m in display_a.get_received() if m["name"] == "snapshot")["args"][0]
    assert other.counter.id not in {c["id"] for c in snap["counters"]}
    assert snap["office"]["id"] == office.office.id
    display_a.disconnect()
