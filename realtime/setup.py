"""Realtime room, setup: the one Socket.IO instance and how it binds to the app."""

from __future__ import annotations

from flask_socketio import SocketIO

socketio = SocketIO()


def init_app(app) -> None:
    """Bind Socket.IO to the app with the configured async mode and message queue."""
    socketio.init_app(
        app,
        async_mode=app.config["ASYNC_MODE"],
        message_queue=app.config.get("SOCKETIO_MESSAGE_QUEUE") or None,
        # Redis pub/sub channels ignore the db number: deployments sharing one Redis need their own.
        channel=app.config.get("SOCKETIO_CHANNEL") or "flask-socketio",
        cors_allowed_origins=app.config.get("SOCKETIO_CORS") or [],
        ping_interval=10,
        ping_timeout=10,
        max_http_buffer_size=64 * 1024,
    )
