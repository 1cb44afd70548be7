"""Printing room: the persistent print queue (PrintJob) and the printer health row (PrinterStatus).

One short write transaction per state change, and the printer I/O always happens between
transactions: a held SQLite write lock would freeze every greenlet under eventlet. Nothing here
emits Socket.IO; return values (and run_worker's callbacks) tell the caller what changed.

Job life: pending -> printing (claimed, attempts += 1, leased until next_attempt_at)
-> done | pending again with back-off | failed (too many attempts, too old, or unprintable).
A job left in "printing" by a crashed worker is taken again once its lease runs out.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import models
from models import Office, PrinterStatus, PrintJob

from .encode import build_test_page, ticket_bytes
from .render import TicketPrint, format_local_time
from .transport import MESSAGES, Printer, PrinterError, PrinterUnconfirmed

log = logging.getLogger("motcua.printing")

RETRY_BASE_S = 2.0  # first retry after 2 s, then 4, 8, ... (a citizen is waiting at the kiosk)
RETRY_MAX_S = 60.0
MAX_ATTEMPTS = 6
# A ticket that comes out minutes late confuses the next person at the kiosk: give up instead
# (the kiosk screen already showed the number).
MAX_AGE_S = 180.0
LEASE_S = 60.0

BuildData = Callable[[PrintJob], TicketPrint]


@dataclass(frozen=True)
class JobResult:
    """What happened to one job in process_pending."""

    job_id: int
    office_id: int
    ticket_id: int | None
    kind: str
    state: str  # done | pending (retry scheduled) | failed
    attempts: int
    error: str = ""
    next_attempt_at: dt.datetime | None = None


@dataclass(frozen=True)
class StatusPoll:
    """Result of poll_status; truthy when online or paper changed (worth an alert)."""

    changed: bool
    status: dict
    previous: dict | None

    def __bool__(self) -> bool:
        """True when the caller should tell the screens."""
        return self.changed


def backoff_seconds(attempts: int) -> float:
    """Delay before the next try after `attempts` failed tries: 2, 4, 8, ... capped at 60 s."""
    return min(RETRY_MAX_S, RETRY_BASE_S * 2 ** max(0, attempts - 1))


def enqueue_test(office_id: int, *, kiosk_id: int | None = None,
                 now: dt.datetime | None = None) -> int:
    """Queue a test page for an office's printer (admin "print test"); job id."""
    with models.connection(), models.write_transaction():
        job = PrintJob.create(office=office_id, kiosk=kiosk_id, kind="test",
                              next_attempt_at=now or models.utcnow(),
                              created_at=now or models.utcnow())
    return job.id


def _due(now: dt.datetime, office_id: int | None, kiosk_id: int | None, limit: int,
         orphans: bool = False) -> list:
    """Ids and states of jobs due now, oldest first (read only, no transaction).

    ``orphans``: with ``kiosk_id``, also the office's jobs bound to no kiosk (queued before
    kiosks had printers of their own): the PRINTER kiosk of a one-box install takes them.
    """
    query = (PrintJob
             .select(PrintJob.id, PrintJob.state)
             .where(PrintJob.state.in_(("pending", "printing")),
                    PrintJob.next_attempt_at <= now))
    if office_id is not None:
        query = query.where(PrintJob.office == office_id)
    if kiosk_id is not None and orphans:
        query = query.where((PrintJob.kiosk == kiosk_id) | PrintJob.kiosk.is_null())
    elif kiosk_id is not None:
        query = query.where(PrintJob.kiosk == kiosk_id)
    return list(query.order_by(PrintJob.id).limit(limit).tuples())


def _claim(job_id: int, state: str, now: dt.datetime) -> PrintJob | None:
    """Take a job if nobody else did meanwhile (conditional UPDATE); the row, or None."""
    with models.write_transaction():
        taken = (PrintJob
                 .update(state="printing", attempts=PrintJob.attempts + 1,
                         next_attempt_at=now + dt.timedelta(seconds=LEASE_S))
                 .where(PrintJob.id == job_id, PrintJob.state == state,
                        PrintJob.next_attempt_at <= now)
                 .execute())
        if not taken:
            return None
        return PrintJob.get_by_id(job_id)


