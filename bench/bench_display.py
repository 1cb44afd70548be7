"""Bench room (display): with N Socket.IO display clients connected to the real eventlet server
on 127.0.0.1 (one office room), how long after the call-next HTTP response does each client
receive a call (an ``update`` carrying ``call``), and how much memory and CPU does the server process use?

    .venv/bin/python bench/bench_display.py [--clients 500] [--calls 20] [--client node|python] [--workers 2]

Two kinds of client, both one thread and both stamping a frame when it is read, before parsing:

- ``--client node`` (the default): the reference client, the page's own code. Every display is
  what a board's page runs, the vendored socket.io-client 4.8 (the npm package's browser build)
  with static/js/motcua.js, all on one Node.js event loop (bench/live_screens.js, the busy day's
  screens).
- ``--client python``: each display speaks Socket.IO 5 over an Engine.IO 4 websocket with
  websocket-client and a few lines here; the clients of a worker process (``--workers``) share one
  selector loop. (python-socketio's sync client runs 2-3 threads per connection, and with 500 of
  them on this machine's 2 CPUs its own interpreter-lock queueing (seconds) swamped the server's
  delay it was meant to measure.)

Times are CLOCK_MONOTONIC (time.monotonic, Node's process.hrtime), one clock for every process
of the machine. Each run prints the machine's speed (bench_queue.calibrate) beside its figures.

Bounded: at most 2000 clients and 200 calls; calls are spaced so they do not overlap; the
whole run gives up after --deadline seconds (default 300).
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import selectors
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
CALL_GAP_S = 0.5  # pause after each call so the next starts on a quiet server
TICK = os.sysconf("SC_CLK_TCK")
UPDATE_PREFIX = '42["update",'  # protocol v2: a call is an update with a "call" section


def percentile(values, q):
    """The q-th percentile (nearest rank) of values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(q / 100 * len(ordered))) - 1))]


def proc_status(pid: int, key: str) -> int:
    """A KiB figure (VmRSS now, VmHWM peak) of a process, from /proc."""
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used, from /proc."""
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


# --------------------------------------------------------------------------- worker process


def open_display(ws_url: str, token: str):
    """Open one display's socket: Engine.IO open, Socket.IO connect with the device token."""
    import websocket

    # No UTF-8 check in Python per frame: it would cost more than the server spends sending.
    ws = websocket.create_connection(ws_url, timeout=30, enable_multithread=False, skip_utf8_validation=True)
    opening = ws.recv()
    if not opening.startswith("0"):
        raise RuntimeError(f"no Engine.IO open packet: {opening[:80]!r}")
    ws.send("40" + json.dumps({"device_token": token}))
    while True:  # the namespace answer, then the snapshot; a ping may come between
        message = ws.recv()
        if message == "2":
            ws.send("3")
        elif message.startswith("44"):
            raise RuntimeError(f"connection refused: {message[:200]}")
        elif message.startswith('42["snapshot"'):
            return ws


def worker(url: str, token_file: str) -> None:
    """Connect one display per token, say "ready", record arrivals until "stop" on stdin."""
    ws_url = url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    tokens = pathlib.Path(token_file).read_text().split()
    selector = selectors.DefaultSelector()
    raw = []  # (monotonic time, frame text), parsed after the run so parsing never delays a stamp

    def pump(timeout):
        """Read every frame ready now; False once "stop" came on stdin."""
        for key, _mask in selector.select(timeout=timeout):
            ws = key.data
            if ws is None:
                sys.stdin.readline()
                return False
            message = ws.recv()  # a readable socket holds a whole small frame
            now = time.monotonic()
            if message == "2":
                ws.send("3")  # Engine.IO ping: answer, or the server drops the client
            elif message.startswith(UPDATE_PREFIX) and '"call":' in message:
                raw.append((now, message))
        return True

    sockets = []
    for token in tokens:
        ws = open_display(ws_url, token)
        sockets.append(ws)
        selector.register(ws.sock, selectors.EVENT_READ, ws)
        pump(0)  # the first clients' pings are answered while the others connect
    selector.register(sys.stdin, selectors.EVENT_READ, None)
    print(f"ready {len(sockets)}", flush=True)
    while pump(1.0):
        pass
    arrivals = [(json.loads(text[2:])[1]["call"]["ticket"]["id"], at) for at, text in raw]
    print(json.dumps(arrivals), flush=True)
    for ws in sockets:
        ws.close()


