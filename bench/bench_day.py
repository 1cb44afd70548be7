"""Bench room (a busy day): replay one office's day against the real eventlet server on 127.0.0.1,
sped up, and report latencies and errors.

    .venv/bin/python bench/bench_day.py            # 600 tickets, 8 counters, 30 screens, 50x
    .venv/bin/python bench/bench_day.py --short    # 120 tickets, morning peak 07:30-10:00, 500x (CI)
    add --json for one machine-readable line at the end

Arrivals follow a real commune office's day (07:30-11:30 and 13:30-17:00, a morning peak around
08:00-09:30, a smaller one after lunch), drawn from a seeded random generator. Eight clerks
(one thread and one HTTP session each) call the next citizen, start, serve for a realistic
time (log-normal, median about 4 minutes, scaled down by the speed), and finish. A kiosk thread
issues each ticket at its arrival time. Thirty Socket.IO display clients (python-socketio)
stay connected to the office's room and stamp each call (an ``update`` carrying ``call``) as it arrives.

Reported: issue and call-next HTTP latency (p50/p99/max), call-to-screen delay (from the moment
the clerk's call-next request is sent to a screen receiving the call; p50/p99/max over every
screen and call), calls a screen missed, HTTP errors, and that every issued ticket was served.

Bounded: at most 2000 tickets, 16 counters and 100 screens; every request times out after 10 s;
the whole replay gives up after --deadline seconds. Loopback only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import pathlib
import random
import sys
import tempfile
import threading
import time

import requests

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import migrations  # noqa: E402
import models  # noqa: E402
from conftest import PASSWORD, LiveServer, make_counter, make_device, make_field, make_office, make_user  # noqa: E402

# Relative arrival rate per half hour of a working day (07:30 .. 17:00, lunch closed).
DAY_SLOTS = [  # (start "HH:MM", weight)
    ("07:30", 4), ("08:00", 10), ("08:30", 12), ("09:00", 11), ("09:30", 8), ("10:00", 6), ("10:30", 5),
    ("11:00", 3), ("13:30", 5), ("14:00", 7), ("14:30", 6), ("15:00", 5), ("15:30", 4), ("16:00", 3),
    ("16:30", 1),
]
MORNING_PEAK = DAY_SLOTS[:5]  # 07:30-10:00, the short form
FIELDS = [("Tư pháp - Hộ tịch", "HT", 1001, 40), ("Chứng thực", "CT", 2001, 30),
          ("Đất đai", "DD", 3001, 15), ("Lao động - Thương binh và Xã hội", "LD", 4001, 15)]
SERVICE_MEDIAN_S = 240  # real seconds at the counter (log-normal)
SERVICE_SIGMA = 0.5
WALK_TO_COUNTER_S = 20  # real seconds between the call and the start of service
IDLE_POLL_S = 60  # real seconds a clerk waits before asking again when nobody waits


def percentile(values, q):
    """The q-th percentile (nearest rank) of values, or None."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


def stats_ms(values):
    """p50 / p99 / max in milliseconds."""
    return {k: (round(v * 1000, 1) if v is not None else None)
            for k, v in (("p50", percentile(values, 50)), ("p99", percentile(values, 99)),
                         ("max", max(values) if values else None))}


def arrivals(count, slots, rng):
    """``count`` arrival offsets in real seconds from the opening, spread by the slot weights."""
    opening = dt.datetime.strptime(slots[0][0], "%H:%M")
    starts = [(dt.datetime.strptime(s, "%H:%M") - opening).total_seconds() for s, _ in slots]
    chosen = rng.choices(range(len(slots)), weights=[w for _, w in slots], k=count)
    return sorted(starts[i] + rng.uniform(0, 1800) for i in chosen)


def seed(db_url, counters, screens):
    """One office: four fields, ``counters`` counters serving every field, a clerk each, a kiosk,
    ``screens`` display devices. Returns what the replay needs."""
    models.db.initialize(models.make_database(db_url))
    migrations.upgrade()
    with models.connection():
        office = make_office(name="UBND xã Bench")
        fields = [make_field(office, name=n, code=c, number_start=s) for n, c, s, _ in FIELDS]
        clerks = []
        for n in range(1, counters + 1):
            counter = make_counter(office, fields, number=n, name=f"Quầy {n}", state="closed")
            clerks.append((make_user(office, "clerk", [counter], username=f"canbo{n}").username, counter.id))
        kiosk = make_device(office, "kiosk")[1]
        displays = [make_device(office, "display")[1] for _ in range(screens)]
        return {"office": office.id, "fields": [(f.id, w) for f, (_, _, _, w) in zip(fields, FIELDS, strict=True)],
                "clerks": clerks, "kiosk": kiosk, "displays": displays}


