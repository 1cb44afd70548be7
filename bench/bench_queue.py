"""Bench room: tickets per second and issue / call-next latency over HTTP against the real
eventlet server (SQLite by default), with 20 concurrent clients on loopback.

    .venv/bin/python bench/bench_queue.py [--clients 20] [--tickets 100] [--rate 500]
                                          [--seconds 6] [--call-rate 100] [--database-url URL]

Four phases, each printed on its own line:
1. issue, paced: the clients together offer ``--rate`` tickets/s for ``--seconds`` on a fixed
   schedule, starting from an empty day; latency counts from the moment a request was due, so a
   server that falls behind is charged for the wait (no coordinated omission).
2. issue, flat out: every client issues ``--tickets`` tickets back to back (saturation
   throughput; latency there is mostly queueing: clients / throughput).
3. call-next, paced: ``--call-rate`` calls/s in all, each followed by a finish (not timed).
4. call-next, flat out: every clerk calls and finishes ``--tickets`` times back to back.

The clients are threads with one keep-alive ``http.client`` connection each (lighter than
``requests``, so the 2-core machine spends its time in the server). Bounded: every phase has a
fixed count or duration and every request times out after 10 s.
"""

from __future__ import annotations

import argparse
import http.client
import json
import pathlib
import statistics
import sys
import tempfile
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import migrations  # noqa: E402
import models  # noqa: E402
from conftest import PASSWORD, LiveServer, make_counter, make_device, make_field, make_office, make_user  # noqa: E402