# --------------------------------------------------------------------------- driver


def seed(db_url: str, clients: int, calls: int):
    """The standard test office, one display device per client, ``calls`` tickets waiting."""
    import migrations
    import models
    import ticketing
    from conftest import make_device, seed_test_office

    models.db.initialize(models.make_database(db_url))
    migrations.upgrade()
    with models.connection():
        bag = seed_test_office()
        tokens = [make_device(bag.office, "display")[1] for _ in range(clients)]
        for n in range(calls):
            ticketing.issue_ticket(bag.office.id, (bag.f1 if n % 2 == 0 else bag.f2).id)
    models.db.close()
    return bag, tokens


def python_clients(server, tokens, workers_n, tmp):
    """Start the selector workers; (their processes, how many connected)."""
    workers = []
    for n in range(workers_n):
        token_file = tmp / f"tokens-{n}.txt"
        token_file.write_text("\n".join(tokens[n::workers_n]))
        workers.append(subprocess.Popen([sys.executable, __file__, "--worker", server.url, str(token_file)],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT))
    connected = 0
    for w in workers:
        line = w.stdout.readline()  # bounded by the clients' own connect timeouts
        if not line.startswith("ready"):
            raise RuntimeError(f"worker failed: {line!r}")
        connected += int(line.split()[1])
    return workers, connected


def python_arrivals(workers):
    """Stop the selector workers; every (ticket id, arrival) they stamped."""
    arrivals = []
    for w in workers:
        w.stdin.write("stop\n")
        w.stdin.flush()
        arrivals.extend(json.loads(w.stdout.readline()))
    return arrivals