class Replay:
    """Shared state of one replay: timings, errors, calls seen by screens."""

    def __init__(self, url, speed, deadline):
        """Start the clock."""
        self.url, self.speed = url, speed
        self.t0 = time.monotonic()
        self.deadline = self.t0 + deadline
        self.lock = threading.Lock()
        self.issue_s, self.call_s, self.screen_s = [], [], []
        self.errors: list[str] = []
        self.issued: set[int] = set()
        self.served: set[int] = set()
        self.call_sent: dict[int, float] = {}  # ticket id -> monotonic time call-next was sent
        self.seen: dict[int, list[float]] = {}  # ticket id -> arrival times at screens
        self.kiosk_done = threading.Event()
        self.closing = False  # set when the replay disconnects its screens on purpose

    def error(self, text):
        """Record an error (HTTP status, exception, disconnect)."""
        with self.lock:
            self.errors.append(text)

    def sleep_until(self, at):
        """Sleep until replay second ``at`` (real-day seconds scaled by the speed)."""
        delay = self.t0 + at / self.speed - time.monotonic()
        if delay > 0:
            time.sleep(delay)


def kiosk_thread(replay, plan, token):
    """Issue every ticket at its arrival time, as the kiosk does."""
    session = requests.Session()
    session.headers["X-Device-Token"] = token
    for n, (at, field) in enumerate(plan):
        replay.sleep_until(at)
        sent = time.monotonic()
        try:
            r = session.post(replay.url + "/api/tickets", json={"field": field, "client_ref": f"bench-{n}"},
                             timeout=10)
        except requests.RequestException as exc:
            replay.error(f"issue: {exc!r}")
            continue
        took = time.monotonic() - sent
        if r.status_code != 201:
            replay.error(f"issue: HTTP {r.status_code} {r.text[:200]}")
            continue
        with replay.lock:
            replay.issue_s.append(took)
            replay.issued.add(r.json()["ticket"]["id"])
    replay.kiosk_done.set()


def clerk_thread(replay, username, counter_id, rng):
    """Open the counter, then call, start, serve and finish until the day is over."""
    session = requests.Session()
    r = session.post(replay.url + "/api/session", json={"username": username, "password": PASSWORD}, timeout=10)
    if r.status_code != 200:
        replay.error(f"login {username}: HTTP {r.status_code}")
        return
    session.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    base = f"{replay.url}/api/counters/{counter_id}"

    def post(path, what):
        """POST; an unexpected status is an error."""
        try:
            response = session.post(replay.url + path, json={}, timeout=10)
        except requests.RequestException as exc:
            replay.error(f"{what}: {exc!r}")
            return None
        if response.status_code != 200 and not (what == "call-next" and response.status_code == 409
                                                and response.json().get("error") == "queue_empty"):
            replay.error(f"{what}: HTTP {response.status_code} {response.text[:200]}")
            return None
        return response

    if post(base.removeprefix(replay.url) + "/open", "open") is None:
        return
    while time.monotonic() < replay.deadline:
        sent = time.monotonic()
        response = post(base.removeprefix(replay.url) + "/call-next", "call-next")
        took = time.monotonic() - sent
        if response is None or response.status_code == 409:
            with replay.lock:
                everything_served = replay.kiosk_done.is_set() and replay.served >= replay.issued
            if everything_served:
                break
            time.sleep(IDLE_POLL_S / replay.speed)
            continue
        ticket = response.json()["ticket"]["id"]
        with replay.lock:
            replay.call_s.append(took)
            replay.call_sent[ticket] = sent
        time.sleep(WALK_TO_COUNTER_S / replay.speed)
        if post(f"/api/tickets/{ticket}/start", "start") is None:
            continue
        time.sleep(rng.lognormvariate(math.log(SERVICE_MEDIAN_S), SERVICE_SIGMA) / replay.speed)
        if post(f"/api/tickets/{ticket}/finish", "finish") is not None:
            with replay.lock:
                replay.served.add(ticket)


def connect_screens(replay, tokens):
    """Connect the display clients; each stamps the calls (updates with ``call``) on arrival."""
    import socketio

    clients = []
    for token in tokens:
        client = socketio.Client(reconnection=False)

        def on_update(payload):
            """An update reached this screen: stamp a call before anything else."""
            now = time.monotonic()
            call = payload.get("call")
            if call is None:
                return
            with replay.lock:
                replay.seen.setdefault(call["ticket"]["id"], []).append(now)

        client.on("update", on_update)
        client.on("disconnect", lambda *a: replay.error("a screen was disconnected") if not replay.closing else None)
        client.connect(replay.url, auth={"device_token": token}, transports=["websocket"], wait_timeout=10)
        clients.append(client)
    return clients


