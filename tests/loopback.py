"""A loopback HTTP endpoint for the tests of what the server pushes out (the booking notifier's
webhook, the ratings outbox): a plain accept loop with a short timeout and a thread per
connection, not socketserver's serve_forever, whose shutdown() never returns once another test
has let eventlet patch the process (tests/printing/test_printing_eventlet.py)."""

from __future__ import annotations

import http.server
import socket
import threading


class LoopbackHTTP:
    """Answers each POST with ``answer(headers, body) -> status`` on a free loopback port, at ``url``."""

    def __init__(self, answer, path="/hook"):
        """Start listening in a thread."""
        self.release = threading.Event()  # set by stop(): an answer held back by ``answer`` may go

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the http.server hook's name
                """Read the body, let ``answer`` decide the status."""
                body = self.rfile.read(int(self.headers["Content-Length"]))
                self.send_response(answer(self.headers, body))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                """Quiet."""

        self.handler = Handler
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.05)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}{path}"
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        """Accept connections until stopped; each is answered in a thread of its own."""
        while not self.stopped.is_set():
            try:
                conn, address = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(10)
            threading.Thread(target=self._answer, args=(conn, address), daemon=True).start()

    def _answer(self, conn, address):
        """One connection's requests."""
        with conn:
            try:
                self.handler(conn, address, self)
            except OSError:
                pass  # the sender gave up and closed (a slow answer)

    def stop(self):
        """Stop accepting and let held answers go."""
        self.release.set()
        self.stopped.set()
        self.thread.join(timeout=5)
        self.sock.close()