def _finish(job: PrintJob, state: str, now: dt.datetime, error: str = "",
            next_at: dt.datetime | None = None) -> JobResult:
    """Record the outcome of one try in its own transaction."""
    fields = {"state": state, "last_error": error[:300]}
    if state == "done":
        fields["printed_at"] = now
    if next_at is not None:
        fields["next_attempt_at"] = next_at
    with models.write_transaction():
        (PrintJob.update(**fields)
         .where(PrintJob.id == job.id, PrintJob.state == "printing")
         .execute())
    return JobResult(job_id=job.id, office_id=job.office_id, ticket_id=job.ticket_id,
                     kind=job.kind, state=state, attempts=job.attempts, error=error[:300],
                     next_attempt_at=next_at)


def _job_bytes(job: PrintJob, printer: Printer, build_data: BuildData, now: dt.datetime) -> bytes:
    """ESC/POS bytes for a job: a test page, or the ticket from the caller's data."""
    if job.kind == "test":
        office_tz = (Office.select(Office.timezone).where(Office.id == job.office_id).scalar()
                     or "Asia/Ho_Chi_Minh")
        return build_test_page(printer.paper_mm, printer.profile,
                               printed_at=format_local_time(now, office_tz))
    return ticket_bytes(build_data(job), paper_mm=printer.paper_mm, profile=printer.profile)


def process_pending(printer: Printer, build_data: BuildData, now: dt.datetime | None = None, *,
                    office_id: int | None = None, kiosk_id: int | None = None, limit: int = 10,
                    max_attempts: int = MAX_ATTEMPTS, max_age_s: float = MAX_AGE_S,
                    orphans: bool = False) -> list[JobResult]:
    """Print the jobs due at `now`; returns one JobResult per job touched.

    `build_data(job)` returns the TicketPrint for a ticket job (it may read the database; it is
    called outside any transaction). The pass stops at the first printer failure: the next job
    would most likely fail the same way and each try can cost the full timeout.
    """
    now = now or models.utcnow()
    results: list[JobResult] = []
    with models.connection():
        for job_id, state in _due(now, office_id, kiosk_id, limit, orphans):
            job = _claim(job_id, state, now)
            if job is None:
                continue  # another worker took it
            if not printer.enabled:
                results.append(_finish(job, "failed", now, MESSAGES["disabled"]))
                continue
            age = (now - job.created_at).total_seconds()
            if age > max_age_s:
                error = job.last_error or ""
                results.append(_finish(job, "failed", now,
                                       f"Quá hạn in sau {age:.0f} giây. {error}".strip()))
                continue
            try:
                data = _job_bytes(job, printer, build_data, now)
            except Exception as exc:
                log.exception("print job %s: cannot render", job.id)
                results.append(_finish(job, "failed", now, f"Không tạo được phiếu: {exc}"))
                continue
            try:
                printer.send(data)  # outside any transaction, bounded by the printer timeout
            except PrinterError as exc:
                log.warning("print job %s attempt %s failed: %s", job.id, job.attempts, exc)
                if isinstance(exc, PrinterUnconfirmed) or job.attempts >= max_attempts:
                    # Unconfirmed: the ticket may be on paper already; a clerk can reprint it.
                    results.append(_finish(job, "failed", now, str(exc)))
                else:
                    next_at = now + dt.timedelta(seconds=backoff_seconds(job.attempts))
                    results.append(_finish(job, "pending", now, str(exc), next_at))
                break
            results.append(_finish(job, "done", now))
    return results


def poll_status(printer: Printer, office_id: int, now: dt.datetime | None = None) -> StatusPoll:
    """Ask the printer for its health and store it in PrinterStatus (office, printer.name)."""
    status = printer.status()  # printer I/O before any transaction
    return record_status(office_id, printer.name, status, now)


