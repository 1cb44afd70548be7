"""Print agent room: the parts of the agent and of job delivery, one behaviour each (real transport to
the fake printer, a temporary SQLite file for the server's side)."""

import base64
import datetime as dt
import json
import os
import subprocess
import sys
import time

import models
from kiosk.agent.agent import Agent
from kiosk.agent.journal import Journal
from kiosk.printing import delivery
from models import Device, PrintJob
from tests.conftest import ROOT

T0 = dt.datetime(2026, 11, 27, 1, 15)


def job(job_id=7, age_s=1.0, max_age_s=180):
    """A delivered job as the server hands it out (a tiny ESC/POS image and a cut)."""
    data = b"\x1b@" + b"\x1dv0\x00\x01\x00\x01\x00\xff" + b"\x1dV\x00"
    return {"id": job_id, "kind": "ticket", "number": "1001", "attempt": 1, "age_s": age_s,
            "max_age_s": max_age_s, "data": base64.b64encode(data).decode()}


def agent_for(printer, tmp_path):
    """An agent pointed at nothing (only its printing part is exercised)."""
    return Agent("http://127.0.0.1:9", "token", printer.url, tmp_path, timeout=2)


def test_a_job_handed_out_again_is_answered_not_printed_again(fake_printer, tmp_path):
    agent = agent_for(fake_printer, tmp_path)
    assert agent.handle(job(), time.monotonic())
    assert agent.handle(job(), time.monotonic())
    time.sleep(0.2)
    assert len(fake_printer.printed) == 1
    assert agent.journal.unanswered() == [(7, "printed", "")]


def test_a_job_that_arrives_too_late_is_not_printed(fake_printer, tmp_path):
    agent = agent_for(fake_printer, tmp_path)
    assert agent.handle(job(age_s=200), time.monotonic())
    assert fake_printer.connections == 0
    [(job_id, result, error)] = agent.journal.unanswered()
    assert (job_id, result) == (7, "stale") and "Quá hạn" in error


def test_a_printer_failure_leaves_the_job_printable_again(fake_printer, tmp_path):
    agent = agent_for(fake_printer, tmp_path)
    fake_printer.mode = "paper_out"
    assert not agent.handle(job(), time.monotonic())
    assert agent.journal.state(7) == "failed"
    fake_printer.mode = "ok"
    assert agent.handle(job(), time.monotonic())
    time.sleep(0.2)
    assert len(fake_printer.printed) == 1


def test_the_journal_survives_a_restart_and_a_job_cut_mid_print_is_not_printed_again(tmp_path):
    journal = Journal(tmp_path / "journal.json")
    journal.mark(1, "printed")
    journal.answered(1)
    journal.mark(2, "sending")  # the agent stopped here (power cut)
    again = Journal(tmp_path / "journal.json")
    assert again.state(1) == "printed" and again.state(2) == "uncertain"
    [(job_id, result, error)] = again.unanswered()
    assert (job_id, result) == (2, "stale") and "có thể đã in" in error
    assert json.loads((tmp_path / "journal.json").read_text())["jobs"]["1"]["answered"] is True


def test_the_agent_needs_none_of_the_servers_packages():
    probe = ("import sys\n"
             "class Block:\n"
             "    def find_spec(self, name, path=None, target=None):\n"
             "        if name.split('.')[0] in ('flask', 'flask_socketio', 'peewee', 'eventlet', 'psycopg2', 'redis',"
             " 'openpyxl', 'werkzeug', 'jinja2'):\n"
             "            raise ImportError('the agent must not import ' + name)\n"
             "sys.meta_path.insert(0, Block())\n"
             "import kiosk.agent.agent, kiosk.agent.__main__\n"
             "print('ok')\n")
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]


def test_the_agent_refuses_a_link_that_is_not_a_pairing_link():
    done = subprocess.run([sys.executable, "-m", "kiosk.agent", "--pair", "http://10.0.0.1:5000/kiosk",
                           "--printer", "file:///dev/usb/lp0"], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env=dict(os.environ))
    assert done.returncode == 2 and "pairing link" in done.stderr


# --------------------------------------------------------------------------- the server's side


