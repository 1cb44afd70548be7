"""Bench room: tickets per second and issue / call-next latency over HTTP against the real
eventlet server (SQLite by default), with 20 concurrent clients on loopback.

    .venv/bin/python bench/bench_queue.py [--clients 20] [--tickets 100] [--database-url URL]

Bounded: clients x tickets requests each way; every request times out after 10 s.
"""

from __future__ import annotations

import argparse
import pathlib
import statistics
import sys
import tempfile
import threading
import time

import requests

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import models  # noqa: E402
from conftest import LiveServer, make_counter, make_device, make_field, make_office, make_user  # noqa: E402


def percentile(values, q):
    """The q-th percentile (nearest rank) of values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(q / 100 * len(ordered))) - 1))]


def seed(db_url, clients):
    """One office, two fields, one counter + clerk per client, one kiosk per client."""
    models.db.initialize(models.make_database(db_url))
    models.create_tables()
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


def main():
    """Seed, start the server, measure issuing then calling, print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--tickets", type=int, default=100, help="tickets per client")
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="motcua-bench-"))
    db_url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
    fields, counters, kiosks = seed(db_url, args.clients)
    server = LiveServer(db_url, tmp / "instance", env={"BACKGROUND_TASKS": "0"}).start()
    try:
        issue_ms, call_ms, errors = [], [], []

        def kiosk(i):
            s = requests.Session()
            s.headers["X-Device-Token"] = kiosks[i]
            for n in range(args.tickets):
                t0 = time.perf_counter()
                r = s.post(server.url + "/api/tickets", json={"field": fields[n % 2]}, timeout=10)
                issue_ms.append((time.perf_counter() - t0) * 1000)
                if r.status_code != 201:
                    errors.append(r.status_code)

        issue_wall = run(args.clients, kiosk)

        def clerk(i):
            s = server.session(username=f"bench{i}")
            while True:
                t0 = time.perf_counter()
                r = s.post(f"{server.url}/api/counters/{counters[i]}/call-next", timeout=10)
                call_ms.append((time.perf_counter() - t0) * 1000)
                if r.status_code == 409:
                    return
                if r.status_code != 200:
                    errors.append(r.status_code)
                    return
                s.post(f"{server.url}/api/tickets/{r.json()['ticket']['id']}/finish", timeout=10)

        call_wall = run(args.clients, clerk)
        total = args.clients * args.tickets
        kind = "PostgreSQL" if db_url.startswith("postgres") else "SQLite"
        print(f"database: {kind}; clients: {args.clients}; tickets: {total}; errors: {len(errors)}")
        print(f"issue:     {total / issue_wall:7.1f} tickets/s   p50 {statistics.median(issue_ms):6.1f} ms"
              f"   p99 {percentile(issue_ms, 99):6.1f} ms")
        print(f"call-next: {len(call_ms) / call_wall:7.1f} calls/s     p50 {statistics.median(call_ms):6.1f} ms"
              f"   p99 {percentile(call_ms, 99):6.1f} ms   (each call followed by a finish)")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
