"""Background room: work that runs beside requests (day rollover, printing, printer health).

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
from realtime import socketio

log = logging.getLogger(__name__)

ROLLOVER_EVERY_S = 300

TASKS = []
STATE = {"role": "off", "lock": None, "since": None, "pid": os.getpid()}


def task(fn):
    """Register a background task ``fn(app, stop)``; it runs only in the leader process."""
    TASKS.append(fn)
    return fn


@task
def rollover_loop(app, stop=None) -> None:
    """Close tickets left open from earlier business days, every few minutes."""
    stop = stop or threading.Event()
    while not stop.is_set():
        try:
            with app.app_context(), models.connection():
                for office in models.Office.select(models.Office.id):
                    closed = ticketing.close_past_days(office.id)
                    if closed:
                        log.info("Day rollover: %s open tickets of earlier days closed (office %s)", closed, office.id)
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


# --------------------------------------------------------------------------- printing

# How often the print supervisor reads which kiosks have server-reached printers (admin edits
# take effect within this), fails jobs too late to print and notices silent print agents.
PRINTERS_RELOAD_S = 2.0


def public_base_url(app) -> str:
    """Base of QR codes and pairing links: the setting or the first-run setup's choice, else this machine's
    LAN address; never a request's Host header (the first kiosk request used to set it: issue 13 row 9)."""
    import firstrun

    return firstrun.setup_base_url(app)


def open_configured_printer(app):
    """The printer named by the PRINTER setting (``server.py print-test``)."""
    from kiosk import printing

    return printing.open_printer(app.config["PRINTER"], app.config["PRINTER_TIMEOUT"],
                                 profile=app.config.get("PRINTER_PROFILE") or None,
                                 paper_mm=app.config["PAPER_WIDTH_MM"])


def kiosk_print_loop(app, device_id: int, office_id: int, printer_cfg, first: bool, stop) -> None:
    """Print one kiosk's jobs on its server-reached printer and watch its health until ``stop``."""
    from kiosk import printers, printing

    printer = printers.open_for(device_id, printer_cfg, app.config)

    def build(job):
        with app.app_context():
            return printers.ticket_data(models.Ticket.get_by_id(job.ticket_id), public_base_url(app))

    def on_status(oid, poll):
        with app.app_context(), models.connection():
            printers.announce(oid, device_id, printer.name, poll)

    # The PRINTER kiosk of a one-box install also takes the office's jobs bound to no kiosk.
    printing.run_worker(stop, printer, build, office_id=office_id, kiosk_id=device_id, orphans=first,
                        max_age_s=app.config["PRINT_MAX_AGE_S"], on_status=on_status,
                        status_interval=app.config["PRINTER_POLL_S"])


@task
def print_worker(app, stop=None) -> None:
    """Keep one print loop per kiosk whose printer the server reaches; sweep late jobs and silent agents.

    Each kiosk's jobs print only on that kiosk's printer (issue 14); a kiosk whose printer changes
    in the admin gets a new loop within PRINTERS_RELOAD_S.
    """
    from kiosk import printers

    stop = stop or threading.Event()
    running: dict[int, tuple] = {}
    while not stop.is_set():
        wanted = {}
        try:
            with app.app_context(), models.connection():
                first = printers.first_kiosk_id()
                for device, printer in printers.kiosk_printers(app.config).values():
                    if printer.kind == "network":
                        wanted[device.id] = (device.office_id, printer, device.id == first)
                printers.sweep(app.config)
        except Exception:  # keep the loop alive; the error is logged
            log.exception("print supervisor pass failed")
            wanted = {key: spec for key, (spec, _) in running.items()}
        for device_id in list(running):
            if running[device_id][0] != wanted.get(device_id):
                running.pop(device_id)[1].set()
        for device_id, spec in wanted.items():
            if device_id not in running:
                kiosk_stop = threading.Event()
                running[device_id] = (spec, kiosk_stop)
                socketio.start_background_task(kiosk_print_loop, app, device_id, *spec, kiosk_stop)
        stop.wait(PRINTERS_RELOAD_S)
    for _, kiosk_stop in running.values():
        kiosk_stop.set()
