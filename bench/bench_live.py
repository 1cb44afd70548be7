"""Bench room (live protocol): messages, bytes and snapshot requests per screen.

    .venv/bin/python bench/bench_live.py                    # this checkout
    .venv/bin/python bench/bench_live.py --root /tmp/before # another checkout (git worktree), e.g.
                                                            # the commit before live protocol v2
    add --tickets N (default 60, at most 400) and --json

Starts the real server (eventlet, ``python <root>/server.py``) of the checkout on a fresh SQLite
database seeded with the tests' office (2 fields, 2 counters, a kiosk, a board, a tablet per
counter), opens one screen of every kind in headless Chromium (Debian's chromium): kiosk,
board, clerk's console (counter 1), rating tablet (counter 1), leader's live monitor and one
citizen's phone, and counts every WebSocket frame each page sends and receives:

1. one call-next, then one finish: the messages (Socket.IO event frames) and bytes the board
   receives for each;
2. a replayed busy day, the same for every checkout (seeded): ``--tickets`` tickets issued at the
   kiosk, called, started and finished by two clerks, each finish rated at the tablet, every 7th
   a no-show, every 9th transferred to the other counter, a pause and resume, one settings
   change; per screen: snapshot requests sent, snapshots received, messages and bytes received,
   and the page's own HTTP requests to /api/ (the heartbeat left out).

A screen is quiet when it has received nothing for QUIET_S; every wait is bounded. Loopback only.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import requests

HERE = pathlib.Path(__file__).resolve().parent.parent
PASSWORD = "mat-khau-thu-123"  # the tests' password (tests/conftest.py)
QUIET_S = 0.6
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
VIEWPORTS = {"kiosk": (1080, 1920), "board": (1920, 1080), "console": (1366, 768), "tablet": (1280, 800),
             "monitor": (1366, 900), "phone": (390, 844)}

SEED = """
import json, sys
sys.path[:0] = [{root!r}, {root!r} + "/tests"]
import models, conftest
models.db.initialize(models.make_database({url!r}))
# The schema: models.create_tables() in older checkouts, migrations.upgrade() in newer ones.
(getattr(models, "create_tables", None) or __import__("migrations").upgrade)()
with models.connection():
    bag = conftest.seed_test_office()
    _, tablet2 = conftest.make_device(bag.office, "tablet", counter=bag.c2)
    print(json.dumps({{"office": bag.office.id, "f1": bag.f1.id, "f2": bag.f2.id, "c1": bag.c1.id,
                      "c2": bag.c2.id, "kiosk": bag.kiosk_token, "display": bag.display_token,
                      "tablet1": bag.tablet1_token, "tablet2": tablet2}}))
