"""Booking room, notifier: the webhook against a real local HTTP receiver (retries with back-off, the
same idempotency key on every attempt, a signed body, nothing delivered twice), the log-only
notifier, and the "your turn is near" scan (notify)."""

import datetime as dt
import hashlib
import hmac
import json
import logging
import time

import pytest

import ticketing
from conftest import make_ticket
from models import BookingSettings, Notification
from notify import outbox, senders, worker
from ticketing import appointments

from tests.loopback import LoopbackHTTP

T0 = dt.datetime(2026, 11, 27, 1, 0)  # 08:00 in Hà Nội
SECRET = "bi-mat-chung"


class Receiver(LoopbackHTTP):
    """A local HTTP receiver that fails the first ``fail`` requests of every key (500, or too slow to
    answer when ``slow``), then answers 200; it keeps each key's body once, as a gateway would."""

    def __init__(self, fail=2, slow=False):
        """Start on a free loopback port."""
        self.fail, self.slow = fail, slow
        self.tries: dict[str, int] = {}
        self.kept: dict[str, dict] = {}
        self.requests: list[tuple] = []
        super().__init__(self.answer)

    def answer(self, headers, body) -> int:
        """Record the request; fail it, stall it, or accept it."""
        key = headers["Idempotency-Key"]
        self.requests.append((key, body, headers.get("X-Motcua-Signature"), headers.get("X-Motcua-Event")))
        self.tries[key] = self.tries.get(key, 0) + 1
        if self.tries[key] <= self.fail:
            if self.slow:  # processed, but the answer comes after the sender gave up
                self.kept.setdefault(key, json.loads(body))
                self.release.wait(5)
            return 500
        self.kept.setdefault(key, json.loads(body))  # a repeat of a kept key is dropped
        return 200


@pytest.fixture
def receiver():
    """A receiver failing the first two tries of each key."""
    found = Receiver()
    yield found
    found.stop()


def _deliver_until_done(start, rounds=20):
    """Run the worker with a clock moving an hour a round (past any back-off) until nothing is pending."""
    now = start
    for _ in range(rounds):
        worker.deliver_due("http://192.168.1.10:5000", now=now)
        if not Notification.select().where(Notification.state == "pending").exists():
            return now
        now += dt.timedelta(hours=1)
    raise AssertionError("messages still pending")


def _book_three(office):
    """Three bookings: three confirmations in the outbox."""
    for n, slot in enumerate(("09:00", "09:30", "10:00")):
        appointments.book(office.office.id, office.f1.id, dt.date(2026, 11, 27), slot, f"Người {n}",
                          f"091200000{n}", now=T0)


def test_webhook_retries_until_delivered_and_never_delivers_twice(office, receiver):
    BookingSettings.create(office=office.office, notify_url=receiver.url, notify_secret=SECRET)
    _book_three(office)
    first = worker.deliver_due("http://192.168.1.10:5000", now=T0)
    assert first == {"sent": 0, "retried": 3, "failed": 0}
    assert worker.deliver_due("http://192.168.1.10:5000", now=T0 + dt.timedelta(seconds=1)) == {
        "sent": 0, "retried": 0, "failed": 0}  # backing off: nothing is due a second later
    _deliver_until_done(T0 + dt.timedelta(seconds=5))
    assert {row.state for row in Notification.select()} == {"sent"}
    assert sorted(receiver.tries.values()) == [3, 3, 3]  # 2 failures, then 1 delivery each
    assert len(receiver.kept) == 3
    worker.deliver_due("http://192.168.1.10:5000", now=T0 + dt.timedelta(days=1))
    assert len(receiver.requests) == 9  # a delivered message is never sent again
    for key, body, signature, event in receiver.requests:
        assert signature == "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        assert event == "booking_confirmed" and json.loads(body)["id"] == key
    bodies = {key: body for key, body, _, _ in receiver.requests}
    assert all(body == bodies[key] for key, body, _, _ in receiver.requests)  # the same bytes every attempt


def test_the_message_says_what_was_booked(office, receiver):
    BookingSettings.create(office=office.office, notify_url=receiver.url)
    booking = appointments.book(office.office.id, office.f1.id, dt.date(2026, 11, 27), "09:00", "Trần Thị Bình",
                                "0912 345 678", now=T0)
    _deliver_until_done(T0)
    message = receiver.kept[f"booking:{booking.id}:confirmed"]
    assert message["kind"] == "booking_confirmed" and message["to"] == {"phone": "0912345678", "name": "Trần Thị Bình"}
    assert message["url"] == f"http://192.168.1.10:5000/b/{booking.token}"
    assert message["booking"] == {"code": booking.code, "field": "Tư pháp - Hộ tịch", "day": "2026-11-27", "slot": "09:00"}
    assert "Mã " + booking.code[:4] + "-" + booking.code[4:] in message["text"]
    assert message["office"]["name"] == office.office.name


