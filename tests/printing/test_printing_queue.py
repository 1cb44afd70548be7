"""Printing room: the persistent print queue and printer status rows, on a temp SQLite file."""

import datetime as dt
import threading
import time

import zxingcpp

import models
import ticketing
from kiosk.printing import (
    backoff_seconds,
    enqueue_test,
    open_printer,
    poll_status,
    process_pending,
    run_worker,
)
from models import PrinterStatus, PrintJob

T0 = dt.datetime(2025, 11, 27, 1, 15)
TIMEOUT = 0.5


def job_row(job_id):
    """Fresh copy of a PrintJob row."""
    with models.connection():
        return PrintJob.get_by_id(job_id)


def later(seconds):
    """T0 plus some seconds."""
    return T0 + dt.timedelta(seconds=seconds)


def test_issuing_with_printing_queues_one_pending_job(office_row):
    office, field = office_row
    with models.connection():
        ticket = ticketing.issue_ticket(office.id, field.id, print_ticket=True, now=T0).ticket
        [job] = PrintJob.select().where(PrintJob.ticket == ticket.id)
    assert (job.state, job.attempts, job.kind, job.office_id, job.next_attempt_at) == (
        "pending", 0, "ticket", office.id, T0)


def test_due_job_is_printed_and_marked_done(make_ticket_row, make_print_job, build_data, fake_printer,
                                            decode_raster):
    ticket = make_ticket_row()
    job_id = make_print_job(ticket, now=T0)
    results = process_pending(open_printer(fake_printer.url, TIMEOUT), build_data, now=T0)
    assert [(r.job_id, r.state) for r in results] == [(job_id, "done")]
    job = job_row(job_id)
    assert (job.state, job.attempts, job.printed_at) == ("done", 1, T0)
    time.sleep(0.1)
    image = decode_raster(fake_printer.printed[0])
    url = f"https://motcua.test/t/{ticket.public_token}"
    assert [r.text for r in zxingcpp.read_barcodes(image.convert("L"))] == [url]


def test_paper_out_is_retried_with_back_off_then_printed_once(make_print_job, build_data,
                                                             fake_printer):
    printer = open_printer(fake_printer.url, TIMEOUT)
    job_id = make_print_job(now=T0)
    fake_printer.mode = "paper_out"
    [failed] = process_pending(printer, build_data, now=T0)
    job = job_row(job_id)
    assert (failed.state, job.state, job.attempts) == ("pending", "pending", 1)
    assert "hết giấy" in job.last_error
    assert job.next_attempt_at == later(backoff_seconds(1))
    assert process_pending(printer, build_data, now=later(1)) == []  # not due yet
    fake_printer.mode = "ok"
    [done] = process_pending(printer, build_data, now=later(3))
    assert (done.state, job_row(job_id).attempts) == ("done", 2)
    time.sleep(0.1)
    assert len(fake_printer.printed) == 1


def test_refused_connection_is_recorded_on_the_job(make_print_job, build_data, closed_port):
    job_id = make_print_job(now=T0)
    process_pending(open_printer(f"network://127.0.0.1:{closed_port}", TIMEOUT), build_data,
                    now=T0)
    assert "Không kết nối được máy in" in job_row(job_id).last_error


def test_hanging_printer_does_not_hold_the_worker(make_print_job, build_data, fake_printer):
    fake_printer.mode = "hang"
    job_id = make_print_job(now=T0)
    start = time.monotonic()
    [result] = process_pending(open_printer(fake_printer.url, TIMEOUT), build_data, now=T0)
    assert time.monotonic() - start < TIMEOUT + 0.5
    assert result.state == "pending" and "không phản hồi" in job_row(job_id).last_error


def test_job_fails_after_max_attempts(make_print_job, build_data, closed_port):
    printer = open_printer(f"network://127.0.0.1:{closed_port}", TIMEOUT)
    job_id = make_print_job(now=T0)
    for step in range(3):
        [result] = process_pending(printer, build_data, now=later(20 * step), max_attempts=3)
    assert result.state == "failed"
    assert (job_row(job_id).state, job_row(job_id).attempts) == ("failed", 3)


def test_too_old_job_is_dropped_not_printed(make_print_job, build_data, fake_printer):
    job_id = make_print_job(now=T0)
    [result] = process_pending(open_printer(fake_printer.url, TIMEOUT), build_data,
                               now=later(600))
    assert result.state == "failed" and "Quá hạn" in job_row(job_id).last_error
    assert fake_printer.connections == 0


