"""Printing room: printer transports behind one small interface (send bytes, read status).

`open_printer(url, timeout)` parses the PRINTER setting and returns an object with
``send(data)``, ``status()`` and ``close()``; the rest of the app never knows whether the bytes
go over TCP, a serial line, a device file, USB or CUPS. Every call is bounded: `send` and
`status` return or raise `PrinterError` within `timeout` seconds (plus, for a serial line, the
time the bytes need at its baud rate), so a printer that hangs mid-job never hangs the caller.

Status uses the ESC/POS real-time query DLE EOT n where the transport can read an answer
(network, serial); elsewhere paper is "unknown".
"""

from __future__ import annotations

import logging
import os
import select
import shutil
import socket
import subprocess
import time
from urllib.parse import parse_qs, unquote, urlsplit

from escpos.exceptions import DeviceNotFoundError
from escpos.printer import Network, Serial, Usb

from .encode import profile_names

log = logging.getLogger("motcua.printing")

DEFAULT_TIMEOUT = 5.0

# DLE EOT n real-time status requests (ESC/POS).
DLE_EOT_PRINTER = b"\x10\x04\x01"
DLE_EOT_OFFLINE = b"\x10\x04\x02"
DLE_EOT_PAPER = b"\x10\x04\x04"

PAPER_STATES = ("ok", "low", "out", "unknown")

MESSAGES = {
    "ready": "Máy in sẵn sàng",
    "low": "Giấy sắp hết",
    "out": "Máy in hết giấy",
    "cover": "Nắp máy in đang mở",
    "offline": "Máy in đang ngoại tuyến",
    "silent": "Máy in không phản hồi",
    "unknown": "Không đọc được trạng thái giấy qua kết nối này",
    "disabled": "Chưa cấu hình máy in (PRINTER=none)",
}


class PrinterError(Exception):
    """A print or status request failed; the message is short, Vietnamese first."""


class PrinterUnconfirmed(PrinterError):
    """The whole job was sent but the printer did not confirm it: it may have printed, so sending
    it again could print the ticket twice (callers give it up instead of retrying)."""


def _valid_status(byte: int) -> bool:
    """DLE EOT answers have bits 1 and 4 set and bits 0 and 7 clear."""
    return byte & 0x93 == 0x12


def parse_paper(byte: int) -> str:
    """Paper state from a DLE EOT 4 answer: bits 5-6 paper end, bits 2-3 near end."""
    if not _valid_status(byte):
        return "unknown"
    if byte & 0x60:
        return "out"
    if byte & 0x0C:
        return "low"
    return "ok"


def parse_online(byte: int) -> bool | None:
    """Online flag from a DLE EOT 1 answer (bit 3 set = offline); None if not a status byte."""
    if not _valid_status(byte):
        return None
    return not byte & 0x08


def _status(online: bool, paper: str, message: str) -> dict:
    """The status mapping every transport returns."""
    return {"online": bool(online), "paper": paper, "message": message[:300]}


class Printer:
    """Base transport: subclasses implement _send and may override status."""

    scheme = ""
    enabled = True
    reads_status = False

    def __init__(self, url: str, timeout: float = DEFAULT_TIMEOUT, *, name: str = "default",
                 profile: str | None = None, paper_mm: int = 80):
        """Remember the settings; no connection is made until send() or status()."""
        self.url = url
        self.timeout = float(timeout)
        self.name = name
        self.profile = profile
        self.paper_mm = paper_mm

    def __repr__(self) -> str:
        """Show the transport and target, e.g. <NetworkPrinter network://10.0.0.5:9100>."""
        return f"<{type(self).__name__} {self.url}>"

    def send(self, data: bytes) -> None:
        """Send one job's bytes; raise PrinterError (within the timeout) if it did not go."""
        try:
            self._send(bytes(data))
        except PrinterError:
            raise
        except (OSError, DeviceNotFoundError, subprocess.SubprocessError) as exc:
            raise PrinterError(f"Lỗi gửi lệnh in: {exc}".strip()) from exc

    def _send(self, data: bytes) -> None:
        """Transport-specific send."""
        raise NotImplementedError

    def status(self) -> dict:
        """{"online": bool, "paper": "ok|low|out|unknown", "message": str}; never raises."""
        return _status(True, "unknown", MESSAGES["unknown"])

    def close(self) -> None:
        """Release anything held between calls (transports here connect per call)."""


