"""Live events: an office voice recording uploaded or deleted in the admin reaches that office's
displays as a numbered ``update`` (kind ``voice``) with the new clip map (and never another
office's); every display snapshot carries the same map, so a board that was offline catches up."""

import datetime as dt
import io
import pathlib

import realtime
from conftest import make_device, make_office
from models import Office, VoiceClip

OGG = (pathlib.Path(__file__).resolve().parents[2] / "static" / "sounds" / "vi" / "hai.ogg").read_bytes()


def connect(app, **auth):
    """A Socket.IO test client authenticated with ``auth``, its snapshot already taken off."""
    client = realtime.socketio.test_client(app, flask_test_client=app.test_client(), auth=auth)
    assert client.is_connected()
    client.get_received()
    return client


def upload(admin, key, data=OGG):
    """POST a recording for ``key`` as the admin page does (multipart field ``clip``)."""
    return admin.client.post(
        f"/api/admin/voice/{key}",
        data={"clip": (io.BytesIO(data), f"{key}.ogg")},
        headers=admin._headers(None),
        content_type="multipart/form-data",
    )


def voice_events(client):
    """The voice updates a client received, as ``{office_id, key, voice}``."""
    return [
        {"office_id": u["office_id"], "key": u.get("voice_key"), "voice": u.get("voice")}
        for u in (r["args"][0] for r in client.get_received() if r["name"] == "update")
        if u["kind"] == "voice"
    ]


def test_an_upload_reaches_the_displays_of_the_office_and_none_of_another(app, office, api):
    boards = [connect(app, device_token=office.display_token) for _ in range(2)]
    _, stranger_token = make_device(make_office(), "display")
    stranger = connect(app, device_token=stranger_token)
    assert upload(api("admin1"), "mot").status_code == 201
    clip = VoiceClip.get((VoiceClip.office == office.office.id) & (VoiceClip.key == "mot"))
    for board in boards:
        [payload] = voice_events(board)
        assert (payload["office_id"], payload["key"]) == (office.office.id, "mot")
        assert payload["voice"] == {"mot": int(clip.uploaded_at.replace(tzinfo=dt.timezone.utc).timestamp() * 1000)}
    assert stranger.get_received() == []


def test_a_delete_sends_the_map_without_the_key(app, office, api):
    admin = api("admin1")
    upload(admin, "mot"), upload(admin, "hai")
    board = connect(app, device_token=office.display_token)
    assert admin.delete("/api/admin/voice/mot").status_code == 200
    [payload] = voice_events(board)
    assert payload["key"] == "mot" and list(payload["voice"]) == ["hai"]


def test_a_refused_upload_sends_nothing(app, office, api):
    board = connect(app, device_token=office.display_token)
    assert upload(api("admin1"), "mot", b"not audio at all").status_code == 422
    assert upload(api("admin1"), "khong_co_muc_nay").status_code == 404
    assert voice_events(board) == []


def test_the_change_is_numbered_and_other_roles_hear_only_its_number(app, office, api):
    before = Office.get_by_id(office.office.id).event_seq
    board = connect(app, device_token=office.display_token)
    kiosk = connect(app, device_token=office.kiosk_token)
    upload(api("admin1"), "mot")
    [update] = [r["args"][0] for r in board.get_received()]
    assert update["seq"] == before + 1 == Office.get_by_id(office.office.id).event_seq
    [other] = [r["args"][0] for r in kiosk.get_received()]
    assert other == {"seq": before + 1, "office_id": office.office.id, "kind": "voice"}


def test_a_board_that_was_offline_gets_the_map_in_its_snapshot(app, office, api):
    upload(api("admin1"), "bon")
    client = realtime.socketio.test_client(app, auth={"device_token": office.display_token})
    snap = next(r["args"][0] for r in client.get_received() if r["name"] == "snapshot")
    assert list(snap["voice"]) == ["bon"]


def test_phones_get_neither_the_clips_nor_the_map(app, office, api):
    body = api(device=office.kiosk_token).post("/api/tickets", json={"field": office.f1.id}).get_json()
    phone = realtime.socketio.test_client(app, auth={"ticket": body["public_token"]})
    snap = next(r["args"][0] for r in phone.get_received() if r["name"] == "snapshot")
    upload(api("admin1"), "mot")
    assert "voice" not in snap and [e["voice"] for e in voice_events(phone)] == [None]


def test_a_recording_replaced_within_the_same_second_gets_a_new_version(app, office, api):
    """The version is the upload time in ms: a second upload a moment later is a new URL, so no
    browser cache can keep playing the first recording."""
    admin = api("admin1")
    board = connect(app, device_token=office.display_token)
    assert upload(admin, "mot").status_code == 201
    first = VoiceClip.get((VoiceClip.office == office.office.id) & (VoiceClip.key == "mot")).uploaded_at
    while models_now_ms() == first.replace(tzinfo=dt.timezone.utc).timestamp() * 1000 // 1:
        pass  # at least one millisecond later
    assert upload(admin, "mot").status_code == 201
    versions = [payload["voice"]["mot"] for payload in voice_events(board)]
    assert len(versions) == 2 and versions[0] != versions[1]


def models_now_ms() -> int:
    """The server clock in whole milliseconds (naive UTC, as uploads are stamped)."""
    from models import utcnow

    return int(utcnow().replace(tzinfo=dt.timezone.utc).timestamp() * 1000)
