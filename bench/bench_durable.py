"""Bench room: what durable commits cost. Ticket issue throughput over HTTP against the real eventlet
server on SQLite, with the WAL ``synchronous`` level the server ships (FULL) against the old one
(NORMAL), measured side by side in the same run and alternated (NORMAL, FULL, NORMAL, FULL, ...)
because this machine's speed drifts within minutes.

    .venv/bin/python bench/bench_durable.py [--clients 20] [--tickets 50] [--rounds 3]

Each round seeds a fresh database, starts a server whose SQLite pragmas differ only in
``synchronous``, and has ``--clients`` clerks issue ``--tickets`` tickets each back to back
(keep-alive connections, staff issuing on a citizen's behalf). Prints tickets/s and p50/p99 per
round, then the medians and the ratio FULL / NORMAL. Bounded: fixed counts, 10 s per request.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

import requests

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from bench_queue import Client, calibrate, percentile, run, seed  # noqa: E402
from conftest import free_port  # noqa: E402

# The server as `python server.py --no-demo`, its SQLite synchronous level set first (nothing else differs).
LAUNCH = ("import runpy, sys; sys.argv = ['server.py', '--no-demo']; import dbcheck; "
          "dbcheck.SQLITE_PRAGMAS['synchronous'] = {level!r}; runpy.run_path('server.py', run_name='__main__')")


def start_server(db_url, instance, level):
    """A real server process on ``db_url`` with SQLite ``synchronous = level``; returns (process, port)."""
    port = free_port()
    env = dict(os.environ, DATABASE_URL=db_url, PORT=str(port), HOST="127.0.0.1", INSTANCE_DIR=str(instance),
               SECRET_KEY="bench", BACKGROUND_TASKS="0", LOG_LEVEL="WARNING", MONITOR_TOKEN="bench",
               KIOSK_TICKETS_PER_MINUTE="0")  # load through one kiosk token: no per-kiosk limit here
    proc = subprocess.Popen([sys.executable, "-c", LAUNCH.format(level=level)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            health = requests.get(f"http://127.0.0.1:{port}/api/health", headers={"Authorization": "Bearer bench"},
                                  timeout=1).json()
            assert health["database"]["synchronous"] == level, health["database"]
            return proc, port
        except requests.RequestException:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server did not start")


def one_round(level, clients, tickets):
    """Issue ``clients`` x ``tickets`` tickets flat out; returns (tickets/s, latencies in ms)."""
    tmp = pathlib.Path(tempfile.mkdtemp(prefix=f"motcua-durable-{level}-"))
    db_url = f"sqlite:///{tmp / 'bench.db'}"
    fields, _counters, _kiosks = seed(db_url, clients)
    proc, port = start_server(db_url, tmp / "instance", level)
    latencies, errors = [], []
    try:
        conns = [Client.clerk(port, f"bench{i}") for i in range(clients)]

        def work(i):
            for n in range(tickets):
                t0 = time.perf_counter()
                status, body, _ = conns[i].post("/api/tickets", {"field": fields[(i + n) % 2]})
                latencies.append((time.perf_counter() - t0) * 1000)
                if status != 201:
                    errors.append((status, body))

        wall = run(clients, work)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert not errors, errors[:3]
    return clients * tickets / wall, latencies


def main():
    """Alternate NORMAL and FULL rounds; print each, the medians and the ratio."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--tickets", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"SQLite WAL, {args.clients} clerks x {args.tickets} tickets flat out per round; machine speed: "
          f"{calibrate():.2f} s for 10^7 Python additions (lower is faster)")
    rates = {"normal": [], "full": []}
    for round_no in range(1, args.rounds + 1):
        for level in ("normal", "full"):
            rate, latencies = one_round(level, args.clients, args.tickets)
            rates[level].append(rate)
            print(f"round {round_no} synchronous={level:<6} {rate:7.1f} tickets/s   "
                  f"p50 {statistics.median(latencies):6.1f} ms   p99 {percentile(latencies, 99):6.1f} ms")
    normal, full = statistics.median(rates["normal"]), statistics.median(rates["full"])
    print(f"median: NORMAL {normal:.1f} tickets/s, FULL {full:.1f} tickets/s; FULL / NORMAL = {full / normal:.2f}")


if __name__ == "__main__":
    main()
