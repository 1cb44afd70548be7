"""Bench room (a busy day): replay one office's day against the real eventlet server on 127.0.0.1,
sped up, with every kind of screen connected, and report latencies, errors and what each kind of
screen received.

    .venv/bin/python bench/bench_day.py            # 600 tickets, 8 counters, 50x, every kind of screen
    .venv/bin/python bench/bench_day.py --short    # 120 tickets, morning peak 07:30-10:00, 500x (CI)
    add --json for one machine-readable line at the end

Arrivals follow a real commune office's day (07:30-11:30 and 13:30-17:00, a morning peak around
08:00-09:30, a smaller one after lunch), drawn from a seeded random generator. Eight clerks
(one thread and one HTTP session each) call the next citizen, start, serve for a realistic
time (log-normal, median about 4 minutes, scaled down by the speed) and finish, and the
counter's tablet sends the citizen's rating; every 12th citizen called does not come (no-show).
A kiosk thread issues each ticket at its arrival time, in turn at each of the office's kiosks.

Connected all day, each a live connection as the product's pages make it (bench/live_screens.js:
the vendored socket.io client and static/js/motcua.js in one Node.js process): the kiosks, the
boards (--displays), a rating tablet and a clerk's console per counter, the leader's live
monitor, and the phones of every --phone-every'th citizen, from their ticket until it is done.
Each tracks the sequence number of every update and asks for a snapshot on a real gap.

Reported: issue and call-next HTTP latency (p50/p99/max), call-to-screen delay (from the moment
the clerk's call-next request is sent to a board receiving the call; p50/p99/max over every
board and call), and per kind of screen: messages and bytes received, snapshot requests, gaps,
missed deliveries (numbers after a screen's first snapshot never received, and calls a board or
a phone never received), unexpected disconnects; HTTP errors; every issued ticket served.

``--drop-seq N`` makes the first board lose update N on the way, a real gap: the board must ask for
exactly one snapshot, and N is its one missed delivery (tests/e2e/test_load_short.py).

Bounded: at most 2000 tickets, 16 counters, 100 boards and 8 kiosks; every request times out
after 10 s; the whole replay gives up after --deadline seconds. Loopback only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import pathlib
import queue
import random
import shutil
import sqlite3
import subprocess
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

NODE = shutil.which("node") or "/usr/bin/node"
SCREENS_JS = ROOT / "bench" / "live_screens.js"
KINDS = ("kiosk", "display", "tablet", "console", "monitor", "phone")

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


def seed(db_url, counters, displays, kiosks):
    """One office: four fields, ``counters`` counters serving every field with a clerk and a rating
    tablet each, ``kiosks`` kiosks, ``displays`` boards and a leader. Returns what the replay needs."""
    models.db.initialize(models.make_database(db_url))
    migrations.upgrade()
    with models.connection():
        office = make_office(name="UBND xã Bench")
        fields = [make_field(office, name=n, code=c, number_start=s) for n, c, s, _ in FIELDS]
        clerks, tablets = [], {}
        for n in range(1, counters + 1):
            counter = make_counter(office, fields, number=n, name=f"Quầy {n}", state="closed")
            clerks.append((make_user(office, "clerk", [counter], username=f"canbo{n}").username, counter.id))
            tablets[counter.id] = make_device(office, "tablet", counter=counter)[1]
        make_user(office, "leader", username="lanhdao")
        return {"office": office.id, "fields": [(f.id, w) for f, (_, _, _, w) in zip(fields, FIELDS, strict=True)],
                "clerks": clerks, "tablets": tablets, "kiosks": [make_device(office, "kiosk")[1] for _ in range(kiosks)],
                "displays": [make_device(office, "display")[1] for _ in range(displays)]}


def login(url, username):
    """An HTTP session logged in as ``username`` (CSRF header set) and its cookie header."""
    session = requests.Session()
    r = session.post(url + "/api/session", json={"username": username, "password": PASSWORD}, timeout=10)
    r.raise_for_status()
    session.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    return session, "; ".join(f"{c.name}={c.value}" for c in session.cookies)


class Screens:
    """The Node.js process holding every screen's live connection (bench/live_screens.js)."""

    def __init__(self, url):
        """Start the process (no screen yet)."""
        self.url = url
        self.proc = subprocess.Popen([NODE, "--experimental-websocket", "--no-warnings", str(SCREENS_JS)], cwd=ROOT,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.lines: queue.Queue = queue.Queue()
        self.lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        """Pass the process's answers on, line by line."""
        for line in self.proc.stdout:
            self.lines.put(json.loads(line))
        self.lines.put(None)

    def command(self, **command):
        """Send one command."""
        with self.lock:
            self.proc.stdin.write(json.dumps(command) + "\n")
            self.proc.stdin.flush()

    def answer(self, event, timeout):
        """The next answer, which must be ``event``."""
        got = self.lines.get(timeout=timeout)
        if got is None or got.get("event") != event:
            raise RuntimeError(f"live_screens.js answered {got!r} instead of {event!r}")
        return got

    def stop(self):
        """End the process."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)


class Replay:
    """Shared state of one replay: timings, errors, calls, phones."""

    def __init__(self, url, speed, deadline, screens, phone_every):
        """Start the clock."""
        self.url, self.speed, self.screens, self.phone_every = url, speed, screens, phone_every
        self.t0 = time.monotonic()
        self.deadline = self.t0 + deadline
        self.lock = threading.Lock()
        self.issue_s, self.call_s = [], []
        self.errors: list[str] = []
        self.issued: set[int] = set()
        self.served: set[int] = set()
        self.call_sent: dict[int, float] = {}  # ticket id -> monotonic time call-next was sent
        self.phones: dict[int, str] = {}  # ticket id -> the phone screen following it
        self.kiosk_done = threading.Event()

    def error(self, text):
        """Record an error (HTTP status, exception)."""
        with self.lock:
            self.errors.append(text)

    def sleep_until(self, at):
        """Sleep until replay second ``at`` (real-day seconds scaled by the speed)."""
        delay = self.t0 + at / self.speed - time.monotonic()
        if delay > 0:
            time.sleep(delay)

    def ticket_over(self, ticket):
        """The ticket is done: its citizen's phone leaves."""
        phone = self.phones.get(ticket)
        if phone is not None:
            self.screens.command(cmd="close", ids=[phone])


def kiosk_thread(replay, plan, tokens):
    """Issue every ticket at its arrival time, in turn at each kiosk; every phone_every'th citizen
    follows the ticket on the phone."""
    sessions = []
    for token in tokens:
        session = requests.Session()
        session.headers["X-Device-Token"] = token
        sessions.append(session)
    for n, (at, field) in enumerate(plan):
        replay.sleep_until(at)
        sent = time.monotonic()
        try:
            r = sessions[n % len(sessions)].post(replay.url + "/api/tickets",
                                                 json={"field": field, "client_ref": f"bench-{n}"}, timeout=10)
        except requests.RequestException as exc:
            replay.error(f"issue: {exc!r}")
            continue
        took = time.monotonic() - sent
        if r.status_code != 201:
            replay.error(f"issue: HTTP {r.status_code} {r.text[:200]}")
            continue
        body = r.json()
        ticket = body["ticket"]["id"]
        if n % replay.phone_every == 0:
            replay.phones[ticket] = f"phone-{ticket}"
            replay.screens.command(cmd="add", screens=[{"id": f"phone-{ticket}", "kind": "phone", "ticket": ticket,
                                                        "auth": {"ticket": body["public_token"]}}])
        with replay.lock:
            replay.issue_s.append(took)
            replay.issued.add(ticket)
    replay.kiosk_done.set()


def clerk_thread(replay, session, counter_id, tablet_token, rng):
    """Open the counter, then call, start, serve and finish until the day is over; the counter's
    tablet rates each finished ticket; every 12th citizen called does not come."""
    tablet = requests.Session()
    tablet.headers["X-Device-Token"] = tablet_token

    def post(path, what, client=session, body=None):
        """POST; an unexpected status is an error."""
        try:
            response = client.post(replay.url + path, json=body or {}, timeout=10)
        except requests.RequestException as exc:
            replay.error(f"{what}: {exc!r}")
            return None
        if response.status_code not in (200, 201) and not (
                what == "call-next" and response.status_code == 409 and response.json().get("error") == "queue_empty"):
            replay.error(f"{what}: HTTP {response.status_code} {response.text[:200]}")
            return None
        return response

    base = f"/api/counters/{counter_id}"
    if post(base + "/open", "open") is None:
        return
    called = 0
    while time.monotonic() < replay.deadline:
        sent = time.monotonic()
        response = post(base + "/call-next", "call-next")
        took = time.monotonic() - sent
        if response is None or response.status_code == 409:
            with replay.lock:
                everything_served = replay.kiosk_done.is_set() and replay.served >= replay.issued
            if everything_served:
                break
            time.sleep(IDLE_POLL_S / replay.speed)
            continue
        ticket = response.json()["ticket"]["id"]
        called += 1
        with replay.lock:
            replay.call_s.append(took)
            replay.call_sent[ticket] = sent
        time.sleep(WALK_TO_COUNTER_S / replay.speed)
        if called % 12 == 0:
            if post(f"/api/tickets/{ticket}/no-show", "no-show") is not None:
                with replay.lock:
                    replay.served.add(ticket)
                replay.ticket_over(ticket)
            continue
        if post(f"/api/tickets/{ticket}/start", "start") is None:
            continue
        time.sleep(rng.lognormvariate(math.log(SERVICE_MEDIAN_S), SERVICE_SIGMA) / replay.speed)
        if post(f"/api/tickets/{ticket}/finish", "finish") is None:
            continue
        with replay.lock:
            replay.served.add(ticket)
        replay.ticket_over(ticket)
        post("/api/ratings", "rate", client=tablet, body={"ticket": ticket, "level": rng.choice([2, 3, 3])})


def fixed_screens(world, cookies, drop_seq=None):
    """Every screen connected all day: kiosks, boards, a tablet and a console per counter, the monitor.
    With ``drop_seq`` the first board loses that update on the way."""
    screens = [{"id": f"kiosk-{n}", "kind": "kiosk", "auth": {"device_token": t}} for n, t in enumerate(world["kiosks"])]
    screens += [{"id": f"display-{n}", "kind": "display", "auth": {"device_token": t}}
                for n, t in enumerate(world["displays"])]
    if drop_seq is not None and world["displays"]:
        screens[len(world["kiosks"])]["drop_seq"] = drop_seq
    screens += [{"id": f"tablet-{c}", "kind": "tablet", "auth": {"device_token": t}} for c, t in world["tablets"].items()]
    screens += [{"id": f"console-{c}", "kind": "console", "cookie": cookies[u]} for u, c in world["clerks"]]
    screens.append({"id": "monitor", "kind": "monitor", "cookie": cookies["lanhdao"]})
    return screens


def per_kind(screens, call_sent):
    """Figures per kind of screen: counts, messages, bytes, snapshot requests, gaps, missed, disconnects.

    A board misses a call it never received; a phone, its own ticket's call made after it connected
    (a call before that is in the phone's first snapshot). A call's number is the one the boards saw.
    """
    call_seq = {ticket: seq for s in screens for ticket, _, seq in s["calls"]}
    kinds = {}
    for s in screens:
        k = kinds.setdefault(s["kind"], {"screens": 0, "messages": 0, "bytes": 0, "snapshot_requests": 0, "gaps": 0,
                                         "missed": 0, "missed_calls": 0, "disconnects": 0, "not_ready": 0,
                                         "dropped": 0})
        k["screens"] += 1
        for key in ("messages", "bytes", "snapshot_requests", "gaps", "missed", "dropped"):
            k[key] += s[key]
        k["disconnects"] += len(s["disconnects"])
        k["not_ready"] += not s["ready"] and not s["left"]  # a phone may be served before it connects
        seen = {t for t, _, _ in s["calls"]}
        if s["kind"] == "display":
            k["missed_calls"] += len(set(call_sent) - seen)
        elif s["kind"] == "phone":
            ticket = int(s["id"].split("-")[1])
            after_connect = s["first_seq"] is not None and call_seq.get(ticket, 0) > s["first_seq"]
            k["missed_calls"] += ticket in call_sent and ticket not in seen and after_connect
    return {kind: kinds[kind] for kind in KINDS if kind in kinds}


def run(args) -> dict:
    """Seed, start the server and the screens, replay the day, stop; the figures."""
    rng = random.Random(args.seed)
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="motcua-bench-day-"))
    db_url = f"sqlite:///{tmp / 'day.db'}"
    world = seed(db_url, args.counters, args.displays, args.kiosks)
    models.db.close()
    slots = MORNING_PEAK if args.morning else DAY_SLOTS
    field_ids = [f for f, _ in world["fields"]]
    weights = [w for _, w in world["fields"]]
    plan = [(at, rng.choices(field_ids, weights)[0]) for at in arrivals(args.tickets, slots, rng)]
    # The day's load comes through a few kiosks at 50-500x: the per-kiosk rate limit is not under test.
    server = LiveServer(db_url, tmp / "instance", env={"BACKGROUND_TASKS": "0", "KIOSK_TICKETS_PER_MINUTE": "0"}).start()
    screens = Screens(server.url)
    result = None
    try:
        sessions, cookies = {}, {}
        for username in [u for u, _ in world["clerks"]] + ["lanhdao"]:
            sessions[username], cookies[username] = login(server.url, username)
        fixed = fixed_screens(world, cookies, args.drop_seq)
        screens.command(cmd="open", url=server.url, screens=fixed)
        ready = screens.answer("ready", timeout=60)
        replay = Replay(server.url, args.speed, args.deadline, screens, args.phone_every)
        if not ready["all"]:
            replay.error(f"only {ready['count']} of {ready['of']} screens got their first snapshot")
        threads = [threading.Thread(target=kiosk_thread, args=(replay, plan, world["kiosks"]), daemon=True)]
        threads += [threading.Thread(target=clerk_thread, daemon=True,
                                     args=(replay, sessions[u], c, world["tablets"][c], random.Random(args.seed + i)))
                    for i, (u, c) in enumerate(world["clerks"])]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(max(0.0, replay.deadline - time.monotonic()))
        if any(t.is_alive() for t in threads):
            replay.error(f"deadline of {args.deadline} s reached before the day was over")
        wall = time.monotonic() - replay.t0
        with sqlite3.connect(tmp / "day.db") as db:
            final_seq = db.execute("SELECT event_seq FROM office WHERE id = ?", (world["office"],)).fetchone()[0]
        screens.command(cmd="stop", final_seq=final_seq)
        result = screens.answer("result", timeout=60)
    finally:
        screens.stop()
        server.stop()
    shutil.rmtree(tmp, ignore_errors=True)
    with replay.lock:
        delays = [t - replay.call_sent[ticket] for s in result["screens"] if s["kind"] == "display"
                  for ticket, t, _ in s["calls"] if ticket in replay.call_sent]
        kinds = per_kind(result["screens"], replay.call_sent)
        errors = replay.errors + [f"{s['id']} disconnected: {reason}" for s in result["screens"]
                                  for _, reason in s["disconnects"]]
        if not result["settled"]:
            errors.append(f"screens not at the last number {final_seq} 30 s after the day")
        missed = sum(k["missed"] + k["missed_calls"] for k in kinds.values())
        return {
            "tickets": args.tickets, "counters": args.counters, "displays": args.displays, "speed": args.speed,
            "screens": len(result["screens"]), "day": "morning peak" if args.morning else "full",
            "wall_s": round(wall, 1), "changes": final_seq,
            "issued": len(replay.issued), "served": len(replay.served), "calls": len(replay.call_sent),
            "all_served": replay.served == replay.issued and len(replay.issued) == args.tickets,
            "issue_ms": stats_ms(replay.issue_s), "call_next_ms": stats_ms(replay.call_s),
            "call_to_screen_ms": stats_ms(delays), "screen_deliveries": len(delays),
            "missed_deliveries": missed, "snapshot_requests": sum(k["snapshot_requests"] for k in kinds.values()),
            "per_kind": kinds, "errors": len(errors), "error_samples": errors[:5],
        }


