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

PRINTER_MESSAGES = {
    "out": ("paper_out", "error", "Máy in phiếu đã hết giấy. Hãy thay cuộn giấy."),
    "low": ("paper_low", "warning", "Máy in phiếu sắp hết giấy."),
}


def printer_alert(status: dict) -> tuple[str, str, str]:
    """(kind, level, Vietnamese message) for a printer status; level "ok" clears the alert."""
    # A printer out of paper also reports itself offline: name the cause staff can fix.
    if status.get("paper") in PRINTER_MESSAGES:
        return PRINTER_MESSAGES[status["paper"]]
    if not status.get("online"):
        return "printer_offline", "error", "Máy in phiếu không phản hồi (mất kết nối hoặc tắt nguồn)."
    return "printer_ok", "ok", "Máy in phiếu đã hoạt động bình thường."


def public_base_url(app) -> str:
    """Base of QR codes and pairing links: the setting or the first-run setup's choice, else this machine's
    LAN address; never a request's Host header (the first kiosk request used to set it: issue 13 row 9)."""
    import firstrun

    return firstrun.setup_base_url(app)


def ticket_print_data(app, job):
    """Everything the printer needs for one job's ticket, read from the database here."""
    from kiosk import printing

    ticket = models.Ticket.get_by_id(job.ticket_id)
    office = models.Office.get_by_id(ticket.office_id)
    field = models.Field.get_by_id(ticket.field_id)
    priority = models.PriorityCategory.get_or_none(models.PriorityCategory.id == ticket.priority_id)
    ahead = ticketing.people_ahead(ticket)
    wait_s = ticketing.estimated_wait_seconds(ahead, field.id, office)
    return printing.ticket_print_from(
        ticket, office, field, priority, people_ahead=ahead, estimated_wait_min=round(wait_s / 60),
        status_url=f"{public_base_url(app)}/t/{ticket.public_token}",
    )


def open_configured_printer(app):
    """The printer named by the PRINTER setting."""
    from kiosk import printing

    return printing.open_printer(app.config["PRINTER"], app.config["PRINTER_TIMEOUT"],
                                 profile=app.config.get("PRINTER_PROFILE") or None,
                                 paper_mm=app.config["PAPER_WIDTH_MM"])


@task
def print_worker(app, stop=None) -> None:
    """Print queued tickets and watch the printer's health; alerts go to every staff screen."""
    import realtime
    from kiosk import printing

    if app.config.get("PRINTER", "none") == "none":
        return
    stop = stop or threading.Event()
    printer = open_configured_printer(app)

    def build(job):
        with app.app_context():
            if job.ticket_id is None:
                return printing.TicketPrint(office_name="motcua", field_name="Trang in thử / Test page",
                                            display_number="0000", footer="In thử máy in")
            return ticket_print_data(app, job)

    def on_status(office_id, poll):
        kind, level, message = printer_alert(poll.status)
        with app.app_context(), models.connection():
            realtime.alert(office_id, kind, message, level=level, printer=dict(poll.status, name=printer.name))

    printing.run_worker(stop, printer, build, on_status=on_status, status_interval=app.config["PRINTER_POLL_S"])
