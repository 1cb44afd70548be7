"""Live protocol v2, the client module's ordering rules, in a real board page (Chromium) against
the real eventlet server on a Redis message queue.

Another process publishes through the same queue, as a second server process does: an
``update`` whose number runs ahead is held while the missing one may only be late (two
processes can deliver a moment out of order), so a pair arriving swapped costs no snapshot; a
number that never comes costs exactly one; a number already applied is ignored.
"""

from __future__ import annotations

import uuid

import pytest
from flask_socketio import SocketIO

import models
from models import Office


def seq_of(office_id) -> int:
    """The office's last sequence number."""
    with models.connection():
        return Office.get_by_id(office_id).event_seq


def take_numbers(office_id, count) -> int:
    """Take ``count`` numbers of the office's sequence, as changes do; the last one."""
    with models.connection():
        return models.bump_event_seq(office_id, count)


@pytest.mark.browser
def test_swapped_numbers_cost_nothing_a_lost_one_costs_one_snapshot(browser, live_office, live_server_factory,
                                                                     redis_url):
    db_url, bag = live_office
    channel = f"motcua-test-{uuid.uuid4().hex[:8]}"
    server = live_server_factory(db_url=db_url, env={"SOCKETIO_MESSAGE_QUEUE": redis_url, "SOCKETIO_CHANNEL": channel,
                                                     "BACKGROUND_TASKS": "0"})
    other_process = SocketIO(message_queue=redis_url, channel=channel, async_mode="threading")  # emits only
    room = f"display:{bag.office.id}"

    def send(seq):
        """An update as a change with nothing for boards sends it (another process's)."""
        other_process.emit("update", {"seq": seq, "office_id": bag.office.id, "kind": "counter"}, to=room)

    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    try:
        page = context.new_page()
        page.goto(f"{server.url}/pair/{bag.display_token}")
        page.wait_for_function("() => window.Motcua && Motcua.lives.length === 1 && Motcua.lives[0].stats.snapshots === 1")
        stats = "() => Object.assign({seq: Motcua.lives[0].lastSeq()}, Motcua.lives[0].stats)"
        start = page.evaluate(stats)["seq"]

        # Two numbers taken; their messages arrive swapped, the second 300 ms late.
        last = take_numbers(bag.office.id, 2)
        send(last)
        page.wait_for_timeout(300)
        send(last - 1)
        page.wait_for_function(f"() => Motcua.lives[0].lastSeq() === {last}")
        send(last - 1)  # a copy of an applied number changes nothing
        page.wait_for_function("() => Motcua.lives[0].stats.stale === 1")
        got = page.evaluate(stats)
        assert (got["requests"], got["gaps"], got["snapshots"], got["updates"]) == (0, 0, 1, 2)
        assert last == start + 2

        # A number taken and never sent: the next one is held, then one snapshot is asked.
        last = take_numbers(bag.office.id, 2)
        send(last)
        page.wait_for_function(f"() => Motcua.lives[0].lastSeq() === {seq_of(bag.office.id)}")
        got = page.evaluate(stats)
        assert (got["requests"], got["gaps"], got["snapshots"]) == (1, 1, 2)
    finally:
        context.close()