"""


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``python <root>/server.py`` on a seeded SQLite file, on 127.0.0.1."""

    def __init__(self, root: pathlib.Path):
        """Seed a fresh database with the root's own code and start its server."""
        self.tmp = pathlib.Path(tempfile.mkdtemp(prefix="motcua-bench-live-"))
        url = f"sqlite:///{self.tmp / 'live.db'}"
        seeded = subprocess.run([sys.executable, "-c", SEED.format(root=str(root), url=url)], cwd=root,
                                capture_output=True, text=True, timeout=120, check=True)
        self.ids = json.loads(seeded.stdout.strip().splitlines()[-1])
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, DATABASE_URL=url, PORT=str(self.port), HOST="127.0.0.1",
                   INSTANCE_DIR=str(self.tmp / "instance"), SECRET_KEY="bench-live", ASYNC_MODE="eventlet",
                   BACKGROUND_TASKS="0", LOG_LEVEL="WARNING", KIOSK_TICKETS_PER_MINUTE="0")
        self.log = open(self.tmp / "server.log", "ab")
        self.proc = subprocess.Popen([sys.executable, str(root / "server.py"), "--no-demo"], cwd=root, env=env,
                                     stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(self.url + "/api/health", timeout=1).ok:
                    return
            except requests.RequestException:
                time.sleep(0.1)
        raise RuntimeError("server did not start: " + (self.tmp / "server.log").read_text()[-2000:])

    def session(self, username=None, device=None) -> requests.Session:
        """An HTTP session logged in as ``username`` or carrying a device token."""
        s = requests.Session()
        if device:
            s.headers["X-Device-Token"] = device
        if username:
            r = s.post(self.url + "/api/session", json={"username": username, "password": PASSWORD}, timeout=10)
            r.raise_for_status()
            s.headers["X-CSRF-Token"] = r.json()["csrf_token"]
        return s

    def stop(self):
        """Stop the server and remove its files."""
        os.killpg(self.proc.pid, signal.SIGTERM)
        self.proc.wait(timeout=15)
        self.log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


class Screen:
    """One page and the Socket.IO frames it sent and received."""

    def __init__(self, browser, kind):
        """A fresh browser context (own cookies) for one screen."""
        width, height = VIEWPORTS[kind]
        self.kind = kind
        self.context = browser.new_context(viewport={"width": width, "height": height},
                                           timezone_id="Asia/Ho_Chi_Minh", locale="vi-VN")
        self.page = self.context.new_page()
        self.page.set_default_timeout(20_000)
        self.sent, self.received, self.http = [], [], []
        self.last = time.monotonic()
        self.page.on("websocket", self._watch)
        # What a screen fetches besides its socket (the heartbeat is a timer, not the protocol).
        self.page.on("request", lambda r: self.http.append(r.url) if "/api/" in r.url and "/api/heartbeat" not in r.url
                     else None)

    def _watch(self, ws):
        """Keep the frames of the page's WebSocket."""
        ws.on("framesent", lambda frame: self.sent.append(frame))
        ws.on("framereceived", self._got)

    def _got(self, frame):
        """A frame arrived."""
        self.last = time.monotonic()
        self.received.append(frame)

    def messages(self, start=0) -> list[str]:
        """Socket.IO event frames received (from index ``start``)."""
        return [f for f in self.received[start:] if isinstance(f, str) and f.startswith("42")]

    def figures(self) -> dict:
        """Snapshot requests sent, snapshots, messages and bytes received."""
        messages = self.messages()
        return {"snapshot_requests": sum('"snapshot_request"' in f for f in self.sent if isinstance(f, str)),
                "snapshots": sum(f.startswith('42["snapshot"') for f in messages),
                "messages": len(messages), "bytes": sum(len(f.encode()) for f in messages),
                "http_requests": len(self.http)}


def quiet(screens, pump):
    """Wait until no screen has received anything for QUIET_S (at most 30 s)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        pump.wait_for_timeout(100)
        if time.monotonic() - max(s.last for s in screens) >= QUIET_S:
            return
    raise RuntimeError("the screens never went quiet")


def open_screens(browser, server, phone_token) -> dict:
    """The six screens, each live (its first snapshot received)."""
    ids, url = server.ids, server.url
    screens = {kind: Screen(browser, kind) for kind in VIEWPORTS}
    screens["kiosk"].page.goto(f"{url}/pair/{ids['kiosk']}")
    screens["board"].page.goto(f"{url}/pair/{ids['display']}")
    screens["tablet"].page.goto(f"{url}/pair/{ids['tablet1']}")
    console = screens["console"].page
    console.goto(f"{url}/counter")
    console.fill("#login-username", "canbo1")
    console.fill("#login-password", PASSWORD)
    console.click("#login-submit")
    console.click(".choose-item:has-text('Quầy 1')")
    console.wait_for_selector("#top-live.online")
    monitor = screens["monitor"]
    monitor.context.request.post(f"{url}/api/session", data={"username": "lanhdao1", "password": PASSWORD})
    monitor.page.goto(f"{url}/admin/monitor")
    screens["phone"].page.goto(f"{url}/t/{phone_token}")
    for screen in screens.values():
        screen.page.wait_for_function("() => document.readyState === 'complete'")
    deadline = time.monotonic() + 20
    while not all(s.messages() for s in screens.values()) and time.monotonic() < deadline:
        console.wait_for_timeout(100)
    return screens


def ok(response):
    """The JSON body of a successful answer."""
    if response.status_code not in (200, 201):
        raise RuntimeError(f"{response.request.method} {response.url}: {response.status_code} {response.text[:200]}")
    return response.json()


def one_call_and_finish(server, screens) -> dict:
    """Frames and bytes the board receives for one call-next and for one finish."""
    ids, url, board = server.ids, server.url, screens["board"]
    clerk = server.session("canbo1")
    ok(server.session(device=ids["kiosk"]).post(f"{url}/api/tickets", json={"field": ids["f1"]}, timeout=10))
    quiet(screens.values(), board.page)
    result = {}
    called = {}
    actions = (("call_next", f"/api/counters/{ids['c1']}/call-next"), ("finish", "/api/tickets/{ticket}/finish"))
    for name, path in actions:
        start = len(board.received)
        answer = ok(clerk.post(url + path.format(ticket=called.get("id")), timeout=10))
        called = called or answer["ticket"]
        quiet(screens.values(), board.page)
        frames = board.messages(start)
        result[name] = {"messages": len(frames), "bytes": sum(len(f.encode()) for f in frames),
                        "events": [json.loads(f[2:])[0] for f in frames]}
    return result


def busy_day(server, screens, tickets: int, rng: random.Random) -> int:
    """Replay the day; returns how many changes it made."""
    ids, url = server.ids, server.url
    kiosk = server.session(device=ids["kiosk"])
    clerks = {ids["c1"]: server.session("canbo1"), ids["c2"]: server.session("canbo2")}
    tablets = {ids["c1"]: server.session(device=ids["tablet1"]), ids["c2"]: server.session(device=ids["tablet2"])}
    admin = server.session("admin1")
    ok(clerks[ids["c2"]].post(f"{url}/api/counters/{ids['c2']}/open", timeout=10))
    changes, issued, served = 1, 0, 0
    pump = screens["console"].page
    while served < tickets:
        if issued < tickets and (issued - served < 3 or rng.random() < 0.5):
            field = ids["f1"] if rng.random() < 0.6 else ids["f2"]
            ok(kiosk.post(f"{url}/api/tickets", json={"field": field}, timeout=10))
            issued, changes = issued + 1, changes + 1
            continue
        counter = rng.choice([ids["c1"], ids["c2"]])
        clerk, other = clerks[counter], ids["c2"] if counter == ids["c1"] else ids["c1"]
        called = clerk.post(f"{url}/api/counters/{counter}/call-next", timeout=10)
        if called.status_code != 200:
            continue
        ticket = called.json()["ticket"]["id"]
        changes += 1
        n = served + 1
        if n % 7 == 0:
            ok(clerk.post(f"{url}/api/tickets/{ticket}/no-show", timeout=10))
            served, changes = served + 1, changes + 1
            continue
        if n % 9 == 0 and not called.json()["ticket"]["transferred"]:
            ok(clerk.post(f"{url}/api/tickets/{ticket}/transfer", json={"counter": other, "note": "Chuyển"},
                          timeout=10))
            changes += 1
            continue
        ok(clerk.post(f"{url}/api/tickets/{ticket}/start", timeout=10))
        ok(clerk.post(f"{url}/api/tickets/{ticket}/finish", timeout=10))
        ok(tablets[counter].post(f"{url}/api/ratings", json={"ticket": ticket, "level": rng.choice([2, 3, 3])},
                                 timeout=10))
        served, changes = served + 1, changes + 3
        if served == tickets // 2:
            ok(clerk.post(f"{url}/api/counters/{counter}/pause", json={"reason": "Họp"}, timeout=10))
            ok(clerk.post(f"{url}/api/counters/{counter}/resume", timeout=10))
            ok(admin.put(f"{url}/api/admin/settings", json={"notices": "Chiều nay làm việc đến 17:00"},
                         timeout=10))
            changes += 3
        pump.wait_for_timeout(20)  # let the pages take their frames as the day goes
    quiet(screens.values(), pump)
    return changes


def run(root: pathlib.Path, tickets: int) -> dict:
    """Start the root's server, open the screens, measure; the figures."""
    from playwright.sync_api import sync_playwright

    server = Server(root)
    try:
        phone = ok(server.session(device=server.ids["kiosk"]).post(
            server.url + "/api/tickets", json={"field": server.ids["f2"]}, timeout=10))
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            try:
                screens = open_screens(browser, server, phone["public_token"])
                quiet(screens.values(), screens["board"].page)
                per_op = one_call_and_finish(server, screens)
                before = {kind: s.figures() for kind, s in screens.items()}
                changes = busy_day(server, screens, tickets, random.Random(2026))
                after = {kind: s.figures() for kind, s in screens.items()}
            finally:
                browser.close()
    finally:
        server.stop()
    day = {kind: {k: after[kind][k] - before[kind][k] for k in after[kind]} for kind in after}
    return {"root": str(root), "tickets": tickets, "changes": changes, "per_op_board": per_op, "day": day}


def main(argv=None) -> None:
    """Parse the arguments, run, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", type=pathlib.Path, default=HERE, help="checkout whose server and pages to measure")
    parser.add_argument("--tickets", type=int, default=60)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = run(args.root.resolve(), max(4, min(args.tickets, 400)))
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return
    print(f"checkout: {result['root']}")
    for name, figures in result["per_op_board"].items():
        print(f"board, one {name}: {figures['messages']} messages, {figures['bytes']} bytes ({', '.join(figures['events'])})")
    print(f"busy day: {result['tickets']} tickets, {result['changes']} changes")
    print(f"{'screen':<8} {'snapshot requests':>17} {'snapshots':>9} {'messages':>8} {'bytes':>9} {'HTTP /api':>9}")
    for kind, f in result["day"].items():
        print(f"{kind:<8} {f['snapshot_requests']:>17} {f['snapshots']:>9} {f['messages']:>8} {f['bytes']:>9}"
              f" {f['http_requests']:>9}")


if __name__ == "__main__":
    main()
