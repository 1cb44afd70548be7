"""The real server prints: a kiosk ticket reaches a fake network printer through the print
queue worker, and paper-out raises an alert on the staff screens that clears when fixed."""

import threading

import socketio as socketio_client
import zxingcpp

from .conftest import wait_for


def test_issued_ticket_prints_and_paper_out_alerts_then_clears(live_office, live_server_factory, fake_printer,
                                                               decode_raster):
    db_url, bag = live_office
    server = live_server_factory(db_url=db_url, env={"PRINTER": fake_printer.url, "PRINTER_TIMEOUT": "0.5",
                                                     "PRINTER_POLL_S": "0.3", "LEADER_RETRY_S": "0.2"})
    alerts, ready = [], threading.Event()
    screen = socketio_client.Client(reconnection=False)
    screen.on("snapshot", lambda data: ready.set())
    screen.on("update", lambda data: alerts.extend(data.get("alerts", [])))
    # A clerk's console (the staff room) hears printer alerts.
    cookie = "; ".join(f"{c.name}={c.value}" for c in server.session(username="canbo1").cookies)
    screen.connect(server.url, headers={"Cookie": cookie}, transports=["websocket"], wait_timeout=10)
    try:
        assert ready.wait(10)
        kiosk = server.session(device_token=bag.kiosk_token)
        body = kiosk.post(server.url + "/api/tickets", json={"field": bag.f1.id}, timeout=10).json()
        assert wait_for(lambda: fake_printer.printed), "the ticket was not printed"
        printed = decode_raster(fake_printer.printed[0]).convert("L")
        assert [r.text for r in zxingcpp.read_barcodes(printed)] == [body["status_url"]]

        fake_printer.mode = "paper_out"
        assert wait_for(lambda: any(a["kind"] == "paper_out" for a in alerts)), alerts
        body = kiosk.post(server.url + "/api/tickets", json={"field": bag.f1.id}, timeout=10)
        assert body.status_code == 201  # issuing never waits for the printer

        fake_printer.mode = "ok"
        assert wait_for(lambda: alerts and alerts[-1]["level"] == "ok"), alerts
        assert wait_for(lambda: len(fake_printer.printed) >= 2), "the held ticket was not printed after recovery"
    finally:
        screen.disconnect()
