"""Security room, issue 13 row 7: logout ends the session for real. The cookie a clerk had before
DELETE /api/session is replayed and refused; "log out everywhere" (by the person, or an admin for
them) ends every session; a session unused for SESSION_IDLE_MINUTES ends; a new password ends the
others. Against the real eventlet server where the replay is the attack, the app elsewhere."""

from __future__ import annotations

import datetime as dt

import requests

import models
import security
from models import AuditLog, StaffSession, User
from tests.conftest import PASSWORD


def _login(app, username="canbo1"):
    """(test client, csrf) logged in as ``username``."""
    client = app.test_client()
    response = client.post("/api/session", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200
    return client, response.get_json()["csrf_token"]


def _cookie(client) -> str:
    """The session cookie's value in a test client."""
    return client.get_cookie("session").value


def test_the_old_cookie_after_logout_gets_401_on_the_real_server(live_office, live_server_factory):
    """A copy of the clerk's cookie, taken before logout, closes no counter afterwards."""
    url, bag = live_office
    srv = live_server_factory(db_url=url, env={"BACKGROUND_TASKS": "0"})
    clerk = srv.session("canbo1")
    stolen = requests.Session()
    stolen.cookies.update(clerk.cookies)
    stolen.headers["X-CSRF-Token"] = clerk.headers["X-CSRF-Token"]
    assert stolen.get(srv.url + "/api/session", timeout=10).status_code == 200  # the copy works while logged in
    assert clerk.delete(srv.url + "/api/session", timeout=10).status_code == 200
    closed = stolen.post(f"{srv.url}/api/counters/{bag.c1.id}/close", timeout=10)
    assert closed.status_code == 401 and closed.json()["error"] == "unauthorized"
    assert stolen.get(srv.url + "/api/session", timeout=10).status_code == 401


def test_logout_marks_the_session_row_ended(app, office):
    """The server keeps the session: logout ends its row (why: logout)."""
    client, csrf = _login(app)
    client.delete("/api/session", headers={"X-CSRF-Token": csrf})
    row = StaffSession.get()
    assert row.ended_at is not None and row.ended_why == "logout" and row.user_id == office.clerk1.id


def test_a_person_logs_out_everywhere(app, office):
    """Two PCs logged in as canbo1; "log out everywhere" on one ends both; canbo2 is untouched."""
    first, csrf = _login(app)
    second, _ = _login(app)
    other, _ = _login(app, "canbo2")
    answer = first.delete("/api/sessions", headers={"X-CSRF-Token": csrf})
    assert answer.status_code == 200 and answer.get_json()["ended"] == 2
    assert first.get("/api/session").status_code == 401
    assert second.get("/api/session").status_code == 401
    assert other.get("/api/session").status_code == 200


def test_an_admin_logs_a_clerk_out_everywhere(app, office):
    """The admin ends every session of canbo1 from the users page's call; the audit log says so."""
    clerk, _ = _login(app)
    admin, csrf = _login(app, "admin1")
    answer = admin.delete(f"/api/admin/users/{office.clerk1.id}/sessions", headers={"X-CSRF-Token": csrf})
    assert answer.status_code == 200 and answer.get_json()["ended"] == 1
    assert clerk.get("/api/session").status_code == 401
    assert admin.get("/api/session").status_code == 200
    assert AuditLog.get(AuditLog.action == "user.logout_all").detail == {"after": {"sessions_ended": 1}}


def test_a_leader_may_not_log_others_out(app, office):
    """Ending someone else's sessions is an admin's write: a leader gets 403 and the clerk stays in."""
    clerk, _ = _login(app)
    leader, csrf = _login(app, "lanhdao1")
    assert leader.delete(f"/api/admin/users/{office.clerk1.id}/sessions", headers={"X-CSRF-Token": csrf}).status_code == 403
    assert clerk.get("/api/session").status_code == 200


def test_an_idle_session_ends_and_a_used_one_does_not(app, office):
    """Unused for 8 h 1 min (the default 8 h): 401 and ended as idle; used 7 h 59 min ago: still in."""
    idle, _ = _login(app)
    busy, _ = _login(app, "canbo2")
    now = models.utcnow()
    rows = {row.user_id: row.id for row in StaffSession.select()}
    StaffSession.update(last_seen=now - dt.timedelta(hours=8, minutes=1)).where(
        StaffSession.id == rows[office.clerk1.id]).execute()
    StaffSession.update(last_seen=now - dt.timedelta(hours=7, minutes=59)).where(
        StaffSession.id == rows[office.clerk2.id]).execute()
    assert idle.get("/api/session").status_code == 401
    assert StaffSession.get_by_id(rows[office.clerk1.id]).ended_why == "idle"
    assert busy.get("/api/session").status_code == 200
    # The request counted as use: the busy session's clock starts again.
    assert (models.utcnow() - StaffSession.get_by_id(rows[office.clerk2.id]).last_seen).total_seconds() < 60


def test_the_idle_limit_is_a_setting(app, office):
    """SESSION_IDLE_MINUTES=30: 31 minutes without use end the session."""
    app.config["SESSION_IDLE_MINUTES"] = 30
    client, _ = _login(app)
    StaffSession.update(last_seen=models.utcnow() - dt.timedelta(minutes=31)).execute()
    assert client.get("/api/session").status_code == 401


def test_a_new_password_ends_the_other_sessions(app, office):
    """The admin sets canbo1's password: canbo1's open session ends (not only new logins refused)."""
    clerk, _ = _login(app)
    admin, csrf = _login(app, "admin1")
    response = admin.post(f"/api/admin/users/{office.clerk1.id}/password", json={"password": "mat-khau-moi-123"},
                          headers={"X-CSRF-Token": csrf})
    assert response.status_code == 200
    assert clerk.get("/api/session").status_code == 401
    assert StaffSession.get(StaffSession.user == office.clerk1.id).ended_why == "password"


def test_a_deactivated_person_is_out_at_once(app, office):
    """Locking canbo1's account ends the session at the next request."""
    clerk, _ = _login(app)
    User.update(active=False).where(User.id == office.clerk1.id).execute()
    assert clerk.get("/api/session").status_code == 401
    assert StaffSession.get().ended_why == "account"


def test_the_cookie_holds_no_identity_but_a_key(app, office):
    """The session row stores only the key's hash; a cookie whose key is not on record is refused."""
    client, _ = _login(app)
    cookie = app.session_interface.get_signing_serializer(app).loads(_cookie(client))
    row = StaffSession.get()
    assert row.key_hash == security.hash_token(cookie["sk"]) and cookie["sk"] not in str(row.__data__)
    StaffSession.update(key_hash="0" * 64).execute()
    assert client.get("/api/session").status_code == 401


def test_logging_in_again_ends_the_browsers_previous_session_and_old_rows_go(app, office):
    """A second login in the same browser ends the first session (its key is gone from the cookie);
    rows ended more than SESSION_ROWS_KEPT_DAYS ago are deleted at a login."""
    client, csrf = _login(app)
    first = StaffSession.get()
    old = StaffSession.create(user=office.clerk2.id, key_hash="1" * 64, password_fp="x",
                              ended_at=models.utcnow() - dt.timedelta(days=security.SESSION_ROWS_KEPT_DAYS + 1))
    again = client.post("/api/session", json={"username": "canbo1", "password": PASSWORD},
                        headers={"X-CSRF-Token": csrf})
    assert again.status_code == 200
    assert StaffSession.get_by_id(first.id).ended_why == "logout"
    assert StaffSession.get_or_none(StaffSession.key_hash == old.key_hash) is None  # (SQLite reuses its id)
    assert client.get("/api/session").status_code == 200