def test_an_answer_too_late_is_retried_with_the_same_key_and_kept_once(office, monkeypatch):
    slow = Receiver(fail=1, slow=True)
    monkeypatch.setattr(senders, "TIMEOUT_S", 0.5)
    try:
        BookingSettings.create(office=office.office, notify_url=slow.url)
        _book_three(office)
        _deliver_until_done(T0)
    finally:
        slow.stop()
    assert sorted(slow.tries.values()) == [2, 2, 2] and len(slow.kept) == 3
    assert all("timed out" in r.last_error or r.last_error == "" for r in Notification.select())


def test_a_dead_gateway_is_given_up_after_the_last_attempt_and_the_office_carries_on(office):
    BookingSettings.create(office=office.office, notify_url="http://127.0.0.1:9/nobody-listens")
    _book_three(office)
    now = T0
    for _ in range(worker.MAX_ATTEMPTS):
        worker.deliver_due("http://x", now=now)
        now += dt.timedelta(hours=1)
    rows = list(Notification.select())
    assert {(r.state, r.attempts) for r in rows} == {("failed", worker.MAX_ATTEMPTS)}
    assert "Connection refused" in rows[0].last_error
    assert make_ticket(office.f1, now=T0).state == "waiting"


def test_back_off_doubles_up_to_half_an_hour():
    assert [worker.backoff_s(n) for n in (1, 2, 3, 4)] == [5, 10, 20, 40]
    assert worker.backoff_s(30) == 1800


def test_log_only_notifier_logs_with_the_number_masked(office, caplog):
    _book_three(office)
    with caplog.at_level(logging.INFO, logger="notify.senders"):
        assert worker.deliver_due("http://x", now=T0)["sent"] == 3
    assert "0912•••000" in caplog.text and "0912000000" not in caplog.text


def test_a_key_is_queued_once_ever(office):
    assert outbox.enqueue(office.office.id, "near:1", "turn_near", {"text": "a"}, T0)
    assert not outbox.enqueue(office.office.id, "near:1", "turn_near", {"text": "b"}, T0)
    assert Notification.select().count() == 1


def test_an_appointment_whose_turn_is_near_gets_one_message(office, receiver):
    BookingSettings.create(office=office.office, near_people=1, near_minutes=0, notify_url=receiver.url)
    booking = appointments.book(office.office.id, office.f1.id, dt.date(2026, 11, 27), "09:00", "Lê Văn Cường",
                                "0912345678", now=T0)
    for i in range(2):
        make_ticket(office.f1, priority=office.prio.code, now=T0 + dt.timedelta(minutes=40 + i))
    ticket = appointments.check_in(office.office.id, booking.code, now=T0 + dt.timedelta(minutes=55)).change.ticket
    assert worker.scan_near_turns(now=T0 + dt.timedelta(minutes=56)) == 0  # two priority tickets ahead
    ticketing.call_next(office.c1.id, now=T0 + dt.timedelta(minutes=57))
    assert worker.scan_near_turns(now=T0 + dt.timedelta(minutes=58)) == 1
    assert worker.scan_near_turns(now=T0 + dt.timedelta(minutes=59)) == 0  # once
    _deliver_until_done(T0 + dt.timedelta(minutes=59))
    message = receiver.kept[f"near:{ticket.id}"]
    assert message["kind"] == "turn_near" and message["to"]["phone"] == "0912345678"
    assert message["ticket"]["number"] == ticket.display_number and message["ticket"]["people_ahead"] == 1
    assert message["url"].endswith(f"/t/{ticket.public_token}")


def test_the_receiver_really_waits_for_the_slow_case():
    """The slow receiver keeps the connection open longer than the sender's timeout (the test above
    would pass vacuously if it answered at once)."""
    slow = Receiver(fail=1, slow=True)
    try:
        started = time.monotonic()
        with pytest.raises(OSError):
            senders.WebhookNotifier(slow.url, timeout=0.3).send({"kind": "x"}, "k")
        assert time.monotonic() - started >= 0.3
    finally:
        slow.stop()