def kiosk_job(office_row, created=T0, state="pending", attempts=0):
    """A kiosk and one of its print jobs (a test page needs no ticket)."""
    office, _ = office_row
    with models.connection():
        kiosk = Device.get_or_none(Device.name == "Kiosk 1") or Device.create(
            office=office, kind="kiosk", name="Kiosk 1", token_hash=f"h{time.monotonic_ns()}")
        made = PrintJob.create(office=office, kiosk=kiosk, kind="test", state=state, attempts=attempts,
                               created_at=created, next_attempt_at=created)
    return kiosk.id, made.id


def test_take_hands_out_again_a_job_the_agent_does_not_hold(office_row):
    kiosk_id, job_id = kiosk_job(office_row)
    first, _ = delivery.take(kiosk_id, lambda j: b"x", now=T0)
    held, _ = delivery.take(kiosk_id, lambda j: b"x", holding=[job_id], now=T0)
    again, _ = delivery.take(kiosk_id, lambda j: b"x", now=T0)  # the first delivery was lost
    assert [d["id"] for d in first] == [job_id] and held == [] and [d["id"] for d in again] == [job_id]
    assert [d["attempt"] for d in first + again] == [1, 2]


def test_take_marks_a_too_old_job_and_does_not_hand_it_out(office_row):
    kiosk_id, job_id = kiosk_job(office_row)
    deliveries, failed = delivery.take(kiosk_id, lambda j: b"x", now=T0 + dt.timedelta(seconds=200))
    assert deliveries == [] and [f.job_id for f in failed] == [job_id]
    with models.connection():
        assert "Quá hạn" in PrintJob.get_by_id(job_id).last_error


def test_an_answer_sent_twice_changes_nothing_the_second_time(office_row):
    kiosk_id, job_id = kiosk_job(office_row, state="printing", attempts=1)
    first = delivery.acknowledge(kiosk_id, job_id, "printed", now=T0)
    second = delivery.acknowledge(kiosk_id, job_id, "failed", "paper", now=T0)
    assert first.state == second.state == "done"
    with models.connection():
        assert PrintJob.get_by_id(job_id).printed_at == T0


def test_a_printer_failure_answer_puts_the_job_back_with_back_off(office_row):
    kiosk_id, job_id = kiosk_job(office_row, state="printing", attempts=1)
    result = delivery.acknowledge(kiosk_id, job_id, "failed", "Máy in hết giấy", now=T0)
    assert result.state == "pending" and result.next_attempt_at == T0 + dt.timedelta(seconds=2)


def test_another_kiosks_job_is_not_answered(office_row):
    kiosk_id, job_id = kiosk_job(office_row, state="printing", attempts=1)
    assert delivery.acknowledge(kiosk_id + 1000, job_id, "printed", now=T0) is None


def test_requirements_agent_pins_every_package_the_agent_loads_at_the_tested_version():
    probe = ("import sys, importlib.metadata as md\n"
             "import kiosk.agent.agent, kiosk.agent.__main__\n"
             "from kiosk.printing.transport import open_printer\n"
             "open_printer('network://127.0.0.1:9100', 1).status\n"
             "dists = md.packages_distributions()\n"
             "names = {m.split('.')[0] for m in sys.modules} - set(sys.stdlib_module_names) - {'kiosk'}\n"
             # Loaded here only because the server's packages are installed: python-socketio imports redis
             # (which imports typing_extensions) when it finds it; _distutils_hack is setuptools' venv hook.
             "names -= {'redis', 'typing_extensions', '_distutils_hack'}\n"
             "for name in sorted(names):\n"
             "    for dist in dists.get(name, []):\n"
             "        print(dist.lower().replace('_', '-'), md.version(dist))\n")
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    loaded = dict(line.split() for line in done.stdout.split("\n") if line.strip())
    pinned = {}
    for line in (ROOT / "requirements-agent.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, version = line.split("==")
            pinned[name.strip().lower().replace("_", "-")] = version.strip()
    assert loaded and {name: pinned.get(name) for name in loaded} == loaded


def test_a_windows_printer_is_named_and_refused_clearly_off_windows():
    from kiosk.printing.transport import PrinterError, open_printer

    printer = open_printer("win32://EPSON%20TM-T20II%20Receipt", 2)
    assert printer.printer_name == "EPSON TM-T20II Receipt"
    try:
        printer.send(b"\x1b@")
    except PrinterError as exc:
        assert "Windows" in str(exc)
    else:
        raise AssertionError("sent to a Windows printer on Linux")
    assert printer.status()["online"] is False
