"""Beyond one box: what one process learns, every process knows. Two real server processes on one
PostgreSQL database and one Redis channel: a screen's clock reported to A shows on B's status page."""

from __future__ import annotations

import time

import pytest
import requests

pytestmark = pytest.mark.slow


def test_a_clock_reported_to_one_process_shows_on_the_other(two_servers, shared_office):
    """The display's heartbeat reaches A (15 minutes slow); the admin's status page on B flags it."""
    a, b = two_servers
    display = requests.Session()
    display.headers["X-Device-Token"] = shared_office.display_token
    sent = display.post(a.url + "/api/heartbeat", json={"clock_ms": int(time.time() * 1000) - 900_000}, timeout=10)
    assert sent.status_code == 200
    devices = {d["id"]: d for d in b.session("admin1").get(b.url + "/api/admin/system", timeout=10).json()["devices"]}
    assert devices[shared_office.display.id]["clock_wrong"] is True
    assert devices[shared_office.display.id]["clock_offset_s"] < -890
    assert devices[shared_office.display.id]["online"] is True
    assert devices[shared_office.kiosk.id]["clock_offset_s"] is None
