"""Background room: work that runs beside requests (the day rollover here; the rooms register theirs:
kiosk.print_worker prints and watches printers, notify.worker sends messages, outbox.push hands
ratings over).

``start(app)`` (called by ``python server.py``) runs ``lead`` in every process: only the process
holding the background lock (leader.py) runs the tasks, so each runs exactly once across processes.
A task is ``fn(app, stop)`` registered with ``@task``: it loops until ``stop`` is set (leadership
lost or shutdown), waits with ``stop.wait(seconds)``, and opens its own database connection.
A task that claims rows (a print queue) should still claim them atomically
(``UPDATE ... WHERE state = 'pending'``): a deposed leader may be mid-step when ``stop`` is set.
"""

from __future__ import annotations

import logging
import os
import threading

import leader
import models
import ticketing
import realtime
from realtime import socketio

log = logging.getLogger(__name__)

ROLLOVER_EVERY_S = 300

TASKS = []
STATE = {"role": "off", "lock": None, "since": None, "pid": os.getpid()}


def task(fn):
    """Register a background task ``fn(app, stop)``; it runs only in the leader process."""
    TASKS.append(fn)
    return fn


def rollover_once(app, now=None) -> int:
    """Close the tickets left open from earlier business days in every office; the screens of an
    office where any closed get their fresh state (a board must not keep calling yesterday's
    number, a console must not keep yesterday's citizen at its counter). Returns how many closed."""
    total = 0
    with app.app_context(), models.connection():
        for office in models.Office.select(models.Office.id):
            closed = ticketing.close_past_days(office.id, now=now)
            if closed:
                log.info("Day rollover: %s open tickets of earlier days closed (office %s)", closed, office.id)
                realtime.office_changed(office.id, kind="rollover")
                total += closed
    return total


@task
def rollover_loop(app, stop=None) -> None:
    """Close tickets left open from earlier business days, every few minutes."""
    stop = stop or threading.Event()
    while not stop.is_set():
        try:
            rollover_once(app)
        except Exception:  # keep the loop alive; the error is logged
            log.exception("rollover failed")
        stop.wait(ROLLOVER_EVERY_S)


def status() -> dict:
    """This process's part in background work, for /api/health: leader, standby or off."""
    return {"role": STATE["role"], "lock": STATE["lock"], "pid": STATE["pid"],
            "since": STATE["since"].isoformat(timespec="seconds") + "Z" if STATE["since"] else None}


def lead(app, stop=None, tasks=None, lock=None) -> None:
    """Take the background lock when free and run every task while holding it; step down when lost."""
    stop = stop or threading.Event()
    tasks = TASKS if tasks is None else tasks
    lock = lock or leader.make_lock(app.config)
    retry = float(app.config.get("LEADER_RETRY_S", 5))
    STATE.update(role="standby", lock=lock.kind, since=None)
    while not stop.is_set():
        if lock.acquire():
            STATE.update(role="leader", since=models.utcnow())
            log.warning("Background leader (pid %s, %s lock): running %s", os.getpid(), lock.kind,
                        ", ".join(t.__name__ for t in tasks))
            tasks_stop = threading.Event()
            for fn in tasks:
                socketio.start_background_task(fn, app, tasks_stop)
            while not stop.is_set() and lock.held():
                stop.wait(retry)
            tasks_stop.set()
            lock.release()
            STATE.update(role="standby", since=None)
            log.warning("Background leadership ended (pid %s)", os.getpid())
        stop.wait(retry)
    STATE.update(role="off", since=None)


def start(app) -> None:
    """Start background work in this process: it runs the tasks only while it is the leader."""
    socketio.start_background_task(lead, app)
