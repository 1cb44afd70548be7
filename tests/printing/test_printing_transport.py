"""Printing room: PRINTER URLs and the transports, against a fake printer on 127.0.0.1."""

import os
import threading
import time

import pytest

from kiosk.printing import PrinterError, TicketPrint, open_printer, ticket_bytes
from kiosk.printing.transport import (
    CupsPrinter,
    FilePrinter,
    NetworkPrinter,
    NullPrinter,
    SerialPrinter,
    UsbPrinter,
    parse_paper,
)

TIMEOUT = 0.5


def job() -> bytes:
    """A real ticket's bytes (~70 kB)."""
    return ticket_bytes(TicketPrint(office_name="UBND xã Thử", field_name="Đất đai",
                                    display_number="1001", status_url="https://motcua.test/t/x"))


# --------------------------------------------------------------------------- URL parsing


def test_network_url_defaults_to_port_9100():
    printer = open_printer("network://192.0.2.10", 2)
    assert isinstance(printer, NetworkPrinter)
    assert (printer.host, printer.port, printer.timeout) == ("192.0.2.10", 9100, 2.0)


def test_serial_url_carries_line_settings():
    printer = open_printer("serial:///dev/ttyUSB0?baudrate=19200&xonxoff=1&paper=58")
    assert isinstance(printer, SerialPrinter)
    assert (printer.devfile, printer.baudrate, printer.paper_mm) == ("/dev/ttyUSB0", 19200, 58)
    assert printer.options == {"xonxoff": True}


def test_usb_file_cups_and_none_urls():
    usb = open_printer("usb://0x04b8:0x0202")
    assert isinstance(usb, UsbPrinter) and (usb.vendor, usb.product) == (0x04B8, 0x0202)
    assert open_printer("file:///dev/usb/lp0").path == "/dev/usb/lp0"
    assert isinstance(open_printer("cups://TM-T20"), CupsPrinter)
    none = open_printer("none")
    assert isinstance(none, NullPrinter) and none.enabled is False


def test_profile_and_name_from_the_url():
    printer = open_printer("network://10.0.0.5:9100?profile=TM-T88V&name=quay-1")
    assert (printer.profile, printer.name) == ("TM-T88V", "quay-1")


@pytest.mark.parametrize("url, words", [
    ("", "empty"),
    ("lpt://1", "unknown scheme 'lpt'"),
    ("network://", "missing host"),
    ("network://printer:99999", "Port out of range"),
    ("usb://04b8", "VENDOR:PRODUCT"),
    ("usb://zz:0202", "invalid literal"),
    ("serial://dev/ttyUSB0", "three slashes"),
    ("serial:///dev/ttyUSB0?baudrate=fast", "invalid literal"),
    ("file://lp0", "three slashes"),
    ("cups://", "missing queue"),
    ("network://10.0.0.5?paper=76", "58 or 80"),
    ("network://10.0.0.5?profile=TM-NOPE", "unknown profile"),
    ("network://10.0.0.5?status=maybe", "expected 0 or 1"),
])
def test_invalid_url_is_a_clear_value_error(url, words):
    with pytest.raises(ValueError, match="PRINTER") as info:
        open_printer(url)
    assert words in str(info.value)


def test_status_bytes_parse_to_paper_states():
    assert [parse_paper(b) for b in (0x12, 0x1E, 0x72, 0x7E, 0xFF)] == [
        "ok", "low", "out", "out", "unknown"]


# --------------------------------------------------------------------------- network


def test_network_printer_receives_the_whole_job(fake_printer):
    data = job()
    open_printer(fake_printer.url, TIMEOUT).send(data)
    time.sleep(0.1)  # let the fake finish reading
    assert len(fake_printer.printed) == 1
    assert data in fake_printer.printed[0]


def test_refused_connection_fails_fast(closed_port):
    printer = open_printer(f"network://127.0.0.1:{closed_port}", TIMEOUT)
    with pytest.raises(PrinterError, match="Không kết nối được máy in"):
        printer.send(job())


def test_hanging_printer_fails_within_the_timeout(fake_printer):
    fake_printer.mode = "hang"
    printer = open_printer(fake_printer.url, TIMEOUT)
    start = time.monotonic()
    with pytest.raises(PrinterError, match="không phản hồi"):
        printer.send(job())
    assert TIMEOUT - 0.05 <= time.monotonic() - start < TIMEOUT + 0.4


def test_printer_stalling_mid_job_fails_within_the_timeout(fake_printer):
    fake_printer.mode = "stall"
    printer = open_printer(fake_printer.url, TIMEOUT)
    start = time.monotonic()
    with pytest.raises(PrinterError):
        printer.send(job())
    assert time.monotonic() - start < TIMEOUT + 0.4


def test_connection_dropped_mid_job_is_an_error(fake_printer):
    fake_printer.mode = "drop"
    with pytest.raises(PrinterError):
        open_printer(fake_printer.url, TIMEOUT).send(job())
    time.sleep(0.1)
    assert fake_printer.printed == []


