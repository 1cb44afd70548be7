"""Admin room: devices (pairing link shown once, revoke, re-issue) and the office's own voice clips."""

import io
import wave

from admin_helpers import OGG, put, upload
from models import AuditLog, Device, VoiceClip

import security


def _pair_path(body):
    """The path part of a pair_url."""
    return "/pair/" + body["pair_url"].rsplit("/pair/", 1)[1]


def test_creating_a_tablet_returns_a_working_pairing_link_once(office, api, client):
    admin = api("admin1")
    body = admin.post(
        "/api/admin/devices", json={"kind": "tablet", "name": "Máy đánh giá quầy 2", "counter_id": office.c2.id}
    ).get_json()
    paired = client.get(_pair_path(body))
    assert paired.status_code == 302 and paired.headers["Location"].endswith("/rating")
    assert security.DEVICE_COOKIE in paired.headers["Set-Cookie"]
    listed = admin.get("/api/admin/devices").get_json()["devices"]
    assert all("pair_url" not in d and "token" not in str(d.keys()) for d in listed)


def test_the_token_is_stored_only_hashed(office, api):
    body = api("admin1").post("/api/admin/devices", json={"kind": "kiosk", "name": "Kiosk 2"}).get_json()
    token = body["pair_url"].rsplit("/", 1)[1]
    device = Device.get_by_id(body["device"]["id"])
    assert device.token_hash == security.hash_token(token) and token not in str(AuditLog.get().detail)


def test_pairing_link_uses_the_public_base_url(app, office, api):
    app.config["PUBLIC_BASE_URL"] = "http://192.168.1.10:5000/"
    body = api("admin1").post("/api/admin/devices", json={"kind": "display", "name": "Màn hình sảnh"}).get_json()
    assert body["pair_url"].startswith("http://192.168.1.10:5000/pair/")


def test_a_tablet_needs_a_counter(office, api):
    response = api("admin1").post("/api/admin/devices", json={"kind": "tablet", "name": "Máy đánh giá"})
    assert response.get_json()["fields"] == {"counter_id": "Máy đánh giá phải gắn với một quầy."}
    assert Device.select().count() == 3


def test_unknown_device_kind_is_refused(office, api):
    response = api("admin1").post("/api/admin/devices", json={"kind": "printer", "name": "Máy in"})
    assert "kind" in response.get_json()["fields"]


def test_a_kiosk_is_never_bound_to_a_counter(office, api):
    body = api("admin1").post("/api/admin/devices", json={"kind": "kiosk", "name": "Kiosk", "counter_id": office.c1.id})
    assert body.get_json()["device"]["counter_id"] is None


def test_a_display_can_be_limited_to_some_counters(office, api):
    admin = api("admin1")
    put(admin, f"/api/admin/devices/{office.display.id}", {"display_counters": [office.c2.id], "display_fields": []})
    assert Device.get_by_id(office.display.id).settings == {"counters": [office.c2.id]}


def test_a_tablet_moves_to_another_counter(office, api):
    put(api("admin1"), f"/api/admin/devices/{office.tablet1.id}", {"counter_id": office.c2.id})
    assert Device.get_by_id(office.tablet1.id).counter_id == office.c2.id


def test_revoked_device_stops_working_at_once(office, api):
    api("admin1").post(f"/api/admin/devices/{office.kiosk.id}/revoke")
    response = api(device=office.kiosk_token).get("/api/fields")
    assert response.status_code == 401
    assert Device.get_by_id(office.kiosk.id).revoked_at is not None
    assert AuditLog.get().action == "device.revoke"


def test_reissue_gives_a_new_link_and_kills_the_old_one(office, api, client):
    body = api("admin1").post(f"/api/admin/devices/{office.kiosk.id}/reissue").get_json()
    assert client.get(f"/pair/{office.kiosk_token}").status_code == 404
    assert client.get(_pair_path(body)).headers["Location"].endswith("/kiosk")
    assert Device.get_by_id(office.kiosk.id).revoked_at is None


