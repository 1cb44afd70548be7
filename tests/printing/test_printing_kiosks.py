"""Printing room, issue 14: printers belong to kiosks. On the real server, two offices with two kiosks
each, every kiosk with its own fake network printer: each printer prints exactly its own kiosk's tickets
(read back from the ESC/POS bytes), and a printer's alert reaches only its own office, naming the kiosk.
A clerk's reprint goes to the kiosk picked, by default the one that issued the ticket."""

import threading
import time

import pytest
import socketio as socketio_client
import zxingcpp

import models
from models import Device, PrintJob
from tests.conftest import make_device, make_field, make_office, make_user

from .conftest import FakePrinter, wait_for

TICKETS_PER_KIOSK = 40


def two_offices_two_kiosks(bag, printers):
    """Office A (the standard one) and office B, two kiosks each, kiosk i printing on printers[i]."""
    with models.connection():
        second_a = make_device(bag.office, "kiosk", name="Kiosk A tầng 2")
        office_b = make_office(name="UBND phường Bình Minh")
        field_b = make_field(office_b, name="Chứng thực", code="CT", number_start=5001)
        b_kiosks = [make_device(office_b, "kiosk", name=f"Kiosk B{i}") for i in (1, 2)]
        make_user(office_b, "leader", username="lanhdao_b")
        pairs = [(bag.kiosk, bag.kiosk_token), second_a, *b_kiosks]
        for (device, _), printer in zip(pairs, printers, strict=True):
            device.settings = {"printer": {"kind": "network", "url": printer.url, "paper_mm": 80}}
            device.save()
    kiosks = [device for device, _ in pairs]
    tokens = {device.id: token for device, token in pairs}
    fields = {d.id: (bag.f1.id if d.office_id == bag.office.id else field_b.id) for d in kiosks}
    return kiosks, tokens, fields


@pytest.fixture
def four_printers():
    """A fake network printer for each of the four kiosks."""
    printers = [FakePrinter() for _ in range(4)]
    yield printers
    for printer in printers:
        printer.close()


def printed_tokens(printer, decode_raster) -> list[str]:
    """The public tokens in the QR codes of every ticket a fake printer printed."""
    found = []
    for job in printer.printed:
        codes = zxingcpp.read_barcodes(decode_raster(job).convert("L"))
        found.extend(code.text.rsplit("/t/", 1)[1] for code in codes)
    return found


def test_each_kiosk_prints_only_its_own_tickets(live_office, live_server_factory, decode_raster, four_printers):
    db_url, bag = live_office
    printers = four_printers
    kiosks, tokens, fields = two_offices_two_kiosks(bag, printers)
    # 40 tickets a kiosk in a few seconds: far above a real kiosk's rate, which the server may cap.
    server = live_server_factory(db_url=db_url, env={"PRINTER": "none", "PRINTER_TIMEOUT": "5",
                                                     "PRINTER_POLL_S": "5", "LEADER_RETRY_S": "0.2",
                                                     "KIOSK_TICKETS_PER_MINUTE": "1000"})
    issued = {d.id: [] for d in kiosks}

    def issue_all(device):
        session = server.session(device_token=tokens[device.id])
        for _ in range(TICKETS_PER_KIOSK):
            body = session.post(server.url + "/api/tickets", json={"field": fields[device.id]}, timeout=20).json()
            assert body["print"]["kind"] == "network", body
            issued[device.id].append(body["public_token"])

    threads = [threading.Thread(target=issue_all, args=(d,)) for d in kiosks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert all(len(v) == TICKETS_PER_KIOSK for v in issued.values()), {k: len(v) for k, v in issued.items()}
    assert wait_for(lambda: all(len(p.printed) >= TICKETS_PER_KIOSK for p in printers), 120), \
        [len(p.printed) for p in printers]
    time.sleep(1)  # anything printed twice would arrive now
    for device, printer in zip(kiosks, printers, strict=True):
        got = printed_tokens(printer, decode_raster)
        assert len(got) == len(set(got)) == TICKETS_PER_KIOSK, device.name  # nothing twice, none lost
        assert set(got) == set(issued[device.id]), device.name  # its own tickets, nobody else's


def test_a_printer_alert_reaches_its_own_office_only_naming_the_kiosk(live_office, live_server_factory, four_printers):
    db_url, bag = live_office
    printers = four_printers
    kiosks, _, _ = two_offices_two_kiosks(bag, printers)
    server = live_server_factory(db_url=db_url, env={"PRINTER": "none", "PRINTER_TIMEOUT": "1",
                                                     "PRINTER_POLL_S": "0.3", "LEADER_RETRY_S": "0.2"})
    heard = {"a": [], "b": []}
    clients = []
    for key, username in (("a", "lanhdao1"), ("b", "lanhdao_b")):
        client = socketio_client.Client(reconnection=False)
        client.on("update", lambda data, key=key: heard[key].extend(data.get("alerts", [])))
        cookie = "; ".join(f"{c.name}={c.value}" for c in server.session(username=username).cookies)
        client.connect(server.url, headers={"Cookie": cookie}, transports=["websocket"], wait_timeout=10)
        clients.append(client)
    printers[2].mode = "paper_out"  # office B's first kiosk
    assert wait_for(lambda: any(a["kind"] == "paper_out" for a in heard["b"]), 15), heard["b"]
    alert = [a for a in heard["b"] if a["kind"] == "paper_out"][0]
    assert "Kiosk B1" in alert["message"] and alert["printer"]["kiosk_id"] == kiosks[2].id
    assert not any(a["kind"] == "paper_out" for a in heard["a"])
    snapshot = server.session(username="lanhdao_b").get(server.url + "/api/snapshot", timeout=10).json()
    names = {p["kiosk_name"]: p["paper"] for p in snapshot["printers"]}
    assert names == {"Kiosk B1": "out", "Kiosk B2": "ok"}
    for client in clients:
        client.disconnect()


def test_a_reprint_goes_to_the_kiosk_the_clerk_picks_else_the_issuing_one(app, office, api):
    first = office.kiosk
    with models.connection():
        Device.update(settings={"printer": {"kind": "agent", "paper_mm": 80}}).where(Device.id == first.id).execute()
        second, _ = make_device(office.office, "kiosk", name="Kiosk tầng 2",
                                settings={"printer": {"kind": "agent", "paper_mm": 58}})
    kiosk = api(device=office.kiosk_token)
    ticket = kiosk.post("/api/tickets", json={"field": office.f1.id}).get_json()["ticket"]
    clerk = api(username="canbo1")
    assert {k["id"] for k in clerk.get("/api/kiosks/printing").get_json()["kiosks"]} == {first.id, second.id}
    PrintJob.update(state="done").execute()  # the issue's own print came out
    picked = clerk.post(f"/api/tickets/{ticket['id']}/reprint", json={"kiosk": second.id})
    assert picked.status_code == 201 and picked.get_json()["kiosk"]["id"] == second.id
    PrintJob.update(state="done").execute()
    default = clerk.post(f"/api/tickets/{ticket['id']}/reprint")
    assert default.get_json()["kiosk"]["id"] == first.id
    kiosks = [j.kiosk_id for j in PrintJob.select().order_by(PrintJob.id)]
    assert kiosks == [first.id, second.id, first.id]
