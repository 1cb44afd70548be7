"""Printing room: under eventlet (as `python server.py` runs), a hanging printer yields to others."""

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]

PROBE = """
import eventlet
eventlet.monkey_patch()
import socket, sys, time
sys.path.insert(0, sys.argv[1])
from kiosk.printing import PrinterError, open_printer

server = socket.socket()
server.bind(("127.0.0.1", 0))
server.listen(1)
held = []
eventlet.spawn(lambda: held.append(server.accept()))  # accept, never read or answer
ticks = [0]

def ticker():
    while True:
        ticks[0] += 1
        time.sleep(0.01)

eventlet.spawn(ticker)
printer = open_printer(f"network://127.0.0.1:{server.getsockname()[1]}", 0.5)
start = time.monotonic()
try:
    printer.send(b"x" * 70000)
    outcome = "sent"
except PrinterError:
    outcome = "error"
print(outcome, round(time.monotonic() - start, 2), ticks[0])
"""


def test_hanging_printer_does_not_block_other_greenlets():
    done = subprocess.run([sys.executable, "-c", PROBE, str(ROOT)], capture_output=True,
                          text=True, timeout=20, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    outcome, seconds, ticks = done.stdout.split()
    assert outcome == "error"
    assert float(seconds) < 1.0
    # The ticker greenlet kept running while the send waited on the silent printer.
    assert int(ticks) >= 20
