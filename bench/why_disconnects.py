"""Bench room (evidence): why the busy-day screens used to disconnect on a loaded machine.

    git worktree add --detach /tmp/before d1dfea5                 # the last commit of protocol v1
    git show 40dd85e -- api/routes.py | git -C /tmp/before apply  # its api/routes.py did not compile
    .venv/bin/python bench/why_disconnects.py --root /tmp/before [--runs 3]

(Any checkout whose bench_day.py still has python-socketio screens will do, e.g. 00bab36^, the
last one with protocol v2: there each screen gets one message per change instead of 3-4, so it
falls behind less and drops only under heavier load.)

Runs ``--runs`` copies at once of the short busy day of the checkout at --root (its
bench_day.py, whose 30 boards are python-socketio clients in the replay's own process), and
beside each a probe board in a process of its own: one thread, a raw websocket, every frame
stamped as it is read (the way bench_display.py's selector clients read). Three at once load the
2-core machine the way a test suite beside other sessions does. For each run it prints which side
closed each screen that dropped (python-socketio's disconnect reason, and the engine.io client's
own log line), how late the screens and the probe got the same calls, and the gaps between the
server's pings as the probe saw them.

Bounded: each replay gives up after 55 s (its own --short deadline); loopback only.
"""

from __future__ import annotations

import argparse
import json
import logging
import pathlib
import selectors
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve()


def probe(url: str, token: str) -> None:
    """One board in this process: answer pings, stamp call frames; print them on "stop"."""
    import websocket

    ws = websocket.create_connection(url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket",
                                     timeout=30, skip_utf8_validation=True)
    ws.recv()
    ws.send("40" + json.dumps({"device_token": token}))
    selector = selectors.DefaultSelector()
    selector.register(ws.sock, selectors.EVENT_READ, ws)
    selector.register(sys.stdin, selectors.EVENT_READ, None)
    print("ready", flush=True)
    calls, pings = [], []
    while True:
        events = selector.select(1.0)
        if any(key.data is None for key, _ in events):
            break
        for _key, _mask in events:
            frame, now = ws.recv(), time.monotonic()
            if frame == "2":
                ws.send("3")
                pings.append(now)
            elif frame.startswith('42["ticket_called"'):  # protocol v1
                calls.append((json.loads(frame[2:])[1]["ticket"]["id"], now))
            elif frame.startswith('42["update"') and '"call":' in frame:  # protocol v2
                calls.append((json.loads(frame[2:])[1]["call"]["ticket"]["id"], now))
    print(json.dumps({"calls": calls, "pings": pings}), flush=True)


def replay(root: pathlib.Path, log_file: str) -> dict:
    """The root's short busy day with a probe board; what dropped, and when calls arrived."""
    sys.path.insert(0, str(root / "bench"))
    import bench_day

    logging.basicConfig(level=logging.WARNING, filename=log_file, filemode="w",
                        format="%(relativeCreated)8.0f %(threadName)s %(name)s %(levelname)s %(message)s")
    dropped, held = [], {}
    connect_screens = bench_day.connect_screens

    def with_probe(run, tokens):
        """The probe takes the last board's token; the others connect as the root's replay does."""
        held["probe"] = subprocess.Popen([sys.executable, str(HERE), "--probe", run.url, tokens[-1]],
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        held["probe"].stdout.readline()
        clients = connect_screens(run, tokens[:-1])
        for n, client in enumerate(clients):
            client.on("disconnect", lambda *reason, n=n: None if run.closing else (
                dropped.append((round(time.monotonic() - run.t0, 1), n, [str(r) for r in reason])),
                run.error("a screen was disconnected")))
        held["replay"] = run
        return clients

    stop_server = bench_day.LiveServer.stop

    def stop(server, *args):
        """Collect the probe's stamps before the server goes."""
        held["probe"].stdin.write("stop\n")
        held["probe"].stdin.flush()
        held["stamps"] = json.loads(held["probe"].stdout.readline())
        return stop_server(server, *args)

    bench_day.connect_screens, bench_day.LiveServer.stop = with_probe, stop
    args = argparse.Namespace(tickets=120, counters=8, screens=31, speed=500.0, morning=True, seed=8,
                              deadline=55.0, json=True, short=True)
    figures = bench_day.run(args)
    run, stamps = held["replay"], held["stamps"]
    screens = [t - run.call_sent[k] for k, ts in run.seen.items() if k in run.call_sent for t in ts]
    probed = [t - run.call_sent[k] for k, t in stamps["calls"] if k in run.call_sent]
    return {"errors": figures["errors"], "dropped": dropped, "screens_s": screens, "probe_s": probed,
            "ping_gaps_s": [b - a for a, b in zip(stamps["pings"], stamps["pings"][1:], strict=False)]}


def ms(values, q):
    """The q-th percentile of seconds, in whole milliseconds."""
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))] * 1000) if ordered else None


def main() -> None:
    """Run the replays side by side and print what each saw."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=pathlib.Path, required=False)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--probe", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--replay", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        return probe(*args.probe)
    if args.replay:
        print(json.dumps(replay(pathlib.Path(args.replay[0]), args.replay[1])))
        return None
    if args.root is None:
        parser.error("--root is required")
    logs = pathlib.Path(tempfile.mkdtemp(prefix="motcua-why-"))
    runs = [subprocess.Popen([sys.executable, str(HERE), "--replay", str(args.root.resolve()), str(logs / f"{n}.log")],
                             stdout=subprocess.PIPE, text=True) for n in range(max(1, min(args.runs, 4)))]
    for n, proc in enumerate(runs):
        out, _ = proc.communicate(timeout=300)
        r = json.loads(out.strip().splitlines()[-1])
        own = [line.split(" engineio.client ")[1].strip() for line in (logs / f"{n}.log").read_text().splitlines()
               if "engineio.client" in line and "aborting" in line]
        reasons = sorted({tuple(d[2]) for d in r["dropped"]})
        print(f"run {n + 1}: {len(r['dropped'])} screens dropped ({reasons}), errors {r['errors']}")
        print(f"  engine.io client, first lines: {sorted(set(own))[:3]}")
        print(f"  call -> python-socketio screens p50 {ms(r['screens_s'], 50)} / p99 {ms(r['screens_s'], 99)} ms;"
              f" call -> probe p50 {ms(r['probe_s'], 50)} / p99 {ms(r['probe_s'], 99)} ms")
        print(f"  server pings at the probe every {[round(g, 1) for g in r['ping_gaps_s']]} s")
    return None


if __name__ == "__main__":
    main()
