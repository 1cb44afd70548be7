"""Bench room: CPU time the server spends per request on the queue's hot paths, in process.

    .venv/bin/python bench/bench_engine_cpu.py [--root DIR] [--tickets 600]

Issues ``--tickets`` tickets (POST /api/tickets as a kiosk), then calls and finishes half of them
(POST call-next + finish as a clerk) through the Flask test client on a temporary SQLite file,
and prints the process CPU time per request. CPU time, unlike wall time, hardly moves when other
processes load the machine, so two trees can be compared on a busy box: ``--root`` runs the code
of another checkout (e.g. a ``git worktree`` of the commit before a change) with this script.
Bounded: a fixed number of requests on one temporary database.
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import tempfile
import time
import warnings


def main():
    """Seed an office, time the requests, print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", default=str(pathlib.Path(__file__).resolve().parent.parent))
    parser.add_argument("--tickets", type=int, default=600)
    args = parser.parse_args()
    sys.path[:0] = [args.root, str(pathlib.Path(args.root) / "tests")]
    warnings.simplefilter("ignore")  # start-up noise of the libraries; figures only

    import models
    from conftest import PASSWORD, make_app, make_counter, make_device, make_field, make_office, make_user

    tmp = pathlib.Path(tempfile.mkdtemp(prefix="motcua-bench-"))
    app = make_app(f"sqlite:///{tmp / 'bench.db'}", tmp)
    with app.app_context(), models.connection():
        office = make_office()
        fields = [make_field(office, number_start=1001).id, make_field(office, number_start=2001).id]
        counters = [make_counter(office, fields, number=i + 1).id for i in range(4)]
        make_user(office, "clerk", counters, username="bench")
        _device, token = make_device(office, "kiosk")
    models.db.close()
    kiosk, clerk = app.test_client(), app.test_client()
    login = clerk.post("/api/session", json={"username": "bench", "password": PASSWORD}).get_json()
    kiosk_headers, clerk_headers = {"X-Device-Token": token}, {"X-CSRF-Token": login["csrf_token"]}

    def issue(i):
        response = kiosk.post("/api/tickets", json={"field": fields[i % 2]}, headers=kiosk_headers)
        assert response.status_code == 201, response.get_json()

    def call_and_finish(i):
        called = clerk.post(f"/api/counters/{counters[i % 4]}/call-next", headers=clerk_headers)
        assert called.status_code == 200, called.get_json()
        done = clerk.post(f"/api/tickets/{called.get_json()['ticket']['id']}/finish", headers=clerk_headers)
        assert done.status_code == 200, done.get_json()

    for i in range(20):  # warm the caches and the connection pool
        issue(i)
    start = time.process_time()
    for i in range(args.tickets):
        issue(i)
    issued = time.process_time()
    calls = args.tickets // 2
    for i in range(calls):
        call_and_finish(i)
    finished = time.process_time()
    print(f"{args.root}: issue {1000 * (issued - start) / args.tickets:.2f} ms CPU per request; "
          f"call-next + finish {1000 * (finished - issued) / calls:.2f} ms CPU per pair")


if __name__ == "__main__":
    main()
