"""Printing room: thermal queue tickets (image, ESC/POS, transports, persistent print queue).

Data flows one way: ticketing queues a ticket's print job in the ticket's own transaction
(``issue_ticket(print_ticket=True)``, ``reprint``); a background worker renders, encodes and
sends it, and tells the caller what changed. Nothing here imports Flask or Socket.IO, and
rendering/encoding never reads the database (the caller's `build_data(job)` hands over a
TicketPrint).

Public API
----------
Data and rendering (kiosk/printing/render.py)
    TicketPrint(*, office_name, field_name, display_number, priority_name=None,
                issued_at_local="", people_ahead=None, estimated_wait_min=None,
                status_url="", footer="", logo=None, english=True)      frozen dataclass
    render_ticket(data, paper_mm=80, width=None) -> PIL.Image (mode "1", 576 / 384 dots wide)
    render_test_page(paper_mm=80, width=None, printed_at="") -> PIL.Image
    ticket_print_from(ticket, office, field, priority=None, *, people_ahead,
                      estimated_wait_min, status_url) -> TicketPrint   (attributes only)
    format_local_time(utc_naive, tz_name="Asia/Ho_Chi_Minh") -> "HH:MM dd/mm/yyyy"
    paper_dots(paper_mm) -> int

ESC/POS (kiosk/printing/encode.py, python-escpos Dummy)
    encode_ticket(image, profile=None, cut=True) -> bytes   ESC @, GS v 0 bands, feed + cut
    ticket_bytes(data, paper_mm=80, profile=None) -> bytes  render + encode
    build_test_page(paper_mm=80, profile=None, printed_at="") -> bytes
    printable_width(paper_mm=80, profile=None) -> int; profile_names() -> list[str]
    Unknown profile names raise ValueError.

Transports (kiosk/printing/transport.py)
    open_printer(url, timeout=5.0, *, profile=None, paper_mm=80, name="default") -> Printer
        url: network://host:9100[?status=0] | usb://0x04b8:0x0202 |
             serial:///dev/ttyUSB0?baudrate=19200 | file:///dev/usb/lp0 | cups://queue |
             win32://Printer Name (untested) | none
        (+ ?profile=TM-T88V&paper=58&name=...). Malformed -> ValueError naming the setting.
    Printer.send(data: bytes) -> None         raises PrinterError within the timeout
    Printer.status() -> {"online": bool, "paper": "ok|low|out|unknown", "message": str}
    Printer.enabled (False for none), .name, .profile, .paper_mm, .close()
    Network/serial/file never block past the timeout (green under eventlet); usb (pyusb)
    and cups (`lp`) are bounded by the same timeout but usb blocks the hub meanwhile.

Which printer a kiosk prints on (kiosk/printing/config.py; pure, issue 14)
    KioskPrinter(kind="none|network|agent|browser", url, paper_mm, profile, inherited)
        .queues_jobs (network, agent), .as_dict()
    resolve(device.settings, *, is_first_kiosk, default_url, default_paper_mm,
            default_profile) -> KioskPrinter      own setting, else PRINTER for the first kiosk
    validate(data) -> (clean, {field: error}); status_name(kiosk_id) -> "kiosk:<id>";
    kiosk_id_of(name); KINDS, KIND_NAMES, KIND_SHORT

Handing jobs to a kiosk's print agent (kiosk/printing/delivery.py; idempotent)
    take(kiosk_id, render, *, holding=(), now=None, limit=10, max_age_s=180)
        -> (deliveries [{id, kind, ticket_id, number, attempt, age_s, max_age_s, data}],
            jobs failed as too old)
    acknowledge(kiosk_id, job_id, "printed|stale|failed", error="") -> JobResult | None
    expire_stale(now=None, max_age_s=180, *, kiosk_id=None) -> list[JobResult]

Print queue (kiosk/printing/jobs.py; uses models.connection / models.write_transaction)
    enqueue_test(office_id, *, kiosk_id=None, now=None) -> job id
    process_pending(printer, build_data, now=None, *, office_id=None, kiosk_id=None,
                    limit=10, max_attempts=6, max_age_s=180, orphans=False) -> list[JobResult]
        build_data(job: PrintJob) -> TicketPrint; sends outside transactions; on failure the
        job goes back to pending with back-off 2, 4, 8 ... 60 s, or failed.
    poll_status(printer, office_id, now=None) -> StatusPoll  (truthy when online/paper changed;
        .status, .previous)
    record_status(office_id, name, status, now=None) -> StatusPoll
    status_rows(office_id) -> [{name, kiosk_id, kiosk_name, label, online, paper, ...}]
    run_worker(stop_event, printer, build_data, *, office_id=None, kiosk_id=None,
               interval=1.0, status_interval=15.0, on_jobs=None, on_status=None) -> None
        loop for socketio.start_background_task; on_jobs(list[JobResult]),
        on_status(office_id, StatusPoll) are where the caller emits.
"""

# Names are loaded on first use (PEP 562): the print agent on a kiosk PC imports
# kiosk.printing.transport without the server's packages (peewee for the queue, Flask).
_HOMES = {
    "encode": ("build_test_page", "encode_ticket", "printable_width", "profile_names", "ticket_bytes"),
    "jobs": ("JobResult", "StatusPoll", "backoff_seconds", "enqueue_test", "poll_status", "process_pending",
             "record_status", "run_worker"),
    "render": ("TicketPrint", "format_local_time", "paper_dots", "render_test_page", "render_ticket",
               "ticket_print_from"),
    "transport": ("Printer", "PrinterError", "open_printer"),
    "config": ("KioskPrinter",),
}
_WHERE = {name: module for module, names in _HOMES.items() for name in names}

__all__ = sorted(_WHERE)


def __getattr__(name: str):
    """Import the submodule holding ``name`` when it is first asked for."""
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
