"""Live protocol v2, what the public sees: a phone following its ticket hears numbers, counters
and waits, and nothing a clerk wrote or knows about a citizen (issue 13, row 2): no note, no
clerk name, no priority category, no other ticket's token, in the snapshot or in any update."""

import realtime
from conftest import make_ticket

NOTE = "Nguyễn Văn A, CCCD 001099012345, ĐT 0912345678"
PUBLIC_TICKET = {"id", "number", "field_id", "state", "counter_id", "counter_number", "recall_count"}
PUBLIC_COUNTER = {"id", "number", "name", "state", "current"}
PUBLIC_CALL = {"ticket", "number", "counter_id", "counter_number", "counter_name", "field_id", "recall", "text", "at"}


def keys_anywhere(value, found=None):
    """Every dict key anywhere inside ``value``."""
    found = set() if found is None else found
    if isinstance(value, dict):
        for key, item in value.items():
            found.add(key)
            keys_anywhere(item, found)
    elif isinstance(value, list):
        for item in value:
            keys_anywhere(item, found)
    return found


def a_day_with_a_noted_transfer(office, api):
    """Clerks on duty, a priority ticket, a transfer whose note names a citizen, a pause."""
    clerk1, clerk2 = api("canbo1"), api("canbo2")
    clerk1.post(f"/api/counters/{office.c1.id}/open")
    clerk2.post(f"/api/counters/{office.c2.id}/open")
    make_ticket(office.f1, priority="cao_tuoi")
    make_ticket(office.f1)
    called = clerk1.post(f"/api/counters/{office.c1.id}/call-next").get_json()["ticket"]["id"]
    clerk1.post(f"/api/tickets/{called}/transfer", json={"counter": office.c2.id, "note": NOTE})
    clerk2.post(f"/api/counters/{office.c2.id}/call", json={"ticket": called})
    clerk2.post(f"/api/tickets/{called}/start")
    clerk1.post(f"/api/counters/{office.c1.id}/pause", json={"reason": "Đi họp"})


def test_a_phone_hears_numbers_counters_and_waits_only(app, office, api):
    mine = make_ticket(office.f2)
    phone = realtime.socketio.test_client(app, auth={"ticket": mine.public_token})
    a_day_with_a_noted_transfer(office, api)
    phone.emit("snapshot_request")
    received = phone.get_received()
    assert [r["name"] for r in received].count("update") == 7  # open x2, call, transfer, call, start, pause
    text = str(received)
    for secret in (NOTE, "CCCD", "Trần Thị Hoa", "Lê Văn Bình", "Người cao tuổi", "Đi họp"):
        assert secret not in text
    found = keys_anywhere([r["args"][0] for r in received])
    assert not found & {"note", "clerk_name", "priority", "public_token", "pause_reason", "clerk_id"}
    for r in received:
        payload = r["args"][0]
        snap = payload if r["name"] == "snapshot" else payload.get("snapshot") or {}
        for ticket in payload.get("tickets", []):
            assert set(ticket) == PUBLIC_TICKET
        for counter in payload.get("counters", []) + snap.get("counters", []):
            assert set(counter) == PUBLIC_COUNTER
            assert counter["current"] is None or set(counter["current"]) == PUBLIC_TICKET
        for call in ([payload["call"]] if "call" in payload else []) + snap.get("recent_calls", []):
            assert set(call) == PUBLIC_CALL


def test_a_board_shows_the_pause_reason_but_no_note_clerk_or_category(app, office, api):
    board = realtime.socketio.test_client(app, auth={"device_token": office.display_token})
    a_day_with_a_noted_transfer(office, api)
    board.emit("snapshot_request")
    text = str(board.get_received())
    assert "Đi họp" in text  # the hall board shows why a counter is paused, as before
    for secret in (NOTE, "Trần Thị Hoa", "Người cao tuổi"):
        assert secret not in text


def test_staff_still_see_the_note_and_the_clerk(app, office, api):
    console = realtime.socketio.test_client(app, flask_test_client=api("canbo2").client)
    a_day_with_a_noted_transfer(office, api)
    text = str(console.get_received())
    assert NOTE in text and "Trần Thị Hoa" in text and "Người cao tuổi" in text
