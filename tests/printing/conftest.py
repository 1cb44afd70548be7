"""Printing room test fixtures: a temp SQLite file with one office/field/ticket, a fake ESC/POS
network printer on 127.0.0.1, and a decoder turning GS v 0 bytes back into an image."""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time

import pytest
from PIL import Image

import migrations
import models
from models import Field, Office, PrintJob, Ticket

STATUS_OK = {1: 0x12, 2: 0x12, 4: 0x12}
# Paper end: printer offline (bit 3), stopped by paper end (bit 5), roll sensor bits 5-6.
STATUS_PAPER_OUT = {1: 0x1A, 2: 0x32, 4: 0x72}
STATUS_PAPER_LOW = {1: 0x12, 2: 0x12, 4: 0x1E}
SLOW_S = 1.5


class FakePrinter:
    """A TCP printer on 127.0.0.1 speaking the parts of ESC/POS the transports use.

    mode: "ok" | "paper_out" | "paper_low" | "hang" (accept, never read) |
          "drop" (answer, read a little of the job, close) |
          "stall" (answer, read a little of the job, then stop reading and answering) |
          "slow" (like ok, but pauses SLOW_S once the job's image starts: a job in progress).
    Every DLE EOT n in the stream is answered like a real printer would.
    """

    def __init__(self):
        """Listen on a free loopback port."""
        self.mode = "ok"
        self.jobs: list[bytes] = []  # full streams of connections that carried an image
        self.connections = 0
        self.paused = 0  # "slow" jobs whose image had started arriving when the printer paused
        self._stop = threading.Event()
        self._server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(16)
        self._server.settimeout(0.05)
        self.port = self._server.getsockname()[1]
        self.url = f"network://127.0.0.1:{self.port}"
        self._threads: list[threading.Thread] = []
        self._accept = threading.Thread(target=self._accept_loop, daemon=True)
        self._accept.start()

    @property
    def printed(self) -> list[bytes]:
        """Jobs received whole: image data and the final cut."""
        return [job for job in self.jobs if b"\x1dV\x00" in job[job.rfind(b"\x1dv0"):]]

    def _accept_loop(self):
        """Accept until stopped; one thread per connection, as printers queue connections."""
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            thread = threading.Thread(target=self._serve, args=(conn, self.mode), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _answers(self, buffer: bytes, start: int, mode: str) -> tuple[bytes, int]:
        """Replies to DLE EOT n found in buffer[start:], and where to scan from next time."""
        table = {"paper_out": STATUS_PAPER_OUT, "paper_low": STATUS_PAPER_LOW}.get(mode, STATUS_OK)
        out = bytearray()
        i = max(0, start)
        while True:
            i = buffer.find(b"\x10\x04", i)
            if i < 0 or i + 2 >= len(buffer):
                # keep a possibly split sequence for the next chunk
                return bytes(out), (len(buffer) - 2 if i < 0 else i)
            n = buffer[i + 2]
            if n in table:
                out.append(table[n])
            i += 3

    def _serve(self, conn: socket.socket, mode: str):
        """Handle one connection in the mode current when it was accepted."""
        conn.settimeout(0.05)
        buffer = b""
        scan = 0
        image_bytes = 0
        paused = False
        try:
            while not self._stop.is_set():
                if mode == "hang":
                    time.sleep(0.05)
                    continue
                if mode == "stall" and image_bytes > 1000:
                    time.sleep(0.05)  # stop reading: kernel buffers fill, nothing is answered
                    continue
                try:
                    chunk = conn.recv(1024 if mode in ("drop", "stall") else 65536)
                except TimeoutError:
                    continue
                except OSError:
                    break
                if not chunk:
                    break
                buffer += chunk
                if b"\x1dv0" in buffer:
                    image_bytes = len(buffer) - buffer.index(b"\x1dv0")
                if mode == "drop" and image_bytes > 1000:
                    break
                if mode == "slow" and image_bytes and not paused:
                    paused = True
                    self.paused += 1
                    time.sleep(SLOW_S)
                reply, scan = self._answers(buffer, scan, mode)
                if reply:
                    conn.sendall(reply)
        finally:
            if b"\x1dv0" in buffer:
                self.jobs.append(buffer)
            conn.close()

    def close(self):
        """Stop serving and close every socket."""
        self._stop.set()
        self._accept.join(timeout=2)
        self._server.close()
        for thread in self._threads:
            thread.join(timeout=2)


def wait_for(predicate, timeout=8.0, what=None):
    """Poll ``predicate`` until true or ``timeout`` seconds pass; its last value (with ``what``: fail
    naming it instead of returning a false value)."""
    deadline = time.monotonic() + timeout
    value = predicate()
    while not value and time.monotonic() < deadline:
        time.sleep(0.05)
        value = predicate()
    if what is not None and not value:
        raise AssertionError(f"timed out waiting for {what}")
    return value


@pytest.fixture
def fake_printer():
    """A fake network printer for one test."""
    printer = FakePrinter()
    yield printer
    printer.close()


@pytest.fixture
def closed_port():
    """A loopback port with nothing listening (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def raster_image(data: bytes) -> Image.Image:
    """Rebuild the printed picture from the GS v 0 bands in ESC/POS bytes."""
    bands = []
    i = data.find(b"\x1dv0")
    while i >= 0:
        width_bytes = data[i + 4] | data[i + 5] << 8
        height = data[i + 6] | data[i + 7] << 8
        start = i + 8
        raw = data[start:start + width_bytes * height]
        # ESC/POS raster: bit 1 = black; PIL "1" raw: bit 1 = white.
        bands.append(Image.frombytes("1", (width_bytes * 8, height), bytes(b ^ 0xFF for b in raw)))
        i = data.find(b"\x1dv0", start + len(raw))
    page = Image.new("1", (bands[0].width, sum(b.height for b in bands)), 1)
    y = 0
    for band in bands:
        page.paste(band, (0, y))
        y += band.height
    return page


@pytest.fixture
def decode_raster():
    """The raster_image helper, as a fixture so tests need no import path tricks."""
    return raster_image


@pytest.fixture
def printing_db(tmp_path):
    """A temporary SQLite file database with every table."""
    models.db.initialize(models.make_database(f"sqlite:///{tmp_path}/t.db"))
    migrations.upgrade()
    yield models.db
    if not models.db.is_closed():
        models.db.close()


@pytest.fixture
def office_row(printing_db):
    """An office and one field."""
    with models.connection():
        office = Office.create(name="Trung tâm Phục vụ hành chính công xã Điện Biên Đông",
                               ticket_footer="Xin cảm ơn quý công dân!")
        field = Field.create(office=office, name="Tư pháp - Hộ tịch", code="HT")
    return office, field


@pytest.fixture
def make_ticket_row(office_row):
    """Factory: a waiting ticket numbered 1001, 1002, ... in the office's field."""
    office, field = office_row
    counter = iter(range(1001, 2000))

    def make() -> Ticket:
        number = next(counter)
        with models.connection():
            return Ticket.create(office=office, field=field, issued_field=field,
                                 day=dt.date(2025, 11, 27), number=number,
                                 display_number=str(number),
                                 issued_at=dt.datetime(2025, 11, 27, 1, 15))

    return make


@pytest.fixture
def build_data(office_row):
    """A build_data(job) like the engine's: ticket row -> TicketPrint with its status URL."""
    from kiosk.printing import ticket_print_from

    office, field = office_row

    def build(job):
        ticket = Ticket.get_by_id(job.ticket_id)
        return ticket_print_from(ticket, office, field, people_ahead=2, estimated_wait_min=10,
                                 status_url=f"https://motcua.test/t/{ticket.public_token}")

    return build


@pytest.fixture
def make_print_job(make_ticket_row):
    """Factory: a pending print job for a ticket (a new one by default), as issue_ticket(print_ticket=True)
    queues it; returns the job id."""

    def make(ticket=None, now=None) -> int:
        ticket = ticket or make_ticket_row()
        now = now or models.utcnow()
        with models.connection():
            return PrintJob.create(office=ticket.office_id, ticket=ticket.id, next_attempt_at=now, created_at=now).id

    return make


class TcpProxy:
    """A TCP relay on 127.0.0.1 in front of a server; ``cut()`` drops every connection and refuses
    new ones (a network cut) until ``resume()``."""

    def __init__(self, target_port: int):
        """Listen on a free loopback port, relaying to 127.0.0.1:target_port."""
        self.target = ("127.0.0.1", target_port)
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.05)
        self.port = self._server.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.open = threading.Event()
        self.open.set()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._links: list[socket.socket] = []
        self._accept = threading.Thread(target=self._accept_loop, daemon=True)
        self._accept.start()

    def _accept_loop(self):
        """Accept clients; while cut, close them at once."""
        while not self._stop.is_set():
            try:
                client, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if not self.open.is_set():
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=2)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._links += [client, upstream]
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    def _pump(self, src, dst):
        """Copy one direction until either side closes."""
        src.settimeout(None)
        try:
            while chunk := src.recv(65536):
                dst.sendall(chunk)
        except OSError:
            pass
        for sock in (src, dst):
            self._drop(sock)

    @staticmethod
    def _drop(sock):
        """Shut a socket down both ways (the peer sees the end at once) and close it."""
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()

    def cut(self):
        """Drop every relayed connection and refuse new ones."""
        self.open.clear()
        with self._lock:
            links, self._links = self._links, []
        for sock in links:
            self._drop(sock)

    def resume(self):
        """Relay new connections again."""
        self.open.set()

    def close(self):
        """Stop relaying."""
        self._stop.set()
        self.cut()
        self._accept.join(timeout=2)
        self._server.close()


@pytest.fixture
def tcp_proxy():
    """Factory of TCP proxies, all closed after the test."""
    made = []

    def make(target_port):
        proxy = TcpProxy(target_port)
        made.append(proxy)
        return proxy

    yield make
    for proxy in made:
        proxy.close()
