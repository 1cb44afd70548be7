"""Beyond one box: what one process learns, every process knows. Two real server processes on one
PostgreSQL database and one Redis channel: a screen's clock reported to A shows on B's status page;
ending a session or a device on A closes its sockets on B (issue 13 row 1); a kiosk's issue limit
counts its tickets on both (row 4)."""

from __future__ import annotations

import time
import uuid

import pytest
import requests
import socketio

from tests.conftest import close_socket

pytestmark = pytest.mark.slow


def test_a_clock_reported_to_one_process_shows_on_the_other(two_servers, shared_office):
    """The display's heartbeat reaches A (15 minutes slow); the admin's status page on B flags it."""
    a, b = two_servers
    display = requests.Session()
    display.headers["X-Device-Token"] = shared_office.display_token
    sent = display.post(a.url + "/api/heartbeat", json={"clock_ms": int(time.time() * 1000) - 900_000}, timeout=10)
    assert sent.status_code == 200
    devices = {d["id"]: d for d in b.session("admin1").get(b.url + "/api/admin/system", timeout=10).json()["devices"]}
    assert devices[shared_office.display.id]["clock_wrong"] is True
    assert devices[shared_office.display.id]["clock_offset_s"] < -890
    assert devices[shared_office.display.id]["online"] is True
    assert devices[shared_office.kiosk.id]["clock_offset_s"] is None


def _socket(url, cookies=None, **auth):
    """A connected python-socketio client to ``url`` (with a person's cookies or a device token)."""
    client = socketio.Client(reconnection=False)
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())} if cookies else {}
    client.connect(url, headers=headers, auth=auth or None, transports=["websocket"], wait_timeout=10)
    assert client.connected
    return client


def _closes(client, timeout=10) -> bool:
    """Wait (bounded) until the server closes ``client``'s connection; True when it did."""
    deadline = time.monotonic() + timeout
    while client.connected and time.monotonic() < deadline:
        time.sleep(0.05)
    return not client.connected


def test_ending_an_identity_on_one_process_disconnects_its_sockets_on_the_other(two_servers, shared_office):
    """Sockets held on B; logout, a new password and a revocation done on A: each closes at once (through the
    Redis message queue); the other identities' sockets stay."""
    a, b = two_servers
    clerk1, clerk2 = a.session("canbo1"), a.session("canbo2")
    admin = a.session("admin1")
    sockets = {"canbo1": _socket(b.url, clerk1.cookies.get_dict()), "canbo2": _socket(b.url, clerk2.cookies.get_dict()),
               "display": _socket(b.url, device_token=shared_office.display_token),
               "kiosk": _socket(b.url, device_token=shared_office.kiosk_token)}
    try:
        assert clerk1.delete(a.url + "/api/session", timeout=10).status_code == 200
        assert _closes(sockets["canbo1"])
        reset = admin.post(f"{a.url}/api/admin/users/{shared_office.clerk2.id}/password",
                           json={"password": "mat-khau-moi-123"}, timeout=10)
        assert reset.status_code == 200 and _closes(sockets["canbo2"])
        revoked = admin.post(f"{a.url}/api/admin/devices/{shared_office.display.id}/revoke", timeout=10)
        assert revoked.status_code == 200 and _closes(sockets["display"])
        assert sockets["kiosk"].connected
    finally:
        for client in sockets.values():
            close_socket(client)


def test_a_kiosks_issue_limit_holds_across_processes(shared_office, live_server_factory, pg_url, redis_url):
    """KIOSK_TICKETS_PER_MINUTE=6 on two processes: a flood through both gets 6 tickets in all, not 12; the
    rest 429 with the Vietnamese message; exactly one alert reaches the monitor's socket."""
    env = {"SOCKETIO_MESSAGE_QUEUE": redis_url, "SOCKETIO_CHANNEL": f"motcua-test-{uuid.uuid4().hex[:8]}",
           "KIOSK_TICKETS_PER_MINUTE": "6", "BACKGROUND_TASKS": "0"}
    a, b = (live_server_factory(db_url=pg_url, env=env) for _ in range(2))
    leader = a.session("lanhdao1")
    kinds = []
    monitor = socketio.Client(reconnection=False)
    monitor.on("update", lambda data: kinds.append(data["kind"]))
    monitor.connect(b.url, headers={"Cookie": f"session={leader.cookies['session']}"}, transports=["websocket"],
                    wait_timeout=10)
    kiosk = requests.Session()
    kiosk.headers["X-Device-Token"] = shared_office.kiosk_token
    try:
        answers = [kiosk.post(srv.url + "/api/tickets", json={"field": shared_office.f1.id}, timeout=10)
                   for srv in (a, b) * 10]
        statuses = [r.status_code for r in answers]
        assert statuses.count(201) == 6 and statuses.count(429) == 14, statuses
        refused = next(r for r in answers if r.status_code == 429)
        assert refused.json()["error"] == "too_many_tickets" and "quá nhanh" in refused.json()["message"]
        assert 0 < int(refused.headers["Retry-After"]) <= 60
        # A change made after the flood: once the monitor has it, any second alert would have come before it.
        assert leader.post(f"{a.url}/api/counters/{shared_office.c2.id}/close", timeout=10).status_code == 200
        deadline = time.monotonic() + 10
        while "counter" not in kinds and time.monotonic() < deadline:
            time.sleep(0.05)
        assert kinds.count("alert") == 1 and kinds.count("issued") + kinds.count("alert") + 1 == len(kinds), kinds
    finally:
        close_socket(monitor)