class NullPrinter(Printer):
    """PRINTER=none: printing is switched off; send() always fails, status says so."""

    scheme = "none"
    enabled = False

    def _send(self, data: bytes) -> None:
        """Refuse: there is no printer."""
        raise PrinterError(MESSAGES["disabled"])

    def status(self) -> dict:
        """Offline, paper unknown."""
        return _status(False, "unknown", MESSAGES["disabled"])


class _Deadline:
    """Remaining time of one bounded operation."""

    def __init__(self, seconds: float):
        """Start the clock."""
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        """Seconds left, at least a small positive number so socket calls still time out."""
        return max(0.001, self.end - time.monotonic())

    def expired(self) -> bool:
        """True once the time is up."""
        return time.monotonic() >= self.end


class _QueryingPrinter(Printer):
    """A printer on a two-way line (TCP or serial) that can answer DLE EOT status queries.

    Subclasses say how to open, close, write and query; the order is shared: check the paper
    before sending (a printer out of paper or silent would print a stale ticket later), write,
    then ask again and wait for the answer, which proves the printer took the job. No answer
    after the bytes went out raises PrinterUnconfirmed: the ticket may well be on paper, so the
    caller must not send it again (a loaded server printed a ticket three times that way).
    """

    reads_status = True

    def _open(self, deadline: _Deadline):
        """Open the line within the deadline, or raise PrinterError."""
        raise NotImplementedError

    def _close(self, printer) -> None:
        """Close the line."""
        raise NotImplementedError

    def _query(self, printer, request: bytes, deadline: _Deadline) -> int | None:
        """Send a DLE EOT request and return a valid answer byte, None on silence."""
        raise NotImplementedError

    def _write(self, printer, data: bytes, deadline: _Deadline) -> None:
        """Write the job within the deadline, or raise PrinterError."""
        raise NotImplementedError

    def _send_seconds(self, nbytes: int) -> float:
        """Time allowed for one job of nbytes."""
        return self.timeout

    def _send(self, data: bytes) -> None:
        """Open, check paper, write, confirm; all within one deadline."""
        deadline = _Deadline(self._send_seconds(len(data)))
        printer = self._open(deadline)
        try:
            if self.reads_status:
                answer = self._query(printer, DLE_EOT_PAPER, deadline)
                if answer is None:
                    raise PrinterError(f"{MESSAGES['silent']} (trước khi in)")
                if parse_paper(answer) == "out":
                    raise PrinterError(MESSAGES["out"])
            self._write(printer, data, deadline)
            if self.reads_status and self._query(printer, DLE_EOT_PRINTER, deadline) is None:
                raise PrinterUnconfirmed(f"{MESSAGES['silent']} sau khi gửi lệnh in: phiếu có thể đã in, không gửi lại")
        finally:
            self._close(printer)

    def status(self) -> dict:
        """Online and paper state from DLE EOT 1/2/4; offline if unreachable or silent."""
        deadline = _Deadline(self.timeout)
        try:
            printer = self._open(deadline)
        except PrinterError as exc:
            return _status(False, "unknown", str(exc))
        try:
            if not self.reads_status:
                return _status(True, "unknown", MESSAGES["unknown"])
            return _status_from_queries(lambda req: self._query(printer, req, deadline))
        finally:
            self._close(printer)


