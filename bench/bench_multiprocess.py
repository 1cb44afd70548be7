"""Beyond-one-box benchmark: tickets/s and call-to-display latency with 1 and with 2 server
processes on PostgreSQL + Redis, with N Socket.IO display clients spread over the processes.

Run: .venv/bin/python bench/bench_multiprocess.py [--clients 1000] [--tickets 200] [--calls 30]
Needs PostgreSQL at TEST_PG_ADMIN (default postgresql://postgres@127.0.0.1:5432/test) and Redis
at TEST_REDIS_URL. Everything runs on 127.0.0.1; a fresh database is created and dropped.

The server hosts ``--offices`` offices (a province server; default 50) and the clients are their
displays, spread evenly over offices and processes: every event of an office reaches all of that
office's displays (``--offices 1`` puts all clients on one office: the heaviest fan-out). Clients
live in one helper process (eventlet green threads, each a minimal Socket.IO client over
WebSocket). "call-to-display" is the time from just
before the clerk's POST call-next to each display of that office receiving the call; calls
are spaced so they do not overlap. Tickets are issued by 16 kiosk threads, round-robin over
offices and processes.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def clients_worker(urls: list[str], count: int, tokens: list[str], done_file: str) -> None:
    """Helper process: connect ``count`` display clients, record call arrival times (updates carrying a call).

    Each client speaks the Socket.IO v4 / Engine.IO v4 WebSocket protocol directly (open, connect
    with auth, answer pings, read events) and decodes only the updates that carry a call: a full python-socketio
    client per connection costs more CPU than the server being measured.
    """
    import eventlet

    eventlet.monkey_patch()
    import websocket

    received: dict[int, list[float]] = {}
    failures, alive = [], []

    def reader(ws):
        """Answer pings and time each call until the socket closes."""
        try:
            while True:
                message = ws.recv()
                if message == "2":
                    ws.send("3")
                elif message.startswith('42["update"') and '"call":' in message:
                    data = json.loads(message[2:])[1]["call"]
                    received.setdefault(data["ticket"]["id"], []).append(time.time())
        except Exception:  # noqa: BLE001 - a closed socket ends this client
            alive.remove(ws)

    def connect(i):
        """Display client i: office i mod offices, server i mod processes; True once its snapshot arrived."""
        base = urls[i % len(urls)].replace("http://", "ws://")
        try:
            ws = websocket.create_connection(f"{base}/socket.io/?EIO=4&transport=websocket", timeout=60)
            assert ws.recv().startswith("0")
            ws.send("40" + json.dumps({"device_token": tokens[i % len(tokens)]}))
            while not (message := ws.recv()).startswith('42["snapshot"'):
                if message.startswith("44"):
                    raise RuntimeError(message)
            ws.settimeout(None)
        except Exception as exc:  # noqa: BLE001 - counted and reported, the bench goes on
            failures.append(str(exc))
            return False
        alive.append(ws)
        eventlet.spawn(reader, ws)
        return True

    started = time.monotonic()
    pool = eventlet.GreenPool(50)
    ready = sum(pool.imap(connect, range(count)))
    print(json.dumps({"ready": ready, "failed": len(failures), "connect_s": time.monotonic() - started}),
          flush=True)
    while not os.path.exists(done_file):
        eventlet.sleep(0.1)
    eventlet.sleep(1.0)  # late deliveries
    print(json.dumps({"received": received, "still_connected": len(alive)}), flush=True)
    os._exit(0)


def _percentile(values, q):
    """The q-th percentile (0-100) by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def _seed(offices: int) -> list[dict]:
    """``offices`` offices, each with 2 fields, 4 counters, an admin, a kiosk and a display."""
    from tests.conftest import make_counter, make_device, make_field, make_office, make_user

    seeded = []
    for n in range(offices):
        office = make_office(name=f"UBND xã Thử Tải {n + 1}", code=f"{90000 + n}")
        fields = [make_field(office, code="HT", number_start=1001), make_field(office, code="CT", number_start=2001)]
        counters = [make_counter(office, fields, number=k + 1).id for k in range(4)]
        make_user(office, "admin", username=f"bench_admin_{n}")
        _kiosk, kiosk_token = make_device(office, "kiosk")
        _display, display_token = make_device(office, "display")
        seeded.append({"fields": [f.id for f in fields], "counters": counters, "admin": f"bench_admin_{n}",
                       "kiosk": kiosk_token, "display": display_token})
    return seeded


