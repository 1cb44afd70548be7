"""Printing room: handing a kiosk's print jobs to its print agent, and the agent's answers.

The agent (``python -m kiosk.agent``) runs on the kiosk PC and takes the kiosk's jobs: either
pushed over Socket.IO or fetched over HTTP, both through :func:`take`. Delivery is idempotent:

- ``take`` hands out every due job of the kiosk that the agent does not say it is holding,
  including jobs delivered before whose answer never came (a cut connection, a server
  restart): the agent keeps a journal of what it printed, so a job delivered twice is
  answered again, never printed twice;
- ``acknowledge`` records ``printed`` / ``stale`` / ``failed`` and may be sent any number of
  times; a job once printed stays printed.

The stale rule is kept at both ends: a job older than ``max_age_s`` is not handed out (it is
marked failed, "Quá hạn in"), and the agent does not print a job that reaches it too late.
Nothing here renders or emits: ``render(job) -> bytes`` comes from the caller.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable

import models
from models import PrintJob, Ticket

from .jobs import LEASE_S, MAX_AGE_S, MAX_ATTEMPTS, JobResult, backoff_seconds

RESULTS = ("printed", "stale", "failed")
STALE_TEXT = "Quá hạn in sau {age:.0f} giây: phiếu không được in (quá muộn, công dân đã đi)."


def _result(job: PrintJob, state: str, error: str = "", next_at=None) -> JobResult:
    """A JobResult for a job after a change."""
    return JobResult(job_id=job.id, office_id=job.office_id, ticket_id=job.ticket_id, kind=job.kind,
                     state=state, attempts=job.attempts, error=error[:300], next_attempt_at=next_at)


def expire_stale(now: dt.datetime | None = None, max_age_s: float = MAX_AGE_S, *,
                 kiosk_id: int | None = None) -> list[JobResult]:
    """Mark jobs too old to print as failed (nobody is printing them: lease over or never taken)."""
    now = now or models.utcnow()
    oldest = now - dt.timedelta(seconds=max_age_s)
    query = (PrintJob.select()
             .where(PrintJob.state.in_(("pending", "printing")),
                    PrintJob.next_attempt_at <= now,
                    PrintJob.created_at < oldest))
    if kiosk_id is not None:
        query = query.where(PrintJob.kiosk == kiosk_id)
    results = []
    with models.connection():
        for job in list(query):
            age = (now - job.created_at).total_seconds()
            error = STALE_TEXT.format(age=age)
            with models.write_transaction():
                changed = (PrintJob.update(state="failed", last_error=error[:300])
                           .where(PrintJob.id == job.id, PrintJob.state == job.state,
                                  PrintJob.next_attempt_at <= now)
                           .execute())
            if changed:
                results.append(_result(job, "failed", error))
    return results


def take(kiosk_id: int, render: Callable[[PrintJob], bytes], *, holding=(), now: dt.datetime | None = None,
         limit: int = 10, max_age_s: float = MAX_AGE_S) -> tuple[list[dict], list[JobResult]]:
    """Claim the kiosk's due jobs for its agent; (deliveries, jobs failed here as too old).

    A delivery is ``{id, kind, ticket_id, number, attempt, age_s, max_age_s, data}`` with the
    ESC/POS bytes in base64. ``holding``: ids the agent is printing or has answered but not yet
    had confirmed; those are not handed out again.
    """
    now = now or models.utcnow()
    held = {int(i) for i in holding if isinstance(i, int) and not isinstance(i, bool)}
    failed = expire_stale(now, max_age_s, kiosk_id=kiosk_id)
    deliveries = []
    with models.connection():
        due = list(PrintJob
                   .select(PrintJob.id, PrintJob.state, PrintJob.attempts)
                   .where(PrintJob.kiosk == kiosk_id,
                          (PrintJob.state == "printing")
                          | ((PrintJob.state == "pending") & (PrintJob.next_attempt_at <= now)))
                   .order_by(PrintJob.id)
                   .limit(limit + len(held))
                   .tuples())
        for job_id, state, attempts in due:
            if job_id in held or len(deliveries) >= limit:
                continue
            with models.write_transaction():
                # The agent is the kiosk's only printer: a job leased to it and not held any more
                # was lost on the way, so it is handed out again at once, lease or not.
                taken = (PrintJob
                         .update(state="printing", attempts=PrintJob.attempts + 1,
                                 next_attempt_at=now + dt.timedelta(seconds=LEASE_S))
                         .where(PrintJob.id == job_id, PrintJob.state == state,
                                PrintJob.attempts == attempts)
                         .execute())
                job = PrintJob.get_by_id(job_id) if taken else None
            if job is None:
                continue
            try:
                data = render(job)
            except Exception as exc:  # noqa: BLE001 - a ticket that cannot be drawn must not block the rest
                with models.write_transaction():
                    (PrintJob.update(state="failed", last_error=f"Không tạo được phiếu: {exc}"[:300])
                     .where(PrintJob.id == job.id).execute())
                failed.append(_result(job, "failed", f"Không tạo được phiếu: {exc}"))
                continue
            number = None
            if job.ticket_id:
                number = Ticket.select(Ticket.display_number).where(Ticket.id == job.ticket_id).scalar()
            deliveries.append({
                "id": job.id, "kind": job.kind, "ticket_id": job.ticket_id, "number": number,
                "attempt": job.attempts, "age_s": round((now - job.created_at).total_seconds(), 1),
                "max_age_s": max_age_s, "data": base64.b64encode(data).decode("ascii"),
            })
    return deliveries, failed


def acknowledge(kiosk_id: int, job_id: int, result: str, error: str = "", *, now: dt.datetime | None = None,
                max_attempts: int = MAX_ATTEMPTS) -> JobResult | None:
    """Record the agent's answer for one of its kiosk's jobs; None when there is no such job.

    ``printed`` marks it done (also a job meanwhile failed here: the paper is out of the printer),
    ``stale`` marks it failed as too late, ``failed`` (a printer error) puts it back with back-off
    or fails it after ``max_attempts``. Answering again changes nothing.
    """
    if result not in RESULTS:
        raise ValueError(f"result must be one of {', '.join(RESULTS)}")
    now = now or models.utcnow()
    error = (error or "")[:300]
    with models.connection(), models.write_transaction():
        job = PrintJob.get_or_none((PrintJob.id == job_id) & (PrintJob.kiosk == kiosk_id))
        if job is None:
            return None
        if job.state == "done":
            return _result(job, "done")
        if result == "printed":
            PrintJob.update(state="done", printed_at=now, last_error="").where(PrintJob.id == job.id).execute()
            return _result(job, "done")
        if job.state == "failed":
            return _result(job, "failed", job.last_error)
        if result == "stale":
            age = (now - job.created_at).total_seconds()
            text = error or STALE_TEXT.format(age=age)
            PrintJob.update(state="failed", last_error=text[:300]).where(PrintJob.id == job.id).execute()
            return _result(job, "failed", text)
        if job.attempts >= max_attempts:
            PrintJob.update(state="failed", last_error=error).where(PrintJob.id == job.id).execute()
            return _result(job, "failed", error)
        next_at = now + dt.timedelta(seconds=backoff_seconds(job.attempts))
        (PrintJob.update(state="pending", last_error=error, next_attempt_at=next_at)
         .where(PrintJob.id == job.id).execute())
        return _result(job, "pending", error, next_at)
