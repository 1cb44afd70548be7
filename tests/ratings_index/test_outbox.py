"""Ratings room tests: the hand-off. The push against a real local HTTP receiver that fails its first
tries and loses one answer (every record arrives, none is taken twice by its idempotency key,
every signature verifies), the push run by the background leader only, and the cursor export
(every record once across pages) with its CSV and xlsx."""

import csv
import io
import json
import threading
import time

import openpyxl
import pytest

from tests.conftest import ROOT
from tests.loopback import LoopbackHTTP

import background
import leader
import models
import ticketing
from models import OutboxItem, RatingSettings
from outbox import push
from outbox import settings as outbox_settings

from .conftest import served

SECRET = "khoa-ky-chung-cua-tinh-2026"


def documented_verify():
    """The receiver's signature check exactly as docs/API.md shows it (the block after its marker)."""
    text = (ROOT / "docs" / "API.md").read_text(encoding="utf-8")
    block = text.split("<!-- verify-signature:", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    scope = {}
    exec(compile(block, "docs/API.md", "exec"), scope)  # noqa: S102 - our own document's example
    return scope["verify"]


VERIFY = documented_verify()


class Receiver(LoopbackHTTP):
    """A province endpoint on loopback: checks each signature, takes each key once, fails on demand.

    ``fail_first``: the first requests answer 503 (the endpoint is down). ``lose``: a key whose
    first delivery is stored but answered 500 (the answer lost on the way), so it comes again.
    """

    def __init__(self, fail_first=0, lose=None):
        """Listen on a free loopback port, in a thread."""
        self.fail_first, self.lose = fail_first, lose
        self.requests = []  # (key, signature ok, status answered)
        self.taken = {}  # idempotency key -> body
        self.lock = threading.Lock()
        super().__init__(self.handle, path="/api/danh-gia")

    def handle(self, headers, body) -> int:
        """The status for one delivery."""
        signed = VERIFY(SECRET, headers, body)  # the check docs/API.md gives receivers
        key = headers["Idempotency-Key"]
        with self.lock:
            if len(self.requests) < self.fail_first:
                status = 503
            elif not signed:
                status = 401
            else:
                first = key not in self.taken
                self.taken.setdefault(key, json.loads(body))
                status = 500 if first and key == self.lose else 200
            self.requests.append((key, signed, status))
        return status

    close = LoopbackHTTP.stop


@pytest.fixture
def receiver():
    """A receiver failing its first three tries; the test sets ``lose``."""
    r = Receiver(fail_first=3)
    yield r
    r.close()


def rated_visits(office, count=5):
    """``count`` visits with two codes each, rated: 4 outbox records each (2 codes seen, 2 ratings)."""
    for n in range(count):
        ticket = served(office, codes=(f"000.00.15.H42-250915-{n:04d}", f"000.00.15.H42-250916-{n:04d}"))
        ticketing.rate(ticket.id, 1 + n % 3, ["Khác"] if n % 3 == 0 else [], counter_id=office.c1.id)
    return [i.key for i in OutboxItem.select().order_by(OutboxItem.seq)]


def push_to(office, url):
    """Turn the office's push on towards ``url`` with the shared secret."""
    RatingSettings.create(office=office.office.id, push_enabled=True, push_url=url, push_secret=SECRET)


def all_sent() -> bool:
    """True when no record waits."""
    return not OutboxItem.select().where(OutboxItem.push_state != "sent").exists()


def test_the_documented_check_refuses_a_tampered_body():
    body = b'{"key":"x"}'
    headers = {"X-Motcua-Timestamp": "1767225600", "X-Motcua-Signature": push.signature(SECRET, "1767225600", body)}
    assert VERIFY(SECRET, headers, body) and not VERIFY(SECRET, headers, body.replace(b"x", b"y"))
    assert not VERIFY("khoa-khac-hoan-toan-1234", headers, body)


def test_back_off_doubles_to_an_hour():
    assert [push.backoff_s(n) for n in (1, 2, 3, 4)] == [10, 20, 40, 80]
    assert push.backoff_s(30) == 3600


def test_every_record_arrives_none_twice_and_every_signature_verifies(office, receiver):
    keys = rated_visits(office)
    receiver.lose = keys[5]
    push_to(office, receiver.url)
    for _ in range(200):  # bounded: each pass retries what is due (a millisecond back-off here)
        push.push_once(base_s=0.001)
        if all_sent():
            break
        time.sleep(0.01)
    assert all_sent()
    assert sorted(receiver.taken) == sorted(keys)  # every record arrived, each key taken once
    delivered = [key for key, _signed, _status in receiver.requests]
    assert delivered.count(keys[5]) == 2  # the lost answer: delivered again, recognised by its key
    assert [s for _k, _signed, s in receiver.requests[:3]] == [503, 503, 503]
    assert all(signed for _k, signed, _s in receiver.requests)
    first = receiver.taken[keys[0]]
    assert (first["type"], first["seq"], first["key"]) == ("dossier", 1, keys[0])
    rating = receiver.taken[keys[2]]
    assert rating["rating"]["counts_against_index"] is True and rating["dossier_code"] == "000.00.15.H42-250915-0000"


def test_a_failed_try_waits_its_back_off_and_says_why(office, receiver):
    rated_visits(office, 1)
    push_to(office, receiver.url)
    before = models.utcnow()
    push.push_once(limit=1)
    item = OutboxItem.get(OutboxItem.seq == 1)
    assert (item.push_state, item.attempts, item.last_status) == ("pending", 1, 503)
    assert "503" in item.last_error
    assert (item.next_attempt_at - before).total_seconds() >= push.BACKOFF_BASE_S
    status = push.status(office.office.id)
    assert status["pending"] == 4 and status["failing"]["attempts"] == 1


def test_the_push_runs_in_the_background_leader_only(app, office, tmp_path):
    assert push.push_loop in background.TASKS
    keys = rated_visits(office, 2)
    r = Receiver()
    push_to(office, r.url)
    app.config["LEADER_RETRY_S"] = 0.05
    holder = leader.FileLock(tmp_path / "background.lock")
    assert holder.acquire()  # another process leads
    stop = threading.Event()
    runner = threading.Thread(target=background.lead, args=(app, stop, [push.push_loop],
                                                             leader.FileLock(tmp_path / "background.lock")))
    runner.start()
    try:
        deadline = time.monotonic() + 10
        while background.STATE["role"] != "standby" and time.monotonic() < deadline:
            time.sleep(0.02)
        assert background.STATE["role"] == "standby" and r.requests == []
        holder.release()  # the other process stops: this one takes the lead and pushes
        deadline = time.monotonic() + 20
        while len(r.taken) < len(keys) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert sorted(r.taken) == sorted(keys)
    finally:
        stop.set()
        runner.join(timeout=20)
        r.close()


def test_the_cursor_export_returns_every_record_once_across_pages(app, office):
    keys = rated_visits(office, 6)  # 24 records
    token = outbox_settings.new_token(office.office.id, office.admin)
    headers = {"Authorization": f"Bearer {token}"}
    client = app.test_client()
    pages = [client.get("/api/exports/ratings?limit=7", headers=headers).get_json()]
    later = served(office, codes=("000.00.15.H42-250917-0001",))
    ticketing.rate(later.id, 3, counter_id=office.c1.id)  # written while the reader pages: in a later page
    while pages[-1]["has_more"] and len(pages) < 100:
        pages.append(client.get(f"/api/exports/ratings?since={pages[-1]['next']}&limit=7", headers=headers).get_json())
    seen = [item["key"] for page in pages for item in page["items"]]
    assert seen == [i.key for i in OutboxItem.select().order_by(OutboxItem.seq)]
    assert len(set(seen)) == len(seen) == len(keys) + 2
    assert [len(page["items"]) for page in pages] == [7, 7, 7, 5]
    again = client.get(f"/api/exports/ratings?since={pages[-1]['next']}", headers=headers).get_json()
    assert (again["items"], again["has_more"], again["next"]) == ([], False, pages[-1]["next"])


def test_the_export_answers_the_token_or_an_admin_and_nobody_else(app, office, api):
    rated_visits(office, 1)
    token = outbox_settings.new_token(office.office.id, office.admin)
    client = app.test_client()
    assert client.get("/api/exports/ratings", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert client.get("/api/exports/ratings", headers={"Authorization": "Bearer mc_sai"}).status_code == 401
    assert client.get("/api/exports/ratings").status_code == 401
    assert api("canbo1").get("/api/exports/ratings").status_code == 403
    assert api("lanhdao1").get("/api/exports/ratings").get_json()["count"] == 4
    outbox_settings.revoke_token(office.office.id, office.admin)
    assert client.get("/api/exports/ratings", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_csv_and_xlsx_hold_the_same_records_and_keep_text_as_text(office, api):
    ticket = served(office, codes=("000.00.15.H42-250915-0001",))
    ticketing.rate(ticket.id, 1, ["Khác"], '=HYPERLINK("http://x","bấm")', counter_id=office.c1.id)
    leader = api("lanhdao1")
    rows = list(csv.reader(io.StringIO(leader.get("/api/exports/ratings.csv").data.decode("utf-8-sig"))))
    assert len(rows) == 1 + 2 and rows[0][0].startswith("Số thứ tự bản ghi")
    comment = rows[0].index("Góp ý")
    assert rows[2][comment] == '\'=HYPERLINK("http://x","bấm")'
    sheet = openpyxl.load_workbook(io.BytesIO(leader.get("/api/exports/ratings.xlsx").data)).active
    cells = list(sheet.iter_rows(values_only=True))
    assert [c[1] for c in cells[1:]] == [r[1] for r in rows[1:]]  # the same keys, in the same order
    assert not [c for row in sheet.iter_rows() for c in row if c.data_type == "f"]


def test_settings_refuse_plain_http_elsewhere_and_a_push_without_a_secret(office, api):
    admin = api("admin1")
    put = lambda body: admin.client.put("/api/admin/ratings-settings", json=body, headers={"X-CSRF-Token": admin.csrf})  # noqa: E731
    refused = put({"push_enabled": True, "push_url": "http://tinh.example.vn/nhan"}).get_json()
    assert set(refused["fields"]) == {"push_url", "push_secret"}
    saved = put({"push_enabled": True, "push_url": "https://tinh.example.vn/nhan", "push_secret": SECRET, "rate_later_days": 3})
    assert saved.status_code == 200 and saved.get_json()["settings"]["push_secret_set"] is True
    assert SECRET not in json.dumps(admin.get("/api/admin/ratings-settings").get_json())
    assert ticketing.settings_of(office.office.id).rate_later_days == 3
    [entry] = admin.get("/api/admin/audit?kind=ratings").get_json()["entries"]
    assert SECRET not in json.dumps(entry)