def main(argv=None):
    """Parse the arguments, run the replay, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=600)
    parser.add_argument("--counters", type=int, default=8)
    parser.add_argument("--displays", type=int, default=30, help="boards (display devices)")
    parser.add_argument("--kiosks", type=int, default=3)
    parser.add_argument("--phone-every", type=int, default=2, help="every Nth citizen follows the ticket on the phone")
    parser.add_argument("--speed", type=float, default=50.0)
    parser.add_argument("--morning", action="store_true", help="replay only the morning peak (07:30-10:00)")
    parser.add_argument("--short", action="store_true", help="CI form: 120 tickets, morning peak only, 500x, 12 boards")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--drop-seq", type=int, help="the first board loses this update on the way (a real gap)")
    parser.add_argument("--deadline", type=float, default=900.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.short:
        args.tickets, args.speed, args.morning, args.deadline = 120, 500.0, True, min(args.deadline, 120.0)
        args.displays, args.kiosks = min(args.displays, 12), min(args.kiosks, 2)
    if not (1 <= args.tickets <= 2000 and 1 <= args.counters <= 16 and 0 <= args.displays <= 100
            and 1 <= args.kiosks <= 8 and args.phone_every >= 1):
        parser.error("bounds: tickets 1-2000, counters 1-16, displays 0-100, kiosks 1-8, phone-every >= 1")
    result = run(args)
    print(f"day replay: {result['tickets']} tickets, {result['counters']} counters, {result['screens']} screens "
          f"({result['displays']} boards), {result['speed']:g}x, {result['day']} day, {result['wall_s']} s wall, "
          f"{result['changes']} changes")
    print(f"issued {result['issued']}, served {result['served']}, all served: {result['all_served']}")
    for key, label in (("issue_ms", "issue (POST /api/tickets)"), ("call_next_ms", "call-next"),
                       ("call_to_screen_ms", "call -> board")):
        s = result[key]
        print(f"{label:28} p50 {s['p50']} ms  p99 {s['p99']} ms  max {s['max']} ms")
    print(f"{'screen':<8} {'count':>5} {'messages':>9} {'bytes':>10} {'snapshot req':>12} {'gaps':>5} {'missed':>6}"
          f" {'missed calls':>12} {'disconnects':>11}")
    for kind, k in result["per_kind"].items():
        print(f"{kind:<8} {k['screens']:>5} {k['messages']:>9} {k['bytes']:>10} {k['snapshot_requests']:>12}"
              f" {k['gaps']:>5} {k['missed']:>6} {k['missed_calls']:>12} {k['disconnects']:>11}")
    print(f"board call deliveries {result['screen_deliveries']}, missed deliveries {result['missed_deliveries']}, "
          f"errors {result['errors']} {result['error_samples']}")
    if args.json:
        print(json.dumps(result))
    ok = result["errors"] == 0 and result["all_served"] and result["missed_deliveries"] == 0
    return 0 if ok and result["snapshot_requests"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
