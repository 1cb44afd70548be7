"""Print agent: take this kiosk's print jobs from the server and print them on the local printer.

One thread keeps a Socket.IO connection to the server's ``/agent`` namespace (authenticated
with the kiosk's device token) and wakes the main loop when the server says jobs are waiting;
the main loop takes jobs (over the socket, or over HTTP while the socket is down), prints each
through ``kiosk.printing.transport`` (the server's own transport code), answers each, and
reports the printer's state. A lost connection or a restarted server costs nothing: the jobs
stay queued on the server, answers wait in the journal until they are confirmed, and a job
handed out twice is answered from the journal instead of printed twice.
"""

from __future__ import annotations

import base64
import logging
import pathlib
import threading
import time

import requests
import socketio

from kiosk.printing.transport import PrinterError, PrinterUnconfirmed, open_printer

from .journal import DONE, Journal

log = logging.getLogger("motcua.agent")

NAMESPACE = "/agent"
CALL_TIMEOUT_S = 10.0


class Unreachable(Exception):
    """The server could not be asked (no socket, and HTTP failed)."""


class Agent:
    """The print agent of one kiosk."""

    def __init__(self, server: str, token: str, printer_url: str, state_dir: pathlib.Path, *,
                 timeout: float = 5.0, poll_s: float = 2.0, status_s: float = 15.0):
        """Settings; nothing connects until run()."""
        self.server = server.rstrip("/")
        self.token = token
        self.printer = open_printer(printer_url, timeout, name="agent")
        self.journal = Journal(pathlib.Path(state_dir) / "journal.json")
        self.poll_s = poll_s
        self.status_s = status_s
        self.http = requests.Session()
        self.http.headers["X-Device-Token"] = token
        self.wake = threading.Event()
        self.stop = threading.Event()
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("connect", self._on_connect, namespace=NAMESPACE)
        self.sio.on("disconnect", self._on_disconnect, namespace=NAMESPACE)
        self.sio.on("jobs", lambda data=None: self.wake.set(), namespace=NAMESPACE)
        self.last_status: dict | None = None
        self.status_due = 0.0

    # ------------------------------------------------------------------ the connection

    def _on_connect(self):
        """Connected: take what is waiting and say how the printer is, now."""
        log.info("Đã kết nối máy chủ %s (Socket.IO)", self.server)
        self.status_due = 0.0
        self.wake.set()

    def _on_disconnect(self, reason=None):
        """The socket dropped: the main loop falls back on HTTP until it is back."""
        log.warning("Mất kết nối Socket.IO với máy chủ (%s); dùng HTTP cho tới khi kết nối lại", reason or "?")
        self.wake.set()

    def _close_socket(self) -> None:
        """Close whatever half-open transport a failed attempt left behind."""
        try:
            if self.sio.connected:
                self.sio.disconnect()
            elif self.sio.eio.state == "connected":
                self.sio.eio.disconnect()
        except Exception as exc:  # noqa: BLE001 - closing a dead connection may fail in many ways
            log.debug("closing the socket: %s", exc)

    def link(self) -> None:
        """Keep the socket connected until stopped, retrying with back-off (1, 2, 4 ... 10 s)."""
        delay = 1.0
        while not self.stop.is_set():
            if not self.sio.connected:
                self._close_socket()
                try:
                    self.sio.connect(self.server, namespaces=[NAMESPACE], auth={"device_token": self.token},
                                     transports=["websocket"], wait_timeout=CALL_TIMEOUT_S)
                    delay = 1.0
                except Exception as exc:  # noqa: BLE001 - refused, timed out, unauthorized: retry later
                    log.debug("Socket.IO connect failed: %s", exc)
                    self.stop.wait(delay)
                    delay = min(10.0, delay * 2)
                    continue
            self.stop.wait(0.5)
        self._close_socket()

    # ------------------------------------------------------------------ asking the server

    def ask(self, event: str, data: dict, path: str) -> dict:
        """One call to the server: over the socket when connected, else over HTTP."""
        if self.sio.connected:
            try:
                answer = self.sio.call(event, data, namespace=NAMESPACE, timeout=CALL_TIMEOUT_S)
                if isinstance(answer, dict):
                    return answer
            except Exception as exc:  # noqa: BLE001 - timed out or dropped mid-call: try HTTP
                log.debug("Socket.IO %s failed: %s", event, exc)
        try:
            response = self.http.post(self.server + path, json=data, timeout=CALL_TIMEOUT_S)
        except requests.RequestException as exc:
            raise Unreachable(str(exc)) from exc
        if response.status_code >= 500 or response.status_code in (401, 403):
            raise Unreachable(f"HTTP {response.status_code}: {response.text[:200]}")
        try:
            return response.json()
        except ValueError as exc:
            raise Unreachable(f"HTTP {response.status_code}: not JSON") from exc

    def answer(self, job_id: int, result: str, error: str = "") -> None:
        """Send one job's answer; the journal keeps it until the server confirms."""
        body = self.ask("ack", {"job": job_id, "result": result, "error": error},
                        f"/api/agent/jobs/{job_id}/ack")
        if "job" in body or body.get("error") == "not_found":
            self.journal.answered(job_id)
        else:
            log.warning("Máy chủ chưa nhận kết quả lệnh in %s: %s", job_id, body.get("message", body))

    def flush(self) -> None:
        """Send every answer the server has not confirmed yet (after a cut, after a restart)."""
        for job_id, result, error in self.journal.unanswered():
            self.answer(job_id, result, error)

    def take(self) -> list[dict]:
        """The kiosk's jobs waiting on the server."""
        holding = [job_id for job_id, _, _ in self.journal.unanswered()]
        body = self.ask("take", {"holding": holding}, "/api/agent/take")
        if "jobs" not in body:
            raise Unreachable(body.get("message") or str(body))
        return body["jobs"]

    def report(self, force: bool = False) -> None:
        """Read the printer's state and tell the server, every status_s (at once when forced)."""
        if not force and time.monotonic() < self.status_due:
            return
        status = self.printer.status()
        self.ask("status", status, "/api/agent/status")
        if status != self.last_status:
            log.info("Máy in: %s", status["message"])
        self.last_status = status
        self.status_due = time.monotonic() + self.status_s

    # ------------------------------------------------------------------ printing

    def handle(self, job: dict, received: float) -> bool:
        """Print one job unless it was printed already or came too late; False when the printer failed."""
        job_id = job["id"]
        label = f"phiếu {job['number']}" if job.get("number") else "trang in thử"
        seen = self.journal.state(job_id)
        if seen in DONE or seen == "sending":
            log.info("Lệnh in %s (%s) đã xử lý trước đó (%s): không in lại", job_id, label, seen)
            return True
        age = float(job.get("age_s", 0)) + (time.monotonic() - received)
        if age > float(job.get("max_age_s", 180)):
            error = f"Quá hạn in sau {age:.0f} giây: {label} không được in (đến máy in quá muộn)."
            log.warning("Lệnh in %s: %s", job_id, error)
            self.journal.mark(job_id, "stale", error)
            return True
        self.journal.mark(job_id, "sending")
        try:
            self.printer.send(base64.b64decode(job["data"]))
        except PrinterUnconfirmed as exc:
            # It may be on paper: answered like a job cut off mid-print, never printed again.
            log.warning("Lệnh in %s (%s): %s", job_id, label, exc)
            self.journal.mark(job_id, "uncertain", str(exc))
            return False
        except PrinterError as exc:
            log.warning("Lệnh in %s (%s) chưa in được: %s", job_id, label, exc)
            self.journal.mark(job_id, "failed", str(exc))
            return False
        self.journal.mark(job_id, "printed")
        log.info("Đã in %s (lệnh in %s)", label, job_id)
        return True

    def step(self) -> bool:
        """One pass: answers, jobs, printer state; True when it printed or answered something."""
        self.flush()
        jobs = self.take()
        received = time.monotonic()
        for job in jobs:
            if not self.handle(job, received):
                self.flush()
                self.report(force=True)  # the printer just failed: the monitor should know now
                break
        self.flush()
        self.report()
        return bool(jobs)

    def shutdown(self) -> None:
        """Stop after the current step (SIGTERM from systemd, Ctrl+C)."""
        self.stop.set()
        self.wake.set()

    def run(self) -> None:
        """Work until stop is set: the socket thread and the main loop."""
        log.info("Chương trình in motcua: máy chủ %s, máy in %s", self.server, self.printer.url)
        linker = threading.Thread(target=self.link, name="agent-link", daemon=True)
        linker.start()
        unreachable_since = None
        while not self.stop.is_set():
            try:
                busy = self.step()
                if unreachable_since is not None:
                    log.info("Đã liên lạc lại được với máy chủ")
                    unreachable_since = None
            except Unreachable as exc:
                busy = False
                if unreachable_since is None:
                    unreachable_since = time.monotonic()
                    log.warning("Không liên lạc được máy chủ (%s); lệnh in vẫn chờ ở máy chủ, thử lại sau", exc)
            if busy:
                continue
            # Pushed hints wake the loop at once; the poll is the safety net (and the HTTP fallback).
            self.wake.wait(self.poll_s if not self.sio.connected else max(self.poll_s, 10.0))
            self.wake.clear()
        linker.join(timeout=CALL_TIMEOUT_S + 2)
        log.info("Chương trình in đã dừng")
