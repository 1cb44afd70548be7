"""Display room: what boards and phones receive over Socket.IO (Flask-SocketIO test client)."""

import realtime
from conftest import make_device, make_field, make_office, make_ticket
from models import Office

SENTENCE = "Mời công dân có số thứ tự 1001 đến quầy số 1"


def connect(app, **auth):
    """A Socket.IO test client authenticated with ``auth``, connected."""
    client = realtime.socketio.test_client(app, flask_test_client=app.test_client(), auth=auth)
    assert client.is_connected()
    return client


def received(client, name):
    """Payloads of the events called ``name`` received since the last look."""
    return [r["args"][0] for r in client.get_received() if r["name"] == name]


def calls(client):
    """The calls (``update`` messages' ``call``) received since the last look."""
    return [u["call"] for u in received(client, "update") if "call" in u]


def test_a_call_reaches_every_display_of_the_office_and_none_of_another(app, office, api):
    make_ticket(office.f1)
    _, second_token = make_device(office.office, "display")
    boards = [connect(app, device_token=office.display_token), connect(app, device_token=second_token)]
    other = make_office()
    make_field(other)
    _, other_token = make_device(other, "display")
    stranger = connect(app, device_token=other_token)
    for board in boards + [stranger]:
        board.get_received()
    api("canbo1").post(f"/api/counters/{office.c1.id}/call-next")
    for board in boards:
        [call] = calls(board)
        assert (call["number"], call["counter_number"], call["text"]) == ("1001", 1, SENTENCE)
    assert stranger.get_received() == []


def test_a_call_carries_the_words_and_clips_to_read_it_aloud(app, office, api):
    make_ticket(office.f1)
    board = connect(app, device_token=office.display_token)
    board.get_received()
    api("canbo1").post(f"/api/counters/{office.c1.id}/call-next")
    [call] = calls(board)
    assert call["words"] == "Mời công dân có số thứ tự một nghìn không trăm linh một đến quầy số một"
    assert call["clips"] == [
        "chime",
        "moi_cong_dan_co_so_thu_tu",
        "mot",
        "nghin",
        "khong",
        "tram",
        "linh",
        "mot",
        "den_quay_so",
        "mot",
    ]


def test_a_southern_office_is_called_in_southern_words(app, office, api):
    Office.update(region="south").where(Office.id == office.office.id).execute()
    make_ticket(office.f1)
    board = connect(app, device_token=office.display_token)
    board.get_received()
    api("canbo1").post(f"/api/counters/{office.c1.id}/call-next")
    [call] = calls(board)
    assert call["region"] == "south"
    assert "một ngàn không trăm lẻ một" in call["words"]


def test_a_recall_is_sent_again_marked_as_recall(app, office, api):
    make_ticket(office.f1)
    clerk = api("canbo1")
    ticket_id = clerk.post(f"/api/counters/{office.c1.id}/call-next").get_json()["ticket"]["id"]
    board = connect(app, device_token=office.display_token)
    board.get_received()
    clerk.post(f"/api/tickets/{ticket_id}/recall")
    [call] = calls(board)
    assert (call["recall"], call["text"]) == (True, SENTENCE)


def test_a_display_that_missed_events_resyncs_to_the_right_state(app, office, api):
    for _ in range(3):
        make_ticket(office.f1)
    board = connect(app, device_token=office.display_token)
    first_seq = board.get_received()[0]["args"][0]["seq"]
    clerk = api("canbo1")
    ticket_id = clerk.post(f"/api/counters/{office.c1.id}/call-next").get_json()["ticket"]["id"]
    clerk.post(f"/api/tickets/{ticket_id}/start")
    api("canbo2").post(f"/api/counters/{office.c2.id}/pause", json={"reason": "Họp giao ban"})
    missed = board.get_received()  # dropped unseen: the board "missed" them
    last_seq = max(r["args"][0]["seq"] for r in missed)
    assert [r["args"][0]["seq"] for r in missed] == list(range(first_seq + 1, last_seq + 1))
    assert last_seq > first_seq
    board.emit("snapshot_request")
    [snap] = received(board, "snapshot")
    assert snap["seq"] == last_seq
    counters = {c["number"]: c for c in snap["counters"]}
    assert (counters[1]["current"]["number"], counters[1]["current"]["state"]) == ("1001", "serving")
    assert (counters[2]["state"], counters[2]["pause_reason"]) == ("paused", "Họp giao ban")
    assert [f["waiting"] for f in snap["fields"]] == [2, 0]
    assert snap["recent_calls"][0]["words"].endswith("đến quầy số một")


def test_a_reconnecting_display_gets_the_state_it_missed(app, office, api):
    make_ticket(office.f2)
    board = connect(app, device_token=office.display_token)
    board.disconnect()
    api("canbo2").post(f"/api/counters/{office.c2.id}/call-next")
    board = connect(app, device_token=office.display_token)
    [snap] = received(board, "snapshot")
    assert snap["recent_calls"][0]["text"] == "Mời công dân có số thứ tự 2001 đến quầy số 2"
    assert snap["seq"] == Office.get_by_id(office.office.id).event_seq


def test_a_phone_follows_calls_of_its_office(app, office, api):
    ticket = make_ticket(office.f1)
    phone = connect(app, ticket=ticket.public_token)
    phone.get_received()
    api("canbo1").post(f"/api/counters/{office.c1.id}/call-next")
    [call] = calls(phone)
    assert call["ticket"]["id"] == ticket.id
    assert "public_token" not in call["ticket"] and "note" not in call["ticket"]
    assert "words" not in call and "clips" not in call  # a phone does not read calls aloud


def test_a_phone_with_an_unknown_ticket_is_refused(app, office):
    phone = realtime.socketio.test_client(app, auth={"ticket": "khong-co-so-nay-0123456789"})
    assert not phone.is_connected()
