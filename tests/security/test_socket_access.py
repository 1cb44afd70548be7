"""Security room: who may hold a live (Socket.IO) connection and what it hears: revoked devices
and anonymous sockets are refused, a citizen's rating comment reaches only leaders and admins."""

import realtime
import ticketing
from conftest import PASSWORD
from models import utcnow


def sock_for(app, username=None, **auth):
    """A Socket.IO test client, logged in as ``username`` or authenticated with ``auth``."""
    flask_client = app.test_client()
    if username:
        assert flask_client.post("/api/session", json={"username": username, "password": PASSWORD}).status_code == 200
    return realtime.socketio.test_client(app, flask_test_client=flask_client, auth=auth or None)


def test_a_revoked_device_and_an_anonymous_socket_are_refused(app, office):
    """Revoking a display ends its right to listen; no identity, no connection."""
    office.display.revoked_at = utcnow()
    office.display.save()
    assert not sock_for(app, device_token=office.display_token).is_connected()
    assert not sock_for(app).is_connected()
    assert not sock_for(app, ticket="khong-phai-ma-phieu").is_connected()


def test_rating_comment_reaches_leaders_and_admins_only(app, office, api):
    """A rating's verdict goes to the leaders' room only; the citizen's comment goes to no socket at all."""
    listeners = {name: sock_for(app, username=name) for name in ("lanhdao1", "admin1", "canbo1")}
    listeners["display"] = sock_for(app, device_token=office.display_token)
    listeners["kiosk"] = sock_for(app, device_token=office.kiosk_token)
    ticket = ticketing.issue_ticket(office.office.id, office.f1.id).ticket
    listeners["phone"] = sock_for(app, ticket=ticket.public_token)
    assert all(s.is_connected() for s in listeners.values())
    clerk = api("canbo1")
    clerk.post(f"/api/counters/{office.c1.id}/call-next")
    clerk.post(f"/api/tickets/{ticket.id}/finish")
    for s in listeners.values():
        s.get_received()
    response = api(device=office.tablet1_token).post(
        "/api/ratings", json={"ticket": ticket.id, "level": 1, "reasons": [], "comment": "Bí mật của công dân"})
    assert response.status_code == 201
    received = {name: s.get_received() for name, s in listeners.items()}
    verdicts = {name for name, events in received.items() if any("rating" in r["args"][0] for r in events)}
    assert verdicts == {"lanhdao1", "admin1"}
    assert {name for name, events in received.items() if "Bí mật" in str(events)} <= {"lanhdao1", "admin1"}