def record_status(office_id: int, name: str, status: dict,
                  now: dt.datetime | None = None) -> StatusPoll:
    """Store an already-read status; changed means online or paper differ from the stored row."""
    now = now or models.utcnow()
    with models.connection(), models.write_transaction():
        row = (PrinterStatus.select()
               .where(PrinterStatus.office == office_id, PrinterStatus.name == name)
               .first())
        previous = None
        if row is None:
            PrinterStatus.create(office=office_id, name=name, online=status["online"],
                                 paper=status["paper"], message=status["message"][:300],
                                 checked_at=now)
        else:
            previous = {"online": row.online, "paper": row.paper, "message": row.message}
            (PrinterStatus.update(online=status["online"], paper=status["paper"],
                                  message=status["message"][:300], checked_at=now)
             .where(PrinterStatus.id == row.id)
             .execute())
    changed = previous is None or (previous["online"], previous["paper"]) != (
        status["online"], status["paper"])
    return StatusPoll(changed=changed, status=dict(status), previous=previous)


def _office_ids() -> list[int]:
    """Ids of every office (a printer shared by the whole server reports to each)."""
    with models.connection():
        return [row[0] for row in Office.select(Office.id).order_by(Office.id).tuples()]


def run_worker(stop_event, printer: Printer, build_data: BuildData, *,
               office_id: int | None = None, kiosk_id: int | None = None,
               orphans: bool = False, max_age_s: float = MAX_AGE_S,
               interval: float = 1.0,
               status_interval: float = 15.0,
               on_jobs: Callable[[list[JobResult]], None] | None = None,
               on_status: Callable[[int, StatusPoll], None] | None = None) -> None:
    """Print due jobs every `interval` s and poll status every `status_interval` s until stopped.

    Start it as a background task (socketio.start_background_task). It only sleeps with
    time.sleep (green under eventlet's monkey patching), checks `stop_event.is_set()` between
    short naps, and survives errors so a database hiccup does not end printing for the day.
    `office_id` / `kiosk_id` limit the jobs taken (one worker per kiosk printer; `orphans`
    as in process_pending). `on_jobs(results)` is called when a pass touched jobs; `on_status(office_id, poll)` when a
    status changed: the place for the caller to emit to the screens.
    """
    next_status = time.monotonic()
    while not stop_event.is_set():
        try:
            results = process_pending(printer, build_data, office_id=office_id,
                                      kiosk_id=kiosk_id, orphans=orphans, max_age_s=max_age_s)
            if results and on_jobs is not None:
                on_jobs(results)
            if status_interval and time.monotonic() >= next_status:
                next_status = time.monotonic() + status_interval
                status = printer.status()
                for oid in [office_id] if office_id is not None else _office_ids():
                    poll = record_status(oid, printer.name, status)
                    if poll and on_status is not None:
                        on_status(oid, poll)
        except Exception:
            log.exception("print worker pass failed")
        wake = time.monotonic() + interval
        while not stop_event.is_set() and time.monotonic() < wake:
            time.sleep(min(0.2, max(0.0, wake - time.monotonic())))


def status_rows(office_id: int) -> list[dict]:
    """The office's printers and their health; a kiosk's printer names its kiosk (issue 14)."""
    from models import Device

    from .config import kiosk_id_of

    with models.connection():
        rows = list(PrinterStatus.select().where(PrinterStatus.office == office_id).order_by(PrinterStatus.id))
        ids = [i for i in (kiosk_id_of(r.name) for r in rows) if i is not None]
        names = dict(Device.select(Device.id, Device.name).where(Device.id.in_(ids)).tuples()) if ids else {}
    result = []
    for row in rows:
        kiosk_id = kiosk_id_of(row.name)
        kiosk_name = names.get(kiosk_id) if kiosk_id is not None else None
        result.append({
            "name": row.name, "kiosk_id": kiosk_id, "kiosk_name": kiosk_name,
            "label": f"Máy in {kiosk_name}" if kiosk_name else "Máy in phiếu",
            "online": row.online, "paper": row.paper, "message": row.message,
            "checked_at": row.checked_at.isoformat(timespec="seconds") + "Z" if row.checked_at else None,
        })
    return result
