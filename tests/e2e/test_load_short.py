"""End-to-end room: the short form of the busy-day replay (bench/bench_day.py --short) against the
real server: 120 tickets over 8 counters with every kind of screen connected (2 kiosks, 12 boards,
8 tablets, 8 consoles, the monitor, the phones of every other citizen) as the pages connect, in
one Node.js process (bench/live_screens.js). Bounded: the replay gives up after 120 s.

It asserts counts, never timings, so it holds on a loaded machine. The screens used to be
python-socketio clients in the replay's own process (two threads per connection and a thread
per message): on a busy machine they fell 5-8 s behind the server, and engine.io's client,
which closes a connection that has sent nothing for max(ping interval, ping timeout) + 5 s,
closed them itself ("a screen was disconnected" x10-25) while the server's pings went out on
time (BENCHMARKS.md, "A busy day")."""

import json
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
KINDS = {"kiosk": 2, "display": 12, "tablet": 8, "console": 8, "monitor": 1, "phone": 60}


def replay(*args):
    """bench_day.py with ``args``: its JSON figures (the last line) and the process."""
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_day.py"), *args, "--json"],
                          cwd=ROOT, capture_output=True, text=True, timeout=240)
    lines = proc.stdout.strip().splitlines()
    assert lines, proc.stderr[-3000:]
    return json.loads(lines[-1]), proc


def test_short_busy_day_has_no_errors_and_serves_everyone():
    """Every ticket is served; every screen of every kind gets every change once, asks for no
    snapshot and stays connected; every board sees every call."""
    result, proc = replay("--short")
    assert result["errors"] == 0, result["error_samples"]
    assert (result["issued"], result["served"], result["calls"]) == (120, 120, 120) and result["all_served"]
    kinds = result["per_kind"]
    assert {kind: k["screens"] for kind, k in kinds.items()} == KINDS
    assert all(k["not_ready"] == 0 and k["disconnects"] == 0 for k in kinds.values()), kinds
    assert result["missed_deliveries"] == 0 and result["snapshot_requests"] == 0, kinds
    # Every screen connected all day received one message per change, and its first snapshot.
    for kind in ("kiosk", "display", "tablet", "console", "monitor"):
        assert kinds[kind]["messages"] == KINDS[kind] * (result["changes"] + 1), (kind, kinds[kind])
    assert result["screen_deliveries"] == 12 * result["calls"]
    assert proc.returncode == 0, proc.stdout[-2000:]


def test_a_board_that_loses_one_update_asks_for_one_snapshot():
    """The replay's zeros mean something: a board that loses update 25 on the way notices the gap,
    asks for exactly one snapshot and catches up; no other screen asks for anything."""
    result, _ = replay("--tickets", "20", "--counters", "2", "--displays", "2", "--kiosks", "1", "--morning",
                       "--speed", "500", "--deadline", "120", "--drop-seq", "25")
    assert result["errors"] == 0 and result["all_served"], result["error_samples"]
    board = result["per_kind"]["display"]
    assert (board["dropped"], board["gaps"], board["snapshot_requests"], board["missed"]) == (1, 1, 1, 1)
    assert result["snapshot_requests"] == 1 and result["changes"] > 25
