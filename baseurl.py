"""The address QR codes, pairing links and messages point to, and the private files it is kept in.

One home for "which base URL do screens and phones on the LAN use": the ``PUBLIC_BASE_URL``
setting, else the one chosen in the first-run setup (kept in ``INSTANCE_DIR/public_base_url``),
else this machine's LAN address; never a request's Host header (issue 13 row 9). This module
imports no project module, so every room that prints or shows an address can use it without an
import cycle.

Public API: ``FILE``, ``write_private``, ``saved``, ``keep``, ``lan_addresses``, ``public_base_url``.
"""

from __future__ import annotations

import os
import pathlib
import socket

FILE = "public_base_url"


def write_private(path: pathlib.Path, text: str) -> None:
    """Write a file readable by this user only, created so (never world-readable, even for a moment)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)


def saved(instance_dir) -> str:
    """The public base URL chosen in the first-run setup, or ""."""
    try:
        return (pathlib.Path(instance_dir) / FILE).read_text().strip()
    except OSError:
        return ""


def keep(app, base_url: str) -> None:
    """Keep the setup's choice for later starts; use it now unless the setting fixes the address."""
    write_private(pathlib.Path(app.config["INSTANCE_DIR"]) / FILE, base_url + "\n")
    if not app.config.get("PUBLIC_BASE_URL_FIXED"):
        app.config["PUBLIC_BASE_URL"] = base_url


def lan_addresses() -> list[str]:
    """This machine's IPv4 addresses other than loopback (what screens on the LAN use)."""
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
    except OSError:
        return []
    return sorted({info[4][0] for info in infos if not info[4][0].startswith("127.")})


def public_base_url(app) -> str:
    """Base of QR codes and pairing links: the setting (or the setup's choice), else the LAN address."""
    if app.config.get("PUBLIC_BASE_URL"):
        return app.config["PUBLIC_BASE_URL"].rstrip("/")
    host = app.config["HOST"]
    if host in ("0.0.0.0", "::", ""):
        addresses = lan_addresses()
        host = addresses[0] if addresses else "127.0.0.1"
    return f"http://{host}:{app.config['PORT']}"
