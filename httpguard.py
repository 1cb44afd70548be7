"""Server room (HTTP guard): timeouts and a per-source cap for the eventlet HTTP server.

eventlet's server waits forever for a request line and headers, and hands each connection a slot
of ``MAX_CONNECTIONS``: 22 sockets that send half a request line filled 20 slots and stalled the
whole office until they closed (issue 13 row 5). Here a new connection must send its request line
and headers within ``HEADER_TIMEOUT_S``, an idle keep-alive connection is closed after
``IDLE_TIMEOUT_S``, and one source address may hold at most ``MAX_CONNECTIONS_PER_SOURCE``
connections (further ones are closed at once, freeing their slot). A request being answered, a
long poll or a WebSocket is never cut by these timers: they cover only reading the request head.
"""

from __future__ import annotations

import eventlet
from eventlet import wsgi


class GuardedProtocol(wsgi.HttpProtocol):
    """eventlet's HTTP protocol with a deadline on the request head and a per-source connection cap."""

    header_timeout = 10.0
    idle_timeout = 75.0
    per_source = 0
    counts: dict = {}

    def __init__(self, conn_state, server):
        """Refuse a source already holding its share of connections; otherwise serve as eventlet does."""
        address = conn_state[0]
        source = address[0] if isinstance(address, tuple) else str(address)
        held = self.counts.get(source, 0)
        if self.per_source and held >= self.per_source:
            conn_state[2] = wsgi.STATE_CLOSE
            try:
                conn_state[1].close()
            except OSError:
                pass
            return
        self.counts[source] = held + 1
        self._head_read = False
        try:
            super().__init__(conn_state, server)
        finally:
            left = self.counts.get(source, 1) - 1
            if left > 0:
                self.counts[source] = left
            else:
                self.counts.pop(source, None)

    def _bounded(self, seconds, read, on_timeout):
        """``read()`` within ``seconds``; past that the client is disconnected and ``on_timeout`` returned."""
        timer = eventlet.Timeout(seconds)
        try:
            return read()
        except eventlet.Timeout as exc:
            if exc is not timer:
                raise
            self.close_connection = 1
            return on_timeout
        finally:
            timer.cancel()

    def _read_request_line(self):
        """The request line, within the header timeout (first request) or the idle timeout (keep-alive)."""
        limit = self.idle_timeout if self._head_read else self.header_timeout
        self._head_read = True
        return self._bounded(limit, super()._read_request_line, "")

    def parse_request(self):
        """The headers, within the header timeout; a client that stalls is disconnected."""
        return self._bounded(self.header_timeout, super().parse_request, False)


def protocol_for(config) -> type:
    """A GuardedProtocol class with this server's settings (its own per-source counts)."""
    per_source = int(config.get("MAX_CONNECTIONS_PER_SOURCE") or 0)
    if per_source <= 0:
        per_source = max(1, int(config["MAX_CONNECTIONS"]) // 2)
    return type("OfficeProtocol", (GuardedProtocol,), {
        "header_timeout": float(config.get("HEADER_TIMEOUT_S", 10)),
        "idle_timeout": float(config.get("IDLE_TIMEOUT_S", 75)),
        "per_source": per_source,
        "counts": {},
    })
