"""Display room: the board page, office voice clips and the phone status page over HTTP."""

import datetime as dt
import json
import re

from flask import url_for

from conftest import make_device, make_ticket
from models import Device, Office, VoiceClip


def page_config(response, element_id):
    """The JSON a page hands its script in <script type="application/json" id=...>."""
    html = response.get_data(as_text=True)
    match = re.search(rf'<script type="application/json" id="{element_id}">(.*?)</script>', html, re.S)
    assert match, html[:500]
    return json.loads(match.group(1))


def test_an_unpaired_browser_is_told_how_to_pair(client):
    response = client.get("/display")
    assert response.status_code == 401
    html = response.get_data(as_text=True)
    assert "Màn hình chưa được ghép nối" in html
    assert "/pair/" in html


def test_a_kiosk_is_told_it_is_paired_as_something_else(office, api):
    response = api(device=office.kiosk_token).get("/display")
    assert response.status_code == 403
    assert "máy cấp số" in response.get_data(as_text=True)


def test_a_paired_display_gets_the_board(office, api):
    office.office.notices = "Dòng thông báo một\nDòng hai"
    office.office.save()
    response = api(device=office.display_token).get("/display")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert office.office.name in html
    assert "Dòng thông báo một   •   Dòng hai" in html
    config = page_config(response, "board-config")
    assert (config["office"]["id"], config["variant"]) == (office.office.id, "vi")
    assert config["filter"] == {"counters": None, "fields": None}


def test_pairing_by_cookie_leads_to_the_board(office, client):
    response = client.get(f"/pair/{office.display_token}")
    assert response.headers["Location"].endswith("/display")
    assert client.get("/display").status_code == 200


def test_the_display_filter_comes_from_its_settings(office, api):
    Device.update(settings={"counters": [office.c2.id], "fields": [office.f1.id, "x"]}).where(
        Device.id == office.display.id
    ).execute()
    config = page_config(api(device=office.display_token).get("/display"), "board-config")
    assert config["filter"] == {"counters": [office.c2.id], "fields": [office.f1.id]}


def test_a_southern_office_board_uses_the_southern_clips(office, api):
    Office.update(region="south").where(Office.id == office.office.id).execute()
    config = page_config(api(device=office.display_token).get("/display"), "board-config")
    assert (config["region"], config["variant"]) == ("south", "vi-south")


def test_an_office_recording_is_served_and_listed_on_the_board(office, api, client):
    uploaded = dt.datetime(2026, 11, 27, 8, 0, 0)
    VoiceClip.create(
        office=office.office, key="mot", data=b"OggS-fake-audio", content_type="audio/ogg", uploaded_at=uploaded
    )
    response = api(device=office.display_token).get(f"/voice/{office.office.id}/mot")  # the office's own board
    assert response.status_code == 200
    assert (response.data, response.mimetype) == (b"OggS-fake-audio", "audio/ogg")
    config = page_config(api(device=office.display_token).get("/display"), "board-config")
    assert config["voice"] == {"mot": int(uploaded.replace(tzinfo=dt.timezone.utc).timestamp() * 1000)}


def test_an_office_recording_answers_range_requests(office, api):
    VoiceClip.create(office=office.office, key="hai", data=b"0123456789", content_type="audio/ogg")
    response = api(device=office.display_token).get(f"/voice/{office.office.id}/hai", headers={"Range": "bytes=2-5"})
    assert (response.status_code, response.data) == (206, b"2345")


def test_a_clip_the_office_did_not_record_is_404(office, api):
    VoiceClip.create(office=office.office, key="mot", data=b"x", content_type="audio/ogg")
    board = api(device=office.display_token)
    assert board.get(f"/voice/{office.office.id}/hai").status_code == 404
    assert board.get(f"/voice/{office.office.id}/..%2Fmot").status_code == 404


def test_the_phone_page_shows_the_ticket(office, client):
    make_ticket(office.f1)
    ticket = make_ticket(office.f1)
    response = client.get(f"/t/{ticket.public_token}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    assert ">1002<" in html and "Tư pháp - Hộ tịch" in html
    config = page_config(response, "phone-config")
    assert (config["status"]["people_ahead"], config["status"]["state"]) == (1, "waiting")
    assert [lv["label"] for lv in config["rating"]["levels"]] == ["Rất hài lòng", "Hài lòng", "Không hài lòng"]


def test_the_phone_route_is_named_for_links(app, office):
    ticket = make_ticket(office.f1)
    with app.test_request_context():
        assert url_for("display.phone_status", token=ticket.public_token) == f"/t/{ticket.public_token}"


def test_an_unknown_ticket_gets_a_friendly_404(client):
    response = client.get("/t/khongcososonaytrongheth0ng")
    assert response.status_code == 404
    assert "Không tìm thấy số thứ tự" in response.get_data(as_text=True)


def test_a_device_of_another_kind_never_sees_the_board(office, api):
    tablet_response = api(device=office.tablet1_token).get("/display")
    assert tablet_response.status_code == 403
    _, revoked_token = make_device(office.office, "display", revoked_at=dt.datetime(2026, 1, 1))
    assert api(device=revoked_token).get("/display").status_code == 401
