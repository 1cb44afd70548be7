"""Beyond one box: two real server processes on 127.0.0.1 sharing PostgreSQL and a Redis message
queue. Tickets issued through both are numbered uniquely; a call on A reaches a display connected
to B; B is killed and nothing is lost: its display fails over to A and resyncs from the snapshot;
background work runs in exactly one process and moves to the survivor."""

from __future__ import annotations

import queue
import signal
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import socketio
from tests.conftest import MONITOR_HEADERS

pytestmark = pytest.mark.slow


class FailoverDisplay:
    """A display's Socket.IO client with a failover list: when its server dies it connects to the next."""

    def __init__(self, urls, device_token):
        """Remember where to connect and as whom."""
        self.urls, self.token = list(urls), device_token
        self.events: queue.Queue = queue.Queue()
        self.seqs: list[int] = []  # every numbered update's seq, as received
        self.connected_to = None
        self.client = None

    def connect(self):
        """Connect to the first server of the list that answers."""
        for url in self.urls:
            client = socketio.Client(reconnection=False)
            client.on("*", self._received)
            try:
                client.connect(url, auth={"device_token": self.token}, transports=["websocket"], wait_timeout=10)
            except socketio.exceptions.ConnectionError:
                continue
            self.client, self.connected_to = client, url
            return url
        raise AssertionError("no server reachable")

    def _received(self, event, data):
        """Queue an event; note an update's number."""
        if event == "update":
            self.seqs.append(data["seq"])
        self.events.put((event, data))

    def wait_for(self, name, timeout=10, where=lambda _data: True):
        """The next event called ``name`` matching ``where`` (others are skipped)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                event, data = self.events.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            if event == name and where(data):
                return data
        raise AssertionError(f"no {name} event within {timeout}s")

    def wait_disconnected(self, timeout=15):
        """Wait until the socket notices its server is gone."""
        deadline = time.monotonic() + timeout
        while self.client.connected and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not self.client.connected, "client never noticed the server died"

    def close(self):
        """Disconnect if still connected."""
        if self.client is not None and self.client.connected:
            self.client.disconnect()


def _issue(server, token, field_id):
    """Issue one ticket through a server as the kiosk; its number."""
    response = requests.post(server.url + "/api/tickets", json={"field": field_id},
                             headers={"X-Device-Token": token}, timeout=15)
    assert response.status_code == 201, response.text
    return response.json()["number"]


def _office_seq(server, token):
    """The office's event sequence as a server reports it in the snapshot."""
    return requests.get(server.url + "/api/snapshot", headers={"X-Device-Token": token}, timeout=10).json()["seq"]


def test_tickets_issued_through_both_processes_are_unique(two_servers, shared_office):
    """40 tickets, half through each process, 8 at a time: numbers 1001..1040 once each."""
    a, b = two_servers
    with ThreadPoolExecutor(8) as pool:
        numbers = list(pool.map(lambda i: _issue((a, b)[i % 2], shared_office.kiosk_token, shared_office.f1.id),
                                range(40)))
    assert sorted(int(n) for n in numbers) == list(range(1001, 1041))


def test_call_on_a_reaches_display_on_b_and_survives_b_dying(two_servers, shared_office):
    """A call on A reaches B's display; B is killed; the display fails over to A, resyncs, and keeps receiving."""
    a, b = two_servers
    bag = shared_office
    display = FailoverDisplay([b.url, a.url], bag.display_token)
    assert display.connect() == b.url
    first = display.wait_for("snapshot")["seq"]
    with ThreadPoolExecutor(4) as pool:
        issued = list(pool.map(lambda i: _issue((a, b)[i % 2], bag.kiosk_token, bag.f1.id), range(10)))
    clerk = a.session(username="canbo1")
    called = clerk.post(a.url + f"/api/counters/{bag.c1.id}/call-next", timeout=10).json()["ticket"]
    event = display.wait_for("update", where=lambda d: "call" in d and d["call"]["ticket"]["id"] == called["id"])
    assert event["call"]["number"] == called["number"] and event["call"]["counter_number"] == 1
    # Changes made through either process are numbered from one office-wide sequence: the display
    # hears every number once (perhaps briefly out of order), none missing.
    assert sorted(display.seqs) == list(range(first + 1, event["seq"] + 1))

    b.stop(signal.SIGKILL)
    display.wait_disconnected()
    assert display.connect() == a.url
    snapshot = display.wait_for("snapshot")
    assert snapshot["seq"] == _office_seq(a, bag.display_token)
    assert snapshot["seq"] == event["seq"]  # nothing changed since the call: the display is where it was
    waiting = {f["id"]: f["waiting"] for f in snapshot["fields"]}[bag.f1.id]
    assert waiting == len(set(issued) - {called["number"]}), "a ticket issued through B was lost"
    assert snapshot["counters"][0]["current"]["number"] == called["number"]

    assert _issue(a, bag.kiosk_token, bag.f1.id) == "1011"
    clerk.post(a.url + f"/api/tickets/{called['id']}/finish", timeout=10)
    again = clerk.post(a.url + f"/api/counters/{bag.c1.id}/call-next", timeout=10).json()["ticket"]
    after = display.wait_for("update", where=lambda d: "call" in d and d["call"]["ticket"]["id"] == again["id"])
    assert after["seq"] > snapshot["seq"]
    display.close()


def _roles(*servers):
    """Background role of each live server, from /api/health (None when it does not answer)."""
    roles = []
    for server in servers:
        try:
            roles.append(requests.get(server.url + "/api/health", headers=MONITOR_HEADERS,
                                      timeout=2).json()["background"]["role"])
        except requests.RequestException:
            roles.append(None)
    return roles


def test_background_work_runs_in_one_process_and_moves_when_it_dies(two_servers):
    """Exactly one process leads; SIGKILL it and the other leads within 5 seconds."""
    a, b = two_servers
    deadline = time.monotonic() + 10
    while sorted(_roles(a, b)) != ["leader", "standby"]:
        assert time.monotonic() < deadline, _roles(a, b)
        time.sleep(0.2)
    leader_srv, survivor = (a, b) if _roles(a)[0] == "leader" else (b, a)
    assert "Background leader" in leader_srv.log_path.read_text()
    leader_srv.stop(signal.SIGKILL)
    killed_at = time.monotonic()
    while _roles(survivor) != ["leader"]:
        assert time.monotonic() - killed_at < 5, "the survivor did not take over"
        time.sleep(0.1)