def main():
    """Seed, start the server, connect the clients, call, print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--client", choices=("node", "python"), default="node")
    parser.add_argument("--workers", type=int, default=2, help="selector worker processes (--client python)")
    parser.add_argument("--deadline", type=float, default=300.0)
    parser.add_argument("--worker", nargs=2, metavar=("URL", "TOKEN_FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker)
        return
    clients = max(1, min(args.clients, 2000))
    calls = max(1, min(args.calls, 200))
    workers_n = max(1, min(args.workers, clients))
    started = time.monotonic()

    from bench_day import Screens
    from bench_queue import calibrate
    from conftest import LiveServer

    speed = calibrate()
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="motcua-bench-display-"))
    db_url = f"sqlite:///{tmp / 'bench.db'}"
    bag, tokens = seed(db_url, clients, calls)
    server = LiveServer(db_url, tmp / "instance", env={"BACKGROUND_TASKS": "0"}).start()
    pid = server.proc.pid
    workers, screens = [], None
    try:
        rss_idle = proc_status(pid, "VmRSS")
        t_connect = time.monotonic()
        if args.client == "node":
            screens = Screens(server.url)
            screens.command(cmd="open", url=server.url, timeout_ms=120_000,
                            screens=[{"id": f"display-{n}", "kind": "display", "auth": {"device_token": t}}
                                     for n, t in enumerate(tokens)])
            connected = screens.answer("ready", timeout=150)["count"]
        else:
            workers, connected = python_clients(server, tokens, workers_n, tmp)
        connect_s = time.monotonic() - t_connect
        rss_connected = proc_status(pid, "VmRSS")
        time.sleep(1.0)  # the connect snapshots drain before the first call

        clerk = server.session(username="canbo1")
        sent = {}  # ticket id -> (request start, response end)
        cpu_start = cpu_seconds(pid)
        for _ in range(calls):
            if time.monotonic() - started > args.deadline:
                print("deadline reached; stopping early")
                break
            t_request = time.monotonic()
            response = clerk.post(f"{server.url}/api/counters/{bag.c1.id}/call-next", timeout=10)
            t_response = time.monotonic()
            if response.status_code != 200:
                print(f"call-next answered {response.status_code}: {response.text[:200]}")
                break
            ticket_id = response.json()["ticket"]["id"]
            sent[ticket_id] = (t_request, t_response)
            time.sleep(CALL_GAP_S)
            clerk.post(f"{server.url}/api/tickets/{ticket_id}/finish", timeout=10)
            time.sleep(CALL_GAP_S / 2)
        cpu_used = cpu_seconds(pid) - cpu_start
        time.sleep(1.0)
        rss_after = proc_status(pid, "VmRSS")
        rss_peak = proc_status(pid, "VmHWM")
        if screens is not None:
            final_seq = server.session(device_token=tokens[0]).get(f"{server.url}/api/snapshot", timeout=10).json()["seq"]
            screens.command(cmd="stop", final_seq=final_seq)
            result = screens.answer("result", timeout=60)
            arrivals = [(ticket, at) for s in result["screens"] for ticket, at, _ in s["calls"]]
        else:
            arrivals = python_arrivals(workers)
    finally:
        for w in workers:
            try:
                w.wait(timeout=30)
            except subprocess.TimeoutExpired:
                w.kill()
        if screens is not None:
            screens.stop()
        server.stop()

    after_response = [(t - sent[tid][1]) * 1000 for tid, t in arrivals if tid in sent]
    after_request = [(t - sent[tid][0]) * 1000 for tid, t in arrivals if tid in sent]
    http_ms = [(end - start) * 1000 for start, end in sent.values()]
    by_call = {}
    for tid, t in arrivals:
        by_call.setdefault(tid, []).append(t)
    spread = [(max(ts) - min(ts)) * 1000 for ts in by_call.values()]
    expected = len(sent) * connected
    early = sum(1 for d in after_response if d < 0)
    kind = "Node.js, socket.io-client 4.8 + motcua.js" if args.client == "node" else f"{workers_n} Python selector workers"
    print(f"machine speed: {speed:.2f} s for 10^7 Python additions (lower is faster)")
    print(f"clients connected: {connected}/{clients} in {connect_s:.1f} s ({kind})")
    print(
        f"calls: {len(sent)}; calls received: {len(after_response)}/{expected}"
        f" ({expected - len(after_response)} missing)"
    )
    if after_response:
        print(
            f"call-next HTTP round trip:              p50 {statistics.median(http_ms):6.1f} ms"
            f"   p99 {percentile(http_ms, 99):6.1f} ms"
        )
        print(
            f"call after the HTTP response:         p50 {statistics.median(after_response):6.1f} ms"
            f"   p99 {percentile(after_response, 99):6.1f} ms   max {max(after_response):6.1f} ms"
            f"   ({early} arrived before the response)"
        )
        print(
            f"call after the request sent:          p50 {statistics.median(after_request):6.1f} ms"
            f"   p99 {percentile(after_request, 99):6.1f} ms"
        )
        print(
            f"first-to-last client spread per call:   p50 {statistics.median(spread):6.1f} ms"
            f"   max {max(spread):6.1f} ms"
        )
    print(
        f"server CPU: {cpu_used / max(1, len(sent)) * 1000:.0f} ms per call+finish"
        f" ({os.cpu_count()} CPUs shared with the clients)"
    )
    print(
        f"server RSS: idle {rss_idle / 1024:.1f} MiB; {connected} clients {rss_connected / 1024:.1f} MiB;"
        f" after calls {rss_after / 1024:.1f} MiB; peak {rss_peak / 1024:.1f} MiB"
    )


if __name__ == "__main__":
    main()
