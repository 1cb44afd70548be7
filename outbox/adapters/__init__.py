"""Outbox room, adapters: one module per province format; ``generic`` is the documented contract.

An adapter is a module with:

- ``NAME``: its Vietnamese name for the admin page;
- ``push_request(item, office) -> (body: bytes, headers: dict)``: the HTTP body of one outbox
  record and the headers the format adds (the push adds the signature, the idempotency key, the
  event and the timestamp itself, so every format is signed alike);
- ``COLUMNS`` and ``row(item) -> list``: one record as a flat row (CSV and xlsx exports).

To add a province: write ``outbox/adapters/<name>.py`` and add it to ``ADAPTERS``.
"""

from __future__ import annotations

from . import generic

ADAPTERS = {"generic": generic}


def get(name: str):
    """The adapter called ``name`` (the generic one for an unknown name)."""
    return ADAPTERS.get(name) or generic


def choices() -> dict[str, str]:
    """Adapter name -> its Vietnamese name, for the settings page."""
    return {key: module.NAME for key, module in ADAPTERS.items()}
