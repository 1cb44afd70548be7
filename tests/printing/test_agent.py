"""Print agent room (issue 14): ``python -m kiosk.agent`` as a subprocess against the real server, through
a TCP proxy that cuts the connection mid-job, across a server restart: every ticket printed exactly once
(read back from the fake printer's ESC/POS bytes), a job that came too late not printed and marked so,
and the monitor sees the agent's printer go offline and come back."""

import os
import subprocess
import sys
import time

import socketio as socketio_client
import zxingcpp

import models
from models import PrintJob
from tests.conftest import PASSWORD, ROOT, close_socket, screenshot

from .conftest import wait_for

MAX_AGE_S = 8  # short, so a too-late job shows within the test (the default is 180 s)


def job_of(ticket_token):
    """The print job of a ticket (read fresh)."""
    with models.connection():
        return (PrintJob.select().join(models.Ticket, on=(PrintJob.ticket == models.Ticket.id))
                .where(models.Ticket.public_token == ticket_token).get())


def tokens_printed(printer, decode_raster):
    """Public tokens read from the QR codes of everything the printer printed, in order."""
    found = []
    for job in printer.printed:
        found += [c.text.rsplit("/t/", 1)[1] for c in zxingcpp.read_barcodes(decode_raster(job).convert("L"))]
    return found


def start_agent(proxy, token, printer, state_dir):
    """The agent as a kiosk PC runs it, reaching the server through the proxy."""
    log = open(state_dir / "agent.log", "ab")
    command = [sys.executable, "-m", "kiosk.agent", "--server", proxy.url, "--pair", f"{proxy.url}/pair/{token}",
               "--printer", printer.url, "--state-dir", str(state_dir), "--timeout", "4", "--poll", "0.5",
               "--status-every", "1"]
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT), log


def open_monitor(browser, server):
    """The live monitor (/admin/monitor) in Chromium, logged in as the office's leader."""
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(server.url + "/admin")
    page.fill('input[name="username"]', "lanhdao1")
    page.fill('input[name="password"]', PASSWORD)
    page.click('#login-form button[type="submit"]')
    page.wait_for_url(server.url + "/admin")
    page.goto(server.url + "/admin/monitor")
    return page


def test_agent_prints_every_ticket_once_through_a_cut_and_a_restart(
        live_office, live_server_factory, fake_printer, tcp_proxy, decode_raster, tmp_path, browser):
    db_url, bag = live_office
    with models.connection():
        bag.kiosk.settings = {"printer": {"kind": "agent", "url": "usb://0x04b8:0x0202", "paper_mm": 80}}
        bag.kiosk.save()
    # Fourteen tickets from one kiosk within a minute: above the rate the server may cap a kiosk at.
    server = live_server_factory(db_url=db_url, env={"PRINTER": "none", "PRINT_MAX_AGE_S": str(MAX_AGE_S),
                                                     "LEADER_RETRY_S": "0.2", "KIOSK_TICKETS_PER_MINUTE": "1000"})
    proxy = tcp_proxy(server.port)
    agent, agent_log = start_agent(proxy, bag.kiosk_token, fake_printer, tmp_path)
    kiosk = server.session(device_token=bag.kiosk_token)
    alerts = []
    monitor = socketio_client.Client(reconnection=False)
    monitor.on("update", lambda data: alerts.extend(data.get("alerts", [])))
    cookie = "; ".join(f"{c.name}={c.value}" for c in server.session(username="lanhdao1").cookies)
    monitor.connect(server.url, headers={"Cookie": cookie}, transports=["websocket"], wait_timeout=10)
    page = open_monitor(browser, server)
    printer_row = page.locator("#printers tr", has_text=bag.kiosk.name)
    issued = []

    def issue():
        body = kiosk.post(server.url + "/api/tickets", json={"field": bag.f1.id}, timeout=20).json()
        assert body["print"]["kind"] == "agent", body
        issued.append(body["public_token"])
        return body["public_token"]

    try:
        for _ in range(3):
            issue()
        wait_for(lambda: len(fake_printer.printed) == 3, 30, "the first three tickets")

        # The connection is cut while the printer is taking a job: the answer cannot reach the server.
        fake_printer.mode = "slow"
        mid = issue()
        # Cut once the job is on its way to the printer (the agent has it; its answer is still to come).
        wait_for(lambda: fake_printer.paused == 1, 20, "the agent to start printing the job")
        proxy.cut()
        wait_for(lambda: len(fake_printer.printed) == 4, 20, "the job in progress to finish printing")
        assert job_of(mid).state == "printing"  # printed, but the server has not heard yet
        wait_for(lambda: any(a["kind"] == "printer_offline" for a in alerts), 20, "the monitor's offline alert")
        printer_row.filter(has_text="Mất kết nối").wait_for(timeout=20_000)  # the monitor page, by kiosk name
        page.evaluate("document.fonts.ready")
        screenshot(page, "printing-monitor-agent-offline")
        fake_printer.mode = "ok"
        proxy.resume()
        wait_for(lambda: job_of(mid).state == "done", 30, "the kept answer to arrive")
        wait_for(lambda: alerts[-1]["kind"] == "printer_ok", 20, "the monitor's back-online alert")
        printer_row.filter(has_text="Trực tuyến").wait_for(timeout=20_000)
        page.close()
        offline = [a for a in alerts if a["kind"] == "printer_offline"][0]
        assert offline["printer"]["kiosk_id"] == bag.kiosk.id and bag.kiosk.name in offline["message"]
        close_socket(monitor)

        # The server restarts; the agent finds it again by itself.
        server.stop()
        server.start()
        for _ in range(3):
            issue()
        wait_for(lambda: len(fake_printer.printed) == 7, 40, "the tickets issued after the restart")

        # A ticket issued while the kiosk is cut off for longer than the stale limit is never printed.
        proxy.cut()
        late = issue()
        issued.remove(late)
        wait_for(lambda: job_of(late).state == "failed", MAX_AGE_S + 15, "the late job to be marked")
        assert "Quá hạn" in job_of(late).last_error
        proxy.resume()
        for _ in range(2):
            issue()
        wait_for(lambda: len(fake_printer.printed) == 9, 40, "the tickets after the reconnection")
        time.sleep(2)  # a late or repeated print would land now

        printed = tokens_printed(fake_printer, decode_raster)
        assert sorted(printed) == sorted(issued)  # every ticket once: none twice, none lost
        assert late not in printed
        with models.connection():
            states = {t: job_of(t).state for t in issued}
        assert set(states.values()) == {"done"}, states
    finally:
        close_socket(monitor)
        agent.terminate()
        try:
            agent.wait(timeout=20)
        finally:
            agent_log.close()
    assert agent.returncode == 0, (tmp_path / "agent.log").read_text()[-3000:]
    text = (tmp_path / "agent.log").read_text()
    assert "Đã in phiếu" in text and "Chương trình in đã dừng" in text