def run(processes: int, clients: int, offices: int, tickets: int, calls: int, pg_admin: str, redis_url: str) -> dict:
    """One configuration on a fresh database; returns the figures."""
    import psycopg2
    import requests

    import migrations
    import models
    from tests.conftest import LiveServer

    name = f"motcua_bench_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(pg_admin)
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    url = f"{pg_admin.rsplit('/', 1)[0]}/{name}"
    models.db.initialize(models.make_database(url))
    migrations.upgrade()
    with models.connection():
        seeded = _seed(offices)
    models.db.obj.close_all()
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="motcua-bench-"))
    env = {"SOCKETIO_MESSAGE_QUEUE": redis_url, "SOCKETIO_CHANNEL": f"bench-{name}", "LOG_LEVEL": "ERROR"}
    servers = [LiveServer(url, tmp / "instance", env).start() for _ in range(processes)]
    worker = None
    try:
        done_file = tmp / "done"
        worker = subprocess.Popen(
            [sys.executable, __file__, "--worker", json.dumps([s.url for s in servers]), str(clients),
             json.dumps([o["display"] for o in seeded]), str(done_file)],
            stdout=subprocess.PIPE, text=True, cwd=ROOT)
        ready = json.loads(worker.stdout.readline())

        def issue(i):
            """Kiosk request i: office i mod offices, through server i mod processes; its latency."""
            s, office = servers[i % processes], seeded[i % offices]
            t0 = time.perf_counter()
            r = requests.post(s.url + "/api/tickets", json={"field": office["fields"][(i // offices) % 2]},
                              headers={"X-Device-Token": office["kiosk"]}, timeout=60)
            assert r.status_code == 201, r.text
            return time.perf_counter() - t0

        started = time.perf_counter()
        with ThreadPoolExecutor(16) as pool:
            issue_latencies = list(pool.map(issue, range(tickets)))
        issue_s = time.perf_counter() - started
        time.sleep(2)  # let the fan-out of the last tickets drain before timing calls

        sessions, sent, per_office, holding = {}, {}, {}, {}
        for i in range(calls):
            n = i % offices
            office, s = seeded[n], servers[i % processes]
            if (n, s.url) not in sessions:
                sessions[n, s.url] = s.session(username=office["admin"])
            counter = office["counters"][(i // offices) % 4]
            if counter in holding:  # a counter serves one citizen at a time: finish before the next call
                sessions[n, s.url].post(s.url + f"/api/tickets/{holding.pop(counter)}/finish", timeout=30)
                time.sleep(0.2)
            t0 = time.time()
            r = sessions[n, s.url].post(s.url + f"/api/counters/{counter}/call-next", timeout=30)
            assert r.status_code == 200, r.text
            sent[r.json()["ticket"]["id"]] = t0
            per_office[r.json()["ticket"]["id"]] = n
            holding[counter] = r.json()["ticket"]["id"]
            time.sleep(0.2)
        done_file.write_text("done")
        report = json.loads(worker.stdout.readline())
        latencies = [(t - sent[int(tid)]) * 1000 for tid, times in report["received"].items() if int(tid) in sent
                     for t in times]
        # Each call reaches the displays of its own office only.
        expected = sum(sum(1 for c in range(ready["ready"]) if c % offices == per_office[t]) for t in sent)
        return {
            "processes": processes, "offices": offices, "clients": ready["ready"],
            "connect_failed": ready["failed"], "connect_s": round(ready["connect_s"], 1),
            "tickets": tickets, "tickets_per_s": round(tickets / issue_s, 1),
            "issue_p50_ms": round(_percentile(issue_latencies, 50) * 1000, 1),
            "issue_p99_ms": round(_percentile(issue_latencies, 99) * 1000, 1),
            "calls": calls, "deliveries": f"{len(latencies)}/{expected}",
            "call_to_display_p50_ms": round(statistics.median(latencies), 1) if latencies else None,
            "call_to_display_p99_ms": round(_percentile(latencies, 99), 1) if latencies else None,
            "call_to_display_max_ms": round(max(latencies), 1) if latencies else None,
            "still_connected": report["still_connected"],
        }
    finally:
        if worker is not None and worker.poll() is None:
            worker.kill()
        for s in servers:
            s.stop()
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def main() -> None:
    """Run 1 then 2 processes and print the figures."""
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        clients_worker(json.loads(sys.argv[2]), int(sys.argv[3]), json.loads(sys.argv[4]), sys.argv[5])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--offices", type=int, default=50, help="clients are spread over this many offices")
    parser.add_argument("--tickets", type=int, default=200)
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    pg_admin = os.environ.get("TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/test")
    redis_url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    print(f"CPUs: {os.cpu_count()}; clients {args.clients} over {args.offices} offices; tickets {args.tickets}; "
          f"calls {args.calls}")
    for processes in args.processes:
        print(json.dumps(run(processes, args.clients, args.offices, args.tickets, args.calls, pg_admin, redis_url),
                         ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