def run(args) -> dict:
    """Seed, start the server, replay the day, stop; the figures."""
    rng = random.Random(args.seed)
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="motcua-bench-day-"))
    db_url = f"sqlite:///{tmp / 'day.db'}"
    world = seed(db_url, args.counters, args.screens)
    slots = MORNING_PEAK if args.morning else DAY_SLOTS
    field_ids = [f for f, _ in world["fields"]]
    weights = [w for _, w in world["fields"]]
    plan = [(at, rng.choices(field_ids, weights)[0]) for at in arrivals(args.tickets, slots, rng)]
    server = LiveServer(db_url, tmp / "instance", env={"BACKGROUND_TASKS": "0"}).start()
    replay = Replay(server.url, args.speed, args.deadline)
    clients = []
    try:
        clients = connect_screens(replay, world["displays"])
        replay.t0 = time.monotonic()
        threads = [threading.Thread(target=kiosk_thread, args=(replay, plan, world["kiosk"]), daemon=True)]
        threads += [threading.Thread(target=clerk_thread, args=(replay, u, c, random.Random(args.seed + i)),
                                     daemon=True) for i, (u, c) in enumerate(world["clerks"])]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(max(0.0, replay.deadline - time.monotonic()))
        if any(t.is_alive() for t in threads):
            replay.error(f"deadline of {args.deadline} s reached before the day was over")
        settle = time.monotonic() + 5  # the last calls' events may still be in flight
        while time.monotonic() < settle and any(
                len(replay.seen.get(t, [])) < len(clients) for t in list(replay.call_sent)):
            time.sleep(0.1)
        replay.closing = True
    finally:
        replay.closing = True
        for client in clients:
            client.disconnect()
        server.stop()
    with replay.lock:
        delays, missed = [], 0
        for ticket, sent in replay.call_sent.items():
            got = replay.seen.get(ticket, [])
            missed += len(clients) - len(got)
            delays += [t - sent for t in got]
        wall = time.monotonic() - replay.t0
        return {
            "tickets": args.tickets, "counters": args.counters, "screens": len(clients), "speed": args.speed,
            "day": "morning peak" if args.morning else "full", "wall_s": round(wall, 1),
            "issued": len(replay.issued), "served": len(replay.served), "calls": len(replay.call_sent),
            "all_served": replay.served == replay.issued and len(replay.issued) == args.tickets,
            "issue_ms": stats_ms(replay.issue_s), "call_next_ms": stats_ms(replay.call_s),
            "call_to_screen_ms": stats_ms(delays), "screen_deliveries": len(delays), "missed_deliveries": missed,
            "errors": len(replay.errors), "error_samples": replay.errors[:5],
        }


def main(argv=None):
    """Parse the arguments, run the replay, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=600)
    parser.add_argument("--counters", type=int, default=8)
    parser.add_argument("--screens", type=int, default=30)
    parser.add_argument("--speed", type=float, default=50.0)
    parser.add_argument("--morning", action="store_true", help="replay only the morning peak (07:30-10:00)")
    parser.add_argument("--short", action="store_true", help="CI form: 120 tickets, morning peak only, 500x")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--deadline", type=float, default=900.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.short:
        args.tickets, args.speed, args.morning, args.deadline = 120, 500.0, True, min(args.deadline, 55.0)
    if not (1 <= args.tickets <= 2000 and 1 <= args.counters <= 16 and 0 <= args.screens <= 100):
        parser.error("bounds: tickets 1-2000, counters 1-16, screens 0-100")
    result = run(args)
    print(f"day replay: {result['tickets']} tickets, {result['counters']} counters, {result['screens']} screens, "
          f"{result['speed']:g}x, {result['day']} day, {result['wall_s']} s wall")
    print(f"issued {result['issued']}, served {result['served']}, all served: {result['all_served']}")
    for key, label in (("issue_ms", "issue (POST /api/tickets)"), ("call_next_ms", "call-next"),
                       ("call_to_screen_ms", "call -> screen")):
        s = result[key]
        print(f"{label:28} p50 {s['p50']} ms  p99 {s['p99']} ms  max {s['max']} ms")
    print(f"screen deliveries {result['screen_deliveries']}, missed {result['missed_deliveries']}, "
          f"errors {result['errors']} {result['error_samples']}")
    if args.json:
        print(json.dumps(result))
    return 0 if result["errors"] == 0 and result["all_served"] and result["missed_deliveries"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