def test_paper_out_refuses_to_send(fake_printer):
    fake_printer.mode = "paper_out"
    with pytest.raises(PrinterError, match="hết giấy"):
        open_printer(fake_printer.url, TIMEOUT).send(job())
    assert fake_printer.jobs == []  # not one image byte went into the printer's buffer


def test_status_reads_paper_out_then_ok(fake_printer):
    printer = open_printer(fake_printer.url, TIMEOUT)
    fake_printer.mode = "paper_out"
    assert printer.status() == {"online": False, "paper": "out", "message": "Máy in hết giấy"}
    fake_printer.mode = "ok"
    assert printer.status() == {"online": True, "paper": "ok", "message": "Máy in sẵn sàng"}


def test_status_reads_paper_low(fake_printer):
    fake_printer.mode = "paper_low"
    status = open_printer(fake_printer.url, TIMEOUT).status()
    assert (status["online"], status["paper"]) == (True, "low")


def test_status_of_unreachable_printer_is_offline_not_an_exception(closed_port):
    status = open_printer(f"network://127.0.0.1:{closed_port}", TIMEOUT).status()
    assert (status["online"], status["paper"]) == (False, "unknown")
    assert "Không kết nối được" in status["message"]


def test_status_of_silent_printer_is_offline_within_the_timeout(fake_printer):
    fake_printer.mode = "hang"
    printer = open_printer(fake_printer.url, TIMEOUT)
    start = time.monotonic()
    status = printer.status()
    assert time.monotonic() - start < TIMEOUT + 0.4
    assert (status["online"], status["message"]) == (False, "Máy in không phản hồi")


def test_status_queries_can_be_switched_off(fake_printer):
    # For printers that never answer DLE EOT: send without asking, status "unknown".
    fake_printer.mode = "hang"
    printer = open_printer(fake_printer.url + "?status=0", TIMEOUT)
    printer.send(b"\x1b@hello")
    assert printer.status()["paper"] == "unknown"


# --------------------------------------------------------------------------- serial (a pty)


@pytest.fixture
def serial_pair():
    """A pseudo-terminal: the transport opens the slave, a thread plays the printer."""
    import tty

    master, slave = os.openpty()
    tty.setraw(master)
    received = bytearray()
    stop = threading.Event()
    state = {"paper": 0x12}

    def play():
        while not stop.is_set():
            try:
                chunk = os.read(master, 65536)
            except OSError:
                return
            received.extend(chunk)
            if b"\x10\x04" in chunk:
                os.write(master, bytes([state["paper"]]) * chunk.count(b"\x10\x04"))

    os.set_blocking(master, True)
    thread = threading.Thread(target=play, daemon=True)
    thread.start()
    yield os.ttyname(slave), received, state
    stop.set()
    os.close(slave)
    os.close(master)
    thread.join(timeout=2)


def test_serial_printer_sends_and_reads_status(serial_pair):
    path, received, state = serial_pair
    printer = open_printer(f"serial://{path}?baudrate=115200&dsrdtr=0", TIMEOUT)
    printer.send(b"\x1b@ticket\x1dV\x00")
    assert printer.status()["paper"] == "ok"
    state["paper"] = 0x72
    assert printer.status()["paper"] == "out"
    assert b"\x1b@ticket\x1dV\x00" in bytes(received)


def test_missing_serial_device_is_a_printer_error():
    printer = open_printer("serial:///dev/ttyNOPE0", TIMEOUT)
    with pytest.raises(PrinterError, match="/dev/ttyNOPE0"):
        printer.send(b"x")
    assert printer.status()["online"] is False


# --------------------------------------------------------------------------- file, none


def test_file_printer_writes_the_bytes(tmp_path):
    target = tmp_path / "lp0"
    target.write_bytes(b"")
    printer = open_printer(f"file://{target}", TIMEOUT)
    assert isinstance(printer, FilePrinter)
    printer.send(b"\x1b@abc")
    assert target.read_bytes() == b"\x1b@abc"
    assert printer.status() == {"online": True, "paper": "unknown",
                                "message": "Không đọc được trạng thái giấy qua kết nối này"}


def test_device_that_stops_reading_fails_within_the_timeout(tmp_path):
    # A FIFO whose reader never reads: the pipe fills up like a stalled printer's buffer.
    fifo = tmp_path / "lp0"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        printer = open_printer(f"file://{fifo}", TIMEOUT)
        start = time.monotonic()
        with pytest.raises(PrinterError, match="ngừng nhận"):
            printer.send(job() * 4)  # more than the 64 KiB pipe buffer
        assert time.monotonic() - start < TIMEOUT + 0.3
    finally:
        os.close(reader)


def test_missing_device_file_is_offline(tmp_path):
    printer = open_printer(f"file://{tmp_path}/lp9", TIMEOUT)
    assert printer.status()["online"] is False
    with pytest.raises(PrinterError, match="lp9"):
        printer.send(b"x")


def test_none_printer_refuses_to_print():
    printer = open_printer("none")
    with pytest.raises(PrinterError, match="PRINTER=none"):
        printer.send(b"x")
    assert printer.status()["online"] is False