class NetworkPrinter(_QueryingPrinter):
    """Raw TCP (port 9100, "JetDirect"), via python-escpos Network; one connection per call.

    `?status=0` in the URL skips the status queries for printers that never answer DLE EOT.
    """

    scheme = "network"

    def __init__(self, url, timeout=DEFAULT_TIMEOUT, *, host: str, port: int,
                 query_status: bool = True, **kwargs):
        """Target host:port."""
        super().__init__(url, timeout, **kwargs)
        self.host, self.port = host, port
        self.reads_status = query_status

    def _open(self, deadline: _Deadline) -> Network:
        """A python-escpos Network printer on a socket connected within the deadline."""
        # Connect here rather than with Network.open(): on a refused connection that method
        # drops its socket without closing it (a ResourceWarning, and an fd until GC).
        try:
            sock = socket.create_connection((self.host, self.port), timeout=deadline.left())
        except OSError as exc:
            raise PrinterError(
                f"Không kết nối được máy in {self.host}:{self.port} ({exc})"
            ) from exc
        printer = Network(self.host, self.port, timeout=self.timeout, profile=self.profile)
        printer.device = sock
        return printer

    def _query(self, printer: Network, request: bytes, deadline: _Deadline) -> int | None:
        """Send a DLE EOT request and return the first valid answer byte, None on silence."""
        sock = printer.device
        sock.settimeout(deadline.left())
        try:
            sock.sendall(request)
            while not deadline.expired():
                sock.settimeout(deadline.left())
                chunk = sock.recv(16)
                if not chunk:
                    return None  # peer closed
                # Bytes that are not status answers (or answers to DLE EOT sequences that
                # happened to occur inside image data) are skipped; the last valid one wins.
                valid = [b for b in chunk if _valid_status(b)]
                if valid:
                    return valid[-1]
        except TimeoutError:
            return None
        except OSError:
            return None
        return None

    def _close(self, printer: Network) -> None:
        """Close the connection."""
        printer.close()

    def _write(self, printer: Network, data: bytes, deadline: _Deadline) -> None:
        """Send the job on the socket within the deadline."""
        sock = printer.device
        sock.settimeout(deadline.left())
        try:
            sock.sendall(data)
        except TimeoutError as exc:
            raise PrinterError("Máy in ngừng nhận dữ liệu giữa chừng (quá thời gian)") from exc
        except OSError as exc:
            raise PrinterError(f"Mất kết nối máy in giữa chừng ({exc})") from exc


def _status_from_queries(query) -> dict:
    """Ask DLE EOT 1, 4 (and 2 when offline) through `query(request) -> byte | None`."""
    first = query(DLE_EOT_PRINTER)
    if first is None:
        return _status(False, "unknown", MESSAGES["silent"])
    online = parse_online(first)
    paper_byte = query(DLE_EOT_PAPER)
    paper = parse_paper(paper_byte) if paper_byte is not None else "unknown"
    if paper == "out":
        return _status(bool(online), "out", MESSAGES["out"])
    if online is False:
        cause = query(DLE_EOT_OFFLINE)
        if cause is not None and _valid_status(cause) and cause & 0x04:
            return _status(False, paper, MESSAGES["cover"])
        return _status(False, paper, MESSAGES["offline"])
    return _status(True, paper, MESSAGES["low"] if paper == "low" else MESSAGES["ready"])


class SerialPrinter(_QueryingPrinter):
    """A serial (RS-232 / USB-serial) printer via python-escpos Serial (needs pyserial)."""

    scheme = "serial"

    def __init__(self, url, timeout=DEFAULT_TIMEOUT, *, devfile: str, baudrate: int = 9600,
                 options: dict | None = None, query_status: bool = True, **kwargs):
        """Device path and line settings (baudrate, bytesize, parity, stopbits, xonxoff, dsrdtr)."""
        super().__init__(url, timeout, **kwargs)
        self.devfile, self.baudrate = devfile, baudrate
        self.options = options or {}
        self.reads_status = query_status

    def _send_seconds(self, nbytes: int) -> float:
        """The timeout plus what the line needs for nbytes at 10 bits a byte, with half again as margin."""
        return self.timeout + 1.5 * nbytes * 10 / self.baudrate

    def _open(self, deadline: _Deadline) -> Serial:
        """Open the port with read and write timeouts (flow control can stall writes)."""
        try:
            printer = Serial(devfile=self.devfile, baudrate=self.baudrate,
                             timeout=deadline.left(), profile=self.profile, **self.options)
            printer.open()
        except (DeviceNotFoundError, RuntimeError, OSError) as exc:
            raise PrinterError(f"Không mở được cổng máy in {self.devfile} ({exc})") from exc
        printer.device.write_timeout = deadline.left()
        return printer

    def _close(self, printer: Serial) -> None:
        """Close without draining: a stalled printer would otherwise block in tcdrain()."""
        port = printer._device
        if port:
            try:
                port.reset_output_buffer()
            except Exception as exc:  # noqa: BLE001 - the port may be gone; closing is all we want
                log.debug("serial reset before close failed: %s", exc)
            port.close()
        printer._device = False

    def _query(self, printer: Serial, request: bytes, deadline: _Deadline) -> int | None:
        """Send a DLE EOT request and wait for one valid answer byte."""
        port = printer.device
        try:
            port.write_timeout = deadline.left()
            port.write(request)
            while not deadline.expired():
                port.timeout = deadline.left()
                chunk = port.read(1)
                if not chunk:
                    return None
                if _valid_status(chunk[0]):
                    return chunk[0]
        except Exception:  # noqa: BLE001 - pyserial raises SerialException/SerialTimeoutException
            return None
        return None

    def _write(self, printer: Serial, data: bytes, deadline: _Deadline) -> None:
        """Write the job within the line-speed allowance."""
        try:
            printer.device.write_timeout = deadline.left()
            printer.device.write(data)
        except Exception as exc:  # noqa: BLE001 - pyserial raises SerialException/SerialTimeoutException
            raise PrinterError(f"Máy in ngừng nhận dữ liệu giữa chừng ({exc})") from exc


