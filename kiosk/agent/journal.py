"""Print agent: the journal of what this kiosk's printer was given, kept on disk.

It makes delivery idempotent from the agent's side: a job the server hands out again (its
answer was lost on a cut connection, or the server restarted before saving it) is answered
again from the journal and never printed twice. It is also the outbox: an answer the server
has not confirmed stays here and is sent again when the server can be reached.

States: ``sending`` (bytes going to the printer), ``printed``, ``stale`` (too late, not
printed), ``failed`` (the printer refused: the job may be printed when handed out again) and
``uncertain`` (the agent stopped while sending: it may have printed, so it is not printed again).
The file is small JSON, replaced atomically on every change (a power cut leaves the old or the
new file, never half of one); only the latest ``KEEP`` jobs are kept.
"""

from __future__ import annotations

import json
import os
import pathlib
import threading
import time

KEEP = 500
DONE = ("printed", "stale", "uncertain")  # never printed (again) when handed out again


class Journal:
    """Job id -> {state, error, answered, at}, saved to ``path``."""

    def __init__(self, path: pathlib.Path):
        """Load the journal; a job left ``sending`` by a stopped agent becomes ``uncertain``."""
        self.path = pathlib.Path(path)
        self.lock = threading.Lock()
        self.jobs: dict[int, dict] = {}
        if self.path.exists():
            try:
                raw = json.loads(self.path.read_text(encoding="utf-8"))
                self.jobs = {int(k): v for k, v in raw.get("jobs", {}).items()}
            except (ValueError, OSError, AttributeError):
                # An unreadable journal is set aside, not fatal: the server's own states still
                # keep old jobs from printing (they are done or failed there).
                self.path.replace(self.path.with_suffix(f".broken-{int(time.time())}"))
        for entry in self.jobs.values():
            if entry.get("state") == "sending":
                entry.update(state="uncertain", answered=False,
                             error="Chương trình in dừng giữa lúc in: phiếu có thể đã in, không in lại.")
        self._save()

    def state(self, job_id: int) -> str | None:
        """The job's state here, or None when this agent never saw it."""
        entry = self.jobs.get(job_id)
        return entry["state"] if entry else None

    def mark(self, job_id: int, state: str, error: str = "", answered: bool = False) -> None:
        """Record a job's new state (and that its answer is still to be sent)."""
        with self.lock:
            self.jobs[job_id] = {"state": state, "error": error[:300], "answered": answered, "at": time.time()}
            self._save()

    def answered(self, job_id: int) -> None:
        """The server confirmed this job's answer."""
        with self.lock:
            if job_id in self.jobs:
                self.jobs[job_id]["answered"] = True
                self._save()

    def unanswered(self) -> list[tuple[int, str, str]]:
        """(job id, result, error) of every answer the server has not confirmed, oldest first."""
        with self.lock:
            items = sorted(self.jobs.items(), key=lambda item: item[1]["at"])
        result = []
        for job_id, entry in items:
            if entry["answered"] or entry["state"] == "sending":
                continue
            outcome = "stale" if entry["state"] == "uncertain" else entry["state"]
            result.append((job_id, outcome, entry.get("error", "")))
        return result

    def _save(self) -> None:
        """Write the newest KEEP jobs to a temporary file, flush it to disk, then rename it over."""
        newest = sorted(self.jobs.items(), key=lambda item: item[1]["at"])[-KEEP:]
        self.jobs = dict(newest)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump({"jobs": {str(k): v for k, v in self.jobs.items()}}, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.path)
