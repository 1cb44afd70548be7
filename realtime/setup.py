"""Realtime room, setup: the one Socket.IO instance and how it binds to the app."""

from __future__ import annotations

from flask_socketio import SocketIO

from security import origin_checker

socketio = SocketIO()
# Called with each new Socket.IO server once bound (realtime.identity adds its queue listener hook).
after_init: list = []


def init_app(app) -> None:
    """Bind Socket.IO to the app with the configured async mode and message queue."""
    socketio.init_app(
        app,
        async_mode=app.config["ASYNC_MODE"],
        message_queue=app.config.get("SOCKETIO_MESSAGE_QUEUE") or None,
        # Redis pub/sub channels ignore the db number: deployments sharing one Redis need their own.
        channel=app.config.get("SOCKETIO_CHANNEL") or "flask-socketio",
        # A browser's handshake must come from our own pages (issue 13 row 6): security.origin_checker.
        cors_allowed_origins=origin_checker(app.config),
        ping_interval=10,
        ping_timeout=10,
        max_http_buffer_size=64 * 1024,
    )
    for hook in after_init:
        hook(socketio.server)
    app.wsgi_app = _uncompressed_websockets(app.wsgi_app)


def _uncompressed_websockets(wsgi_app):
    """The WSGI app with WebSocket compression (permessage-deflate) declined at the handshake.

    Every browser offers it and eventlet accepts, and then deflates each frame once per socket
    with a zlib state per socket: with 500 boards in one room that was 117 against 69 ms of
    server CPU per call + finish and 208 against 122 MiB (BENCHMARKS.md, "Live display fan-out").
    An update is about a kilobyte on the office's own network: sending it plain costs nothing.
    """

    def handler(environ, start_response):
        """Drop the client's offer of WebSocket extensions; eventlet then compresses nothing."""
        environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
        return wsgi_app(environ, start_response)

    return handler