class FilePrinter(Printer):
    """A device file such as /dev/usb/lp0 (Linux usblp); write-only.

    Written with O_NONBLOCK and select() instead of python-escpos File: a plain write() to a
    printer that stopped taking data blocks without end, and under eventlet it would block
    the whole server. select() is green under eventlet's monkey patching.
    """

    scheme = "file"

    def __init__(self, url, timeout=DEFAULT_TIMEOUT, *, path: str, **kwargs):
        """The file to write to."""
        super().__init__(url, timeout, **kwargs)
        self.path = path

    def _send(self, data: bytes) -> None:
        """Write the whole job before the deadline; usblp reports paper out as an OSError."""
        if not os.path.exists(self.path):
            raise PrinterError(f"Không thấy thiết bị máy in {self.path}")
        deadline = _Deadline(self.timeout)
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK | os.O_APPEND)
        except OSError as exc:
            raise PrinterError(f"Không mở được {self.path} ({exc.strerror})") from exc
        try:
            view = memoryview(data)
            while view:
                _, writable, _ = select.select([], [fd], [], deadline.left())
                if not writable:
                    raise PrinterError("Máy in ngừng nhận dữ liệu giữa chừng (quá thời gian)")
                try:
                    view = view[os.write(fd, view[:65536]):]
                except BlockingIOError:
                    continue
        finally:
            os.close(fd)

    def status(self) -> dict:
        """Online when the device file exists and is writable; paper cannot be read."""
        if not os.path.exists(self.path):
            return _status(False, "unknown", f"Không thấy thiết bị máy in {self.path}")
        if not os.access(self.path, os.W_OK):
            return _status(False, "unknown", f"Không có quyền ghi {self.path}")
        return _status(True, "unknown", MESSAGES["unknown"])


class _OpenPerJob(Printer):
    """A printer python-escpos opens for each job and status read (USB, Windows): subclasses say how."""

    send_error = "Lỗi gửi lệnh in"

    def _open(self):
        """The opened python-escpos printer, or PrinterError saying why not."""
        raise NotImplementedError

    def _send(self, data: bytes) -> None:
        """Open, write the job raw, close."""
        printer = self._open()
        try:
            printer._raw(data)
        except Exception as exc:
            raise PrinterError(f"{self.send_error} ({exc})") from exc
        finally:
            printer.close()

    def status(self) -> dict:
        """Online when the printer can be opened; paper cannot be read this way."""
        try:
            self._open().close()
        except PrinterError as exc:
            return _status(False, "unknown", str(exc))
        return _status(True, "unknown", MESSAGES["unknown"])


