"""Background room: work that runs beside requests (day rollover, printing, printer health).

Started once by ``python server.py``. Each task opens its own database connection.
"""

from __future__ import annotations

import logging
import time

import models
import ticketing
from realtime import socketio

log = logging.getLogger(__name__)

ROLLOVER_EVERY_S = 300


def rollover_loop(app, stop=None) -> None:
    """Close tickets left open from earlier business days, every few minutes."""
    while stop is None or not stop.is_set():
        try:
            with app.app_context(), models.connection():
                for office in models.Office.select(models.Office.id):
                    closed = ticketing.close_past_days(office.id)
                    if closed:
                        log.info("Day rollover: %s open tickets of earlier days closed (office %s)", closed, office.id)
        except Exception:  # keep the loop alive; the error is logged
            log.exception("rollover failed")
        time.sleep(ROLLOVER_EVERY_S)


def start(app) -> None:
    """Start every background task."""
    socketio.start_background_task(rollover_loop, app)