def test_devices_page_shows_last_seen(office, api):
    api(device=office.kiosk_token).get("/api/fields")
    html = api("admin1").get("/admin/devices").get_data(as_text=True)
    assert "Vừa xong" in html and "Chưa kết nối" in html


def _wav() -> bytes:
    """A tiny real WAV file."""
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x00\x00" * 800)
    return out.getvalue()


def test_an_office_recording_replaces_a_clip_and_plays_back(office, api):
    admin = api("admin1")
    response = upload(admin, "/api/admin/voice/den_quay_so", "clip", OGG, "den_quay_so.ogg")
    played = admin.get("/admin/voice/den_quay_so/audio")
    assert response.status_code == 201
    assert (played.status_code, played.mimetype, played.data) == (200, "audio/ogg", OGG)
    assert AuditLog.get().action == "voice.upload"


def test_wav_is_accepted_and_typed_by_its_bytes(office, api):
    upload(api("admin1"), "/api/admin/voice/mot", "clip", _wav(), "mot.mp3")
    assert VoiceClip.get(VoiceClip.key == "mot").content_type == "audio/wav"


def test_a_second_upload_replaces_the_first(office, api):
    admin = api("admin1")
    upload(admin, "/api/admin/voice/mot", "clip", OGG)
    upload(admin, "/api/admin/voice/mot", "clip", _wav())
    assert [c.content_type for c in VoiceClip.select()] == ["audio/wav"]


def test_a_non_audio_file_is_refused(office, api):
    response = upload(api("admin1"), "/api/admin/voice/mot", "clip", b"%PDF-1.4 not audio", "mot.ogg")
    assert response.get_json()["fields"] == {"clip": "Chỉ nhận tệp âm thanh OGG, MP3 hoặc WAV."}
    assert VoiceClip.select().count() == 0


def test_an_oversized_clip_is_refused(office, api):
    response = upload(api("admin1"), "/api/admin/voice/mot", "clip", b"OggS" + b"\0" * (1024 * 1024 + 1))
    assert response.status_code == 422 and "tối đa 1024 KB" in response.get_json()["message"]


def test_an_unknown_clip_key_is_404(office, api):
    assert upload(api("admin1"), "/api/admin/voice/khong_co", "clip", OGG).status_code == 404


def test_deleting_a_recording_falls_back_to_the_bundled_clip(office, api):
    admin = api("admin1")
    upload(admin, "/api/admin/voice/mot", "clip", OGG)
    assert admin.delete("/api/admin/voice/mot").status_code == 200
    clips = {c["key"]: c for c in admin.get("/api/admin/voice").get_json()["clips"]}
    assert clips["mot"]["office_clip"] is None and clips["mot"]["bundled"] == "sounds/vi/mot.ogg"
    assert admin.get("/admin/voice/mot/audio").status_code == 404


def test_voice_list_speaks_the_office_region(office, api):
    admin = api("admin1")
    put(admin, "/api/admin/settings", {"region": "south"})
    clips = {c["key"]: c for c in admin.get("/api/admin/voice").get_json()["clips"]}
    assert (clips["linh"]["text"], clips["nghin"]["bundled"]) == ("lẻ", "sounds/vi-south/nghin.ogg")


def test_audit_page_lists_changes_newest_first(office, api):
    admin = api("admin1")
    admin.post("/api/admin/devices", json={"kind": "kiosk", "name": "Kiosk tầng 2"})
    put(admin, "/api/admin/settings", {"ticket_footer": "Trân trọng cảm ơn"})
    html = admin.get("/admin/audit").get_data(as_text=True)
    assert html.index("Sửa cài đặt") < html.index("Thêm thiết bị")
    assert "Trân trọng cảm ơn" in html and "Xin cảm ơn quý công dân!" in html