class UsbPrinter(_OpenPerJob):
    """A USB printer by vendor:product id via python-escpos Usb (needs pyusb and libusb)."""

    scheme = "usb"
    send_error = "Lỗi gửi lệnh in qua USB"

    def __init__(self, url, timeout=DEFAULT_TIMEOUT, *, vendor: int, product: int, **kwargs):
        """USB ids, e.g. 0x04b8:0x0202 (Epson)."""
        super().__init__(url, timeout, **kwargs)
        self.vendor, self.product = vendor, product

    def _open(self) -> Usb:
        """Find and claim the device; pyusb's timeout is in milliseconds."""
        try:
            printer = Usb(self.vendor, self.product, timeout=int(self.timeout * 1000),
                          profile=self.profile)
            printer.open()
        except Exception as exc:
            raise PrinterError(
                f"Không mở được máy in USB {self.vendor:04x}:{self.product:04x} ({exc}); "
                "trên Linux có thể dùng file:///dev/usb/lp0"
            ) from exc
        return printer


class CupsPrinter(Printer):
    """A CUPS queue, sent raw with the `lp` command (no pycups needed)."""

    scheme = "cups"

    def __init__(self, url, timeout=DEFAULT_TIMEOUT, *, queue: str, **kwargs):
        """The CUPS queue name."""
        super().__init__(url, timeout, **kwargs)
        self.queue = queue

    def _run(self, argv: list[str], data: bytes | None = None) -> subprocess.CompletedProcess:
        """Run a CUPS client command within the timeout."""
        if shutil.which(argv[0]) is None:
            raise PrinterError(f"Không có lệnh '{argv[0]}' (cài cups-client)")
        try:
            return subprocess.run(argv, input=data, capture_output=True, timeout=self.timeout,
                                  check=False)
        except subprocess.TimeoutExpired as exc:
            raise PrinterError(f"CUPS không trả lời trong {self.timeout:g} giây") from exc

    def _send(self, data: bytes) -> None:
        """Queue the job raw; CUPS itself takes care of delivery."""
        done = self._run(["lp", "-d", self.queue, "-o", "raw", "-t", "motcua"], data)
        if done.returncode != 0:
            raise PrinterError(f"CUPS từ chối lệnh in: {done.stderr.decode(errors='replace')}")

    def status(self) -> dict:
        """Enabled/disabled from `lpstat -p`; paper unknown."""
        try:
            done = self._run(["lpstat", "-p", self.queue])
        except PrinterError as exc:
            return _status(False, "unknown", str(exc))
        text = (done.stdout or done.stderr).decode(errors="replace").strip()
        online = done.returncode == 0 and "disabled" not in text
        return _status(online, "unknown", text or MESSAGES["unknown"])


class Win32Printer(_OpenPerJob):
    """A printer installed in Windows (a kiosk running the print agent), sent raw with python-escpos
    Win32Raw (needs pywin32). Not tested here: the project has no Windows machine."""

    scheme = "win32"
    send_error = "Lỗi gửi lệnh in tới Windows"

    def __init__(self, url, timeout=DEFAULT_TIMEOUT, *, printer_name: str, **kwargs):
        """The Windows printer's name, as in Settings > Printers."""
        super().__init__(url, timeout, **kwargs)
        self.printer_name = printer_name

    def _open(self):
        """Open the Windows printer, or explain why it cannot be (not Windows, no pywin32, no such printer)."""
        try:
            from escpos.printer import Win32Raw

            printer = Win32Raw(printer_name=self.printer_name, profile=self.profile)
            printer.open()
        except Exception as exc:
            raise PrinterError(
                f"Không mở được máy in Windows “{self.printer_name}” ({exc}); cần Windows và gói pywin32"
            ) from exc
        return printer


def _one(query: dict, key: str, default=None):
    """Last value of a query-string key."""
    values = query.get(key)
    return values[-1] if values else default


def _flag(value: str | None, default: bool) -> bool:
    """Parse 1/0, true/false, yes/no."""
    if value is None:
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"expected 0 or 1, not {value!r}")


def _usb_id(text: str) -> int:
    """A USB vendor/product id in hex (0x04b8 or 04b8)."""
    return int(text, 16)