def test_a_failure_ends_the_pass(make_print_job, build_data, closed_port):
    first, second = make_print_job(now=T0), make_print_job(now=T0)
    process_pending(open_printer(f"network://127.0.0.1:{closed_port}", TIMEOUT), build_data,
                    now=T0)
    assert job_row(first).attempts == 1 and job_row(second).attempts == 0


def test_job_stuck_in_printing_is_taken_again_after_its_lease(make_print_job, build_data,
                                                             fake_printer):
    job_id = make_print_job(now=T0)
    with models.connection():  # a worker that crashed mid-job left this behind
        PrintJob.update(state="printing", attempts=1, next_attempt_at=later(60)).execute()
    printer = open_printer(fake_printer.url, TIMEOUT)
    assert process_pending(printer, build_data, now=later(30)) == []
    [result] = process_pending(printer, build_data, now=later(61))
    assert result.state == "done" and job_row(job_id).attempts == 2


def test_unbuildable_ticket_fails_without_retry(make_print_job, fake_printer):
    job_id = make_print_job(now=T0)

    def broken(job):
        raise KeyError("no such field")

    [result] = process_pending(open_printer(fake_printer.url, TIMEOUT), broken, now=T0)
    assert result.state == "failed" and "Không tạo được phiếu" in job_row(job_id).last_error


def test_disabled_printer_fails_jobs_at_once(make_print_job, build_data):
    job_id = make_print_job(now=T0)
    [result] = process_pending(open_printer("none"), build_data, now=T0)
    assert result.state == "failed" and "PRINTER=none" in job_row(job_id).last_error


def test_test_page_job_prints(office_row, build_data, fake_printer):
    office, _ = office_row
    job_id = enqueue_test(office.id, now=T0)
    [result] = process_pending(open_printer(fake_printer.url, TIMEOUT), build_data, now=T0)
    assert (result.kind, result.state) == ("test", "done")
    assert job_row(job_id).state == "done"


def test_two_workers_never_print_a_job_twice(make_print_job, build_data, fake_printer):
    ids = {make_print_job(now=T0) for _ in range(6)}
    done = []

    def worker():
        printer = open_printer(fake_printer.url, 2)
        for _ in range(3):
            done.extend(r.job_id for r in process_pending(printer, build_data, now=T0, limit=2)
                        if r.state == "done")

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert sorted(done) == sorted(ids)
    time.sleep(0.1)
    assert len(fake_printer.printed) == 6


def test_status_poll_shows_paper_out_then_ok(office_row, fake_printer):
    office, _ = office_row
    printer = open_printer(fake_printer.url, TIMEOUT)
    fake_printer.mode = "paper_out"
    first = poll_status(printer, office.id, now=T0)
    assert first.changed and first.status["paper"] == "out" and first.previous is None
    assert not poll_status(printer, office.id, now=later(15))  # same state: no alert
    fake_printer.mode = "ok"
    back = poll_status(printer, office.id, now=later(30))
    assert back.changed and back.previous["paper"] == "out"
    with models.connection():
        row = PrinterStatus.get(PrinterStatus.office == office.id)
    assert (row.online, row.paper, row.checked_at) == (True, "ok", later(30))


def test_worker_loop_prints_reports_and_stops(make_ticket_row, make_print_job, build_data, fake_printer):
    ticket = make_ticket_row()
    make_print_job(ticket)
    stop = threading.Event()
    jobs, statuses = [], []
    thread = threading.Thread(target=run_worker, args=(stop, open_printer(fake_printer.url, TIMEOUT),
                                                       build_data),
                              kwargs={"office_id": ticket.office_id, "interval": 0.05,
                                      "status_interval": 0.1, "on_jobs": jobs.extend,
                                      "on_status": lambda oid, poll: statuses.append(poll)})
    thread.start()
    deadline = time.monotonic() + 2
    while not (jobs and statuses) and time.monotonic() < deadline:
        time.sleep(0.02)
    stop.set()
    thread.join(timeout=1)
    assert not thread.is_alive()
    assert [r.state for r in jobs] == ["done"]
    assert statuses[0].status["paper"] == "ok"


def test_a_job_the_printer_did_not_confirm_is_not_sent_again(make_print_job, build_data, fake_printer):
    """The whole ticket went out but the printer stopped answering: it may be on paper, so no retry."""
    fake_printer.mode = "stall"
    job_id = make_print_job(now=T0)
    printer = open_printer(fake_printer.url, TIMEOUT)
    [result] = process_pending(printer, build_data, now=T0)
    assert result.state == "failed" and "có thể đã in" in job_row(job_id).last_error
    assert process_pending(printer, build_data, now=later(120)) == []
    assert fake_printer.connections == 1
