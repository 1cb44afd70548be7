"""End-to-end room: the short form of the busy-day replay (bench/bench_day.py --short) against the
real server: 120 tickets over 8 counters with 30 Socket.IO screens, bounded under 60 s."""

import json
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_short_busy_day_has_no_errors_and_serves_everyone():
    """Every issued ticket is served, every screen sees every call, no request fails."""
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_day.py"), "--short", "--json"],
                          cwd=ROOT, capture_output=True, text=True, timeout=90)
    lines = proc.stdout.strip().splitlines()
    assert lines, proc.stderr[-3000:]
    result = json.loads(lines[-1])
    assert result["errors"] == 0, result["error_samples"]
    assert (result["issued"], result["served"]) == (120, 120) and result["all_served"]
    assert result["screens"] == 30 and result["missed_deliveries"] == 0
    assert result["screen_deliveries"] == 30 * result["calls"] == 30 * 120
    assert result["wall_s"] < 60
    assert proc.returncode == 0, proc.stdout[-2000:]