def percentile(values, q):
    """The q-th percentile (nearest rank) of values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(q / 100 * len(ordered))) - 1))]


def seed(db_url, clients):
    """One office, two fields, one counter + clerk per client, one kiosk per client."""
    models.db.initialize(models.make_database(db_url))
    migrations.upgrade()
    with models.connection():
        office = make_office()
        fields = [make_field(office, number_start=1001), make_field(office, number_start=2001)]
        counters, kiosks = [], []
        for n in range(clients):
            counter = make_counter(office, fields, number=n + 1)
            make_user(office, "clerk", [counter], username=f"bench{n}")
            counters.append(counter.id)
            kiosks.append(make_device(office, "kiosk")[1])
    models.db.close()
    return [f.id for f in fields], counters, kiosks


def calibrate() -> float:
    """Seconds this machine takes for a fixed pure-Python loop: this virtual machine's speed
    drifts by half from one hour to the next, so every run prints it beside its figures."""
    start, total = time.perf_counter(), 0
    for i in range(10**7):
        total += i
    return time.perf_counter() - start


class Client:
    """One keep-alive HTTP/1.1 connection with fixed headers (a kiosk's token or a clerk's session)."""

    def __init__(self, port, headers=None):
        """Connect to 127.0.0.1:port."""
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        self.headers = {"Content-Type": "application/json", **(headers or {})}

    def post(self, path, body=None):
        """POST JSON; (status, parsed body, Set-Cookie headers)."""
        self.conn.request("POST", path, body=json.dumps(body or {}), headers=self.headers)
        response = self.conn.getresponse()
        data = response.read()
        return response.status, (json.loads(data) if data else None), response.msg.get_all("Set-Cookie") or []

    @classmethod
    def clerk(cls, port, username):
        """A connection logged in as a clerk (session cookie + CSRF header)."""
        client = cls(port)
        status, body, cookies = client.post("/api/session", {"username": username, "password": PASSWORD})
        assert status == 200, body
        # Every cookie the login sets (the session is no longer the first: security.py adds one).
        cookie = "; ".join(c.split(";", 1)[0] for c in cookies)
        client.headers.update({"Cookie": cookie, "X-CSRF-Token": body["csrf_token"]})
        return client


def run(clients, work):
    """Run ``work(index)`` on ``clients`` threads started together; returns wall seconds."""
    barrier = threading.Barrier(clients + 1)
    threads = [threading.Thread(target=lambda i=i: (barrier.wait(), work(i))) for i in range(clients)]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    return time.perf_counter() - start


def paced(clients, rate, seconds, action):
    """``clients`` threads together start ``action(i)`` ``rate`` times a second for ``seconds``.

    Request k of client i is due at start + (k * clients + i) / rate; its latency runs from then.
    Returns (latencies in ms, achieved actions per second)."""
    latencies, lock = [], threading.Lock()
    per_client = int(rate * seconds / clients)
    start = time.perf_counter() + 0.2
    finished = []

    def work(i):
        mine = []
        for k in range(per_client):
            due = start + (k * clients + i) / rate
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            action(i)
            mine.append((time.perf_counter() - due) * 1000)
        with lock:
            latencies.extend(mine)
            finished.append(time.perf_counter())

    threads = [threading.Thread(target=work, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, len(latencies) / (max(finished) - start)


def line(name, count, wall_or_rate, latencies, unit, extra=""):
    """One printed result line."""
    print(f"{name:<26} {count:5d} {unit:<8} {wall_or_rate:7.1f}/s   p50 {statistics.median(latencies):6.1f} ms"
          f"   p99 {percentile(latencies, 99):6.1f} ms{extra}")


def main():
    """Seed, start the server, run the four phases, print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--tickets", type=int, default=100, help="tickets per client, flat-out phases")
    parser.add_argument("--rate", type=float, default=500, help="tickets/s offered in the paced phase")
    parser.add_argument("--seconds", type=float, default=6, help="length of each paced phase")
    parser.add_argument("--call-rate", type=float, default=100, help="calls/s offered in the paced phase")
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="motcua-bench-"))
    db_url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
    fields, counters, kiosks = seed(db_url, args.clients)
    server = LiveServer(db_url, tmp / "instance", env={"BACKGROUND_TASKS": "0"}).start()
    errors = []
    try:
        kiosk_conns = [Client(server.port, {"X-Device-Token": token}) for token in kiosks]
        clerk_conns = [Client.clerk(server.port, f"bench{i}") for i in range(args.clients)]
        kind = "PostgreSQL" if db_url.startswith("postgres") else "SQLite"
        print(f"database: {kind}; clients: {args.clients}; server: one eventlet process; "
              f"machine speed: {calibrate():.2f} s for 10^7 Python additions (lower is faster)")

        def issue(i, n=[0]):  # noqa: B006 - a shared counter to alternate the two fields
            n[0] += 1
            status, body, _ = kiosk_conns[i].post("/api/tickets", {"field": fields[n[0] % 2]})
            if status != 201:
                errors.append(("issue", status, body))

        def call_and_finish(i):
            t0 = time.perf_counter()
            status, body, _ = clerk_conns[i].post(f"/api/counters/{counters[i]}/call-next")
            elapsed = (time.perf_counter() - t0) * 1000
            if status != 200:
                errors.append(("call", status, body))
                return elapsed
            status, body, _ = clerk_conns[i].post(f"/api/tickets/{body['ticket']['id']}/finish")
            if status != 200:
                errors.append(("finish", status, body))
            return elapsed

        # 1. issue, paced (empty day)
        latencies, achieved = paced(args.clients, args.rate, args.seconds, issue)
        line(f"issue, paced {args.rate:g}/s", len(latencies), achieved, latencies, "tickets")

        # 2. issue, flat out
        issue_ms = []

        def kiosk(i):
            for _ in range(args.tickets):
                t0 = time.perf_counter()
                issue(i)
                issue_ms.append((time.perf_counter() - t0) * 1000)

        wall = run(args.clients, kiosk)
        line("issue, flat out", len(issue_ms), len(issue_ms) / wall, issue_ms, "tickets")

        # 3. call-next, paced (latency of the call from when it was due; the finish follows)
        latencies, achieved = paced(args.clients, args.call_rate, args.seconds, call_and_finish)
        line(f"call-next, paced {args.call_rate:g}/s", len(latencies), achieved, latencies, "calls",
             "   (each followed by a finish)")

        # 4. call-next, flat out
        call_ms = []

        def clerk(i):
            for _ in range(args.tickets):
                call_ms.append(call_and_finish(i))

        wall = run(args.clients, clerk)
        line("call-next, flat out", len(call_ms), len(call_ms) / wall, call_ms, "calls",
             "   (each followed by a finish)")
        print(f"errors: {len(errors)}" + (f"  first: {errors[0]}" if errors else ""))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