def open_printer(url: str, timeout: float = DEFAULT_TIMEOUT, *, profile: str | None = None,
                 paper_mm: int = 80, name: str = "default") -> Printer:
    """Parse a PRINTER setting into a transport; a malformed URL raises ValueError.

    network://host[:9100][?status=0]     raw TCP; status=0 for printers that never answer
    usb://0x04b8:0x0202                   vendor:product (pyusb + libusb)
    serial:///dev/ttyUSB0?baudrate=19200  also bytesize, parity (N/E/O), stopbits, xonxoff, dsrdtr
    file:///dev/usb/lp0                   a device file (Linux usblp), appended to
    cups://queue-name                     a CUPS queue, sent raw with `lp`
    win32://Printer Name                  a Windows printer via python-escpos Win32Raw (untested)
    none                                  printing off
    Every scheme also takes ?profile=TM-T88V&paper=58&name=... overriding the arguments.
    """
    if not isinstance(url, str) or not url.strip():
        raise ValueError("PRINTER is empty; use e.g. network://192.168.1.50:9100 or none")
    text = url.strip()
    if text.lower() in ("none", "none://", "off", "disabled"):
        return NullPrinter("none", timeout, name=name, profile=profile, paper_mm=paper_mm)
    if timeout is None or float(timeout) <= 0:
        raise ValueError(f"printer timeout must be a positive number of seconds, not {timeout!r}")
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    query = parse_qs(parts.query, keep_blank_values=True)
    hint = f"PRINTER={text!r}"
    try:
        profile = _one(query, "profile", profile)
        if profile is not None and profile not in profile_names():
            raise ValueError(f"unknown profile {profile!r}; known: {', '.join(profile_names())}")
        paper_mm = int(_one(query, "paper", paper_mm))
        if paper_mm not in (58, 80):
            raise ValueError(f"paper must be 58 or 80, not {paper_mm}")
        common = {"name": _one(query, "name", name), "profile": profile, "paper_mm": paper_mm}
        query_status = _flag(_one(query, "status"), True)
        if scheme == "network":
            if not parts.hostname:
                raise ValueError("missing host, e.g. network://192.168.1.50:9100")
            port = parts.port or 9100
            return NetworkPrinter(text, timeout, host=parts.hostname, port=port,
                                  query_status=query_status, **common)
        if scheme == "usb":
            ids = (parts.netloc or parts.path.lstrip("/")).split(":")
            if len(ids) != 2:
                raise ValueError("expected usb://VENDOR:PRODUCT in hex, e.g. usb://0x04b8:0x0202")
            return UsbPrinter(text, timeout, vendor=_usb_id(ids[0]), product=_usb_id(ids[1]),
                              **common)
        if scheme == "serial":
            devfile = unquote(parts.path)
            if parts.netloc or not devfile.startswith("/"):
                raise ValueError("expected serial:///dev/ttyUSB0 (three slashes, absolute path)")
            options = {}
            for key, cast in (("bytesize", int), ("stopbits", int), ("parity", str.upper),
                              ("xonxoff", lambda v: _flag(v, False)),
                              ("dsrdtr", lambda v: _flag(v, True))):
                value = _one(query, key)
                if value is not None:
                    options[key] = cast(value)
            baudrate = int(_one(query, "baudrate", 9600))
            if baudrate <= 0:
                raise ValueError(f"baudrate must be positive, not {baudrate}")
            return SerialPrinter(text, timeout, devfile=devfile, baudrate=baudrate,
                                 options=options, query_status=query_status, **common)
        if scheme == "file":
            path = unquote(parts.path)
            if parts.netloc or not path.startswith("/"):
                raise ValueError("expected file:///dev/usb/lp0 (three slashes, absolute path)")
            return FilePrinter(text, timeout, path=path, **common)
        if scheme == "win32":
            name = unquote(parts.netloc or parts.path.lstrip("/"))
            if not name:
                raise ValueError("missing printer name, e.g. win32://EPSON TM-T20II Receipt")
            return Win32Printer(text, timeout, printer_name=name, **common)
        if scheme == "cups":
            queue = unquote(parts.netloc or parts.path.lstrip("/"))
            if not queue:
                raise ValueError("missing queue name, e.g. cups://TM-T20")
            return CupsPrinter(text, timeout, queue=queue, **common)
    except ValueError as exc:
        raise ValueError(f"Invalid {hint}: {exc}") from None
    raise ValueError(
        f"Invalid {hint}: unknown scheme {parts.scheme!r}; use network://, usb://, serial://, "
        "file://, cups://, win32:// or none"
    )
