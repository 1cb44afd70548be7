"""Kiosk room: the server's print loops, a background task (runs only in the leader process).

One loop per kiosk whose printer the server reaches (a network printer); kiosks with a local
printer are served by their print agent (kiosk.agent) instead. The supervisor also fails jobs too
late to print and notices silent agents. Registered with ``background.task`` when the kiosk
blueprint loads.
"""

from __future__ import annotations

import logging
import threading

import background
import baseurl
import models
from kiosk import printers, printing
from realtime import socketio

log = logging.getLogger(__name__)

# How often the print supervisor reads which kiosks have server-reached printers (admin edits
# take effect within this), fails jobs too late to print and notices silent print agents.
PRINTERS_RELOAD_S = 2.0


def open_configured_printer(app):
    """The printer named by the PRINTER setting (``server.py print-test``)."""
    return printing.open_printer(app.config["PRINTER"], app.config["PRINTER_TIMEOUT"],
                                 profile=app.config.get("PRINTER_PROFILE") or None,
                                 paper_mm=app.config["PAPER_WIDTH_MM"])


def kiosk_print_loop(app, device_id: int, office_id: int, printer_cfg, first: bool, stop) -> None:
    """Print one kiosk's jobs on its server-reached printer and watch its health until ``stop``."""
    printer = printers.open_for(device_id, printer_cfg, app.config)

    def build(job):
        with app.app_context():
            return printers.ticket_data(models.Ticket.get_by_id(job.ticket_id), baseurl.public_base_url(app))

    def on_status(oid, poll):
        with app.app_context(), models.connection():
            printers.announce(oid, device_id, printer.name, poll)

    # The PRINTER kiosk of a one-box install also takes the office's jobs bound to no kiosk.
    printing.run_worker(stop, printer, build, office_id=office_id, kiosk_id=device_id, orphans=first,
                        max_age_s=app.config["PRINT_MAX_AGE_S"], on_status=on_status,
                        status_interval=app.config["PRINTER_POLL_S"])


@background.task
def print_worker(app, stop=None) -> None:
    """Keep one print loop per kiosk whose printer the server reaches; sweep late jobs and silent agents.

    Each kiosk's jobs print only on that kiosk's printer (issue 14); a kiosk whose printer changes
    in the admin gets a new loop within PRINTERS_RELOAD_S.
    """
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
