"""End-to-end room: the real eventlet server declines WebSocket compression (permessage-deflate),
which every browser offers. Accepted, the server deflated every frame once per socket with a
zlib state per socket: 0.59x the fan-out CPU and 0.59x the memory without it, 500 boards
(BENCHMARKS.md, "Live display fan-out")."""

import base64
import os
import socket


def handshake(url: str, offer: str | None) -> str:
    """The server's answer head to a WebSocket upgrade of Engine.IO, offering ``offer`` extensions."""
    host, port = url.removeprefix("http://").split(":")
    key = base64.b64encode(os.urandom(16)).decode()
    lines = ["GET /socket.io/?EIO=4&transport=websocket HTTP/1.1", f"Host: {host}:{port}", "Upgrade: websocket",
             "Connection: Upgrade", f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13"]
    if offer:
        lines.append(f"Sec-WebSocket-Extensions: {offer}")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = sock.recv(4096)
            if not chunk:
                break
            head += chunk
    return head.split(b"\r\n\r\n")[0].decode("latin-1")


def test_a_browsers_offer_of_compression_is_declined(live_server_factory, live_office):
    """Chromium's own offer: the upgrade succeeds and names no extension."""
    server = live_server_factory(live_office[0])
    head = handshake(server.url, "permessage-deflate; client_max_window_bits")
    assert head.startswith("HTTP/1.1 101"), head
    assert "sec-websocket-extensions" not in head.lower(), head
