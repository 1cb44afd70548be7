"""Go-live room tests (issue 13 row 5): half-open connections cannot starve the office. Against the real
eventlet server: 22 sockets sending half a request line, with MAX_CONNECTIONS=20, do not stall
/api/health for another address, and the server itself closes them after HEADER_TIMEOUT_S."""

from __future__ import annotations

import socket
import time

import pytest
import requests
from requests.adapters import HTTPAdapter


def _half_open(srv, count):
    """``count`` connections from 127.0.0.1 that send half a request line and wait."""
    held = []
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", srv.port), timeout=5, source_address=("127.0.0.1", 0))
        s.sendall(b"GET /api/hea")
        held.append(s)
    return held


class _FromAddress(HTTPAdapter):
    """Requests sent from another loopback address (another PC of the office)."""

    def init_poolmanager(self, *args, **kwargs):
        """Bind outgoing connections to 127.0.0.2."""
        kwargs["source_address"] = ("127.0.0.2", 0)
        super().init_poolmanager(*args, **kwargs)


def _health_from_another_pc(srv, timeout=3):
    """GET /api/health from 127.0.0.2; True when answered in time."""
    session = requests.Session()
    session.mount("http://", _FromAddress())
    try:
        return session.get(srv.url + "/api/health", timeout=timeout).ok
    except requests.RequestException:
        return False


@pytest.mark.slow
def test_half_open_sockets_do_not_stall_health(live_office, live_server_factory):
    """22 half-open sockets from one address, 20 slots: another address is still answered at once."""
    url, _bag = live_office
    srv = live_server_factory(db_url=url, env={"MAX_CONNECTIONS": "20", "BACKGROUND_TASKS": "0",
                                               "HEADER_TIMEOUT_S": "60"})
    held = _half_open(srv, 22)
    try:
        time.sleep(0.3)  # let the server accept them all
        assert _health_from_another_pc(srv)
    finally:
        for s in held:
            s.close()


@pytest.mark.slow
def test_server_closes_a_connection_that_never_finishes_its_request(live_office, live_server_factory):
    """After HEADER_TIMEOUT_S the server hangs up on a half request line (and on headers that never end)."""
    url, _bag = live_office
    srv = live_server_factory(db_url=url, env={"BACKGROUND_TASKS": "0", "HEADER_TIMEOUT_S": "1"})
    line = socket.create_connection(("127.0.0.1", srv.port), timeout=15)
    line.sendall(b"GET /api/hea")
    head = socket.create_connection(("127.0.0.1", srv.port), timeout=15)
    head.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    started = time.monotonic()
    assert line.recv(100) == b""  # closed by the server (a timeout here would raise instead)
    assert head.recv(100) == b""
    assert time.monotonic() - started < 14
    line.close()
    head.close()
    assert requests.get(srv.url + "/api/health", timeout=10).ok


def test_per_source_cap_defaults_to_half_the_connections():
    """One address may hold at most half the slots unless set otherwise."""
    import warnings

    with warnings.catch_warnings():  # eventlet announces its deprecation on import
        warnings.simplefilter("ignore")
        import httpguard

    assert httpguard.protocol_for({"MAX_CONNECTIONS": 20}).per_source == 10
    assert httpguard.protocol_for({"MAX_CONNECTIONS": 20, "MAX_CONNECTIONS_PER_SOURCE": 20}).per_source == 20
