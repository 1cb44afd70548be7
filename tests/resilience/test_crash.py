"""Crash safety: the real server under load is killed with SIGKILL again and again; nothing a
kiosk was promised is lost, no ticket is held twice, numbers go on without reuse, and a
connected screen resyncs after each restart."""

import random
import signal
import threading
import time

import pytest
import requests
import socketio as socketio_client

import models
from conftest import close_socket
from models import Ticket, TicketEvent

KILLS = 10


def load(server, bag, stop, promised, calls):
    """Two kiosks issue and two clerks call/finish until ``stop`` is set."""

    def kiosk():
        s = server.session(device_token=bag.kiosk_token)
        n = 0
        while not stop.is_set():
            n += 1
            try:
                r = s.post(server.url + "/api/tickets", json={"field": (bag.f1.id, bag.f2.id)[n % 2]}, timeout=3)
            except requests.RequestException:
                continue
            if r.status_code == 201:
                promised.append((r.json()["ticket"]["id"], r.json()["number"], r.json()["field"]["id"]))

    def clerk(username, counter_id):
        try:
            s = server.session(username=username)
        except (requests.RequestException, AssertionError):
            return
        while not stop.is_set():
            try:
                r = s.post(f"{server.url}/api/counters/{counter_id}/call-next", timeout=3)
                if r.status_code == 200:
                    calls.append((r.json()["ticket"]["id"], counter_id))
                    s.post(f"{server.url}/api/tickets/{r.json()['ticket']['id']}/finish", timeout=3)
                elif r.status_code == 409 and r.json()["error"] == "counter_busy":
                    s.post(f"{server.url}/api/tickets/{r.json()['ticket_id']}/finish", timeout=3)
                else:
                    time.sleep(0.02)
            except requests.RequestException:
                time.sleep(0.02)

    threads = [threading.Thread(target=kiosk) for _ in range(2)]
    threads += [threading.Thread(target=clerk, args=("canbo1", bag.c1.id)),
                threading.Thread(target=clerk, args=("canbo2", bag.c2.id))]
    for t in threads:
        t.start()
    return threads


@pytest.mark.slow
def test_sigkill_under_load_loses_nothing(live_office, live_server_factory):
    db_url, bag = live_office
    server = live_server_factory(db_url=db_url, env={"BACKGROUND_TASKS": "0"})
    port = server.port
    promised, calls, snapshots = [], [], []
    screen = socketio_client.Client(reconnection=True, reconnection_delay=0.2, reconnection_delay_max=0.5)
    screen.on("snapshot", lambda data: snapshots.append(data["seq"]))
    screen.connect(server.url, auth={"device_token": bag.display_token}, transports=["websocket"], wait_timeout=10)
    rng = random.Random(2026)
    try:
        for kill in range(KILLS):
            stop = threading.Event()
            threads = load(server, bag, stop, promised, calls)
            time.sleep(rng.uniform(0.3, 1.2))
            server.stop(signal.SIGKILL)
            stop.set()
            for t in threads:
                t.join(timeout=10)
            before = len(snapshots)
            server = live_server_factory(db_url=db_url, env={"BACKGROUND_TASKS": "0"}, port=port)
            deadline = time.monotonic() + 10
            while len(snapshots) == before and time.monotonic() < deadline:
                time.sleep(0.05)
            assert len(snapshots) > before, f"the display did not resync after kill {kill + 1}"
    finally:
        close_socket(screen)  # also ends a reconnect in progress

    models.db.initialize(models.make_database(db_url))
    with models.connection():
        tickets = {t.id: t for t in Ticket.select()}
        assert len(promised) > 20, "the load did not run"
        for ticket_id, number, field_id in promised:
            assert ticket_id in tickets, f"ticket {number} was promised (201) but is gone"
            assert (tickets[ticket_id].display_number, tickets[ticket_id].issued_field_id) == (number, field_id)
        numbers = [(t.issued_field_id, t.day, t.number) for t in tickets.values()]
        assert len(numbers) == len(set(numbers)), "a number was given twice"
        for ticket_id, counter_id in calls:
            assert tickets[ticket_id].counter_id == counter_id
        call_events = {}
        for e in TicketEvent.select().where(TicketEvent.kind == "call"):
            call_events.setdefault(e.ticket_id, []).append(e.counter_id)
        assert all(len(c) == 1 for c in call_events.values()), "a ticket was called twice"
        active = [t for t in tickets.values() if t.state in ("called", "serving")]
        assert len({t.counter_id for t in active}) == len(active), "a counter holds two tickets"
