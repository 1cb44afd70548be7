"""Beyond one box: a process's simultaneous-connection limit is the MAX_CONNECTIONS setting
(eventlet's default of 1024 would stall a process serving about a thousand screens)."""

from __future__ import annotations

import socket

import pytest
import requests

import server


def _hold(url, count):
    """Open ``count`` idle HTTP connections that never finish their request (each holds a slot)."""
    host, port = url.removeprefix("http://").split(":")
    held = []
    for _ in range(count):
        s = socket.create_connection((host, int(port)), timeout=5)
        s.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\n")  # headers never end
        held.append(s)
    return held


def test_default_limit_is_above_eventlets_1024():
    """The default leaves room for a thousand screens plus the requests of staff."""
    assert server.Config({}).MAX_CONNECTIONS >= 4096


@pytest.mark.parametrize("limit, blocked", [(6, True), (60, False)])
def test_connection_limit_is_applied(live_office, live_server_factory, limit, blocked):
    """With every slot taken, a request waits; with room left, it is answered at once."""
    url, _bag = live_office
    # One source may take every slot here (the per-source cap is tested in tests/golive/test_httpguard.py).
    srv = live_server_factory(db_url=url, env={"MAX_CONNECTIONS": str(limit), "BACKGROUND_TASKS": "0",
                                               "MAX_CONNECTIONS_PER_SOURCE": str(limit)})
    held = _hold(srv.url, 6)
    try:
        try:
            answered = requests.get(srv.url + "/api/health", timeout=1.5).ok
        except requests.RequestException:
            answered = False
        assert answered is not blocked
    finally:
        for s in held:
            s.close()
    assert requests.get(srv.url + "/api/health", timeout=10).ok
