"""Rating room: the tablet's API (POST /api/ratings, GET /api/ratings/pending), every refusal of
the rating rules over HTTP, the tablet page and pairing instructions, the clerk's photo.

The scales themselves are tested in tests/rules/test_rating.py."""

import datetime as dt

import pytest

from conftest import make_device, make_ticket
from models import Counter, Office, Rating, Ticket, User


def finished(office, api, field=None, clerk="canbo1", counter=None):
    """Issue a ticket, call it at the clerk's counter and finish it; the Ticket."""
    ticket = make_ticket(field or office.f1)
    counter = counter or office.c1
    staff = api(clerk)
    assert staff.post(f"/api/counters/{counter.id}/call", json={"ticket": ticket.id}).status_code == 200
    assert staff.post(f"/api/tickets/{ticket.id}/finish").status_code == 200
    return Ticket.get_by_id(ticket.id)


def rate(api, token, ticket_id, level=3, **extra):
    """POST a rating as the device with ``token``."""
    return api(device=token).post("/api/ratings", json=dict(ticket=ticket_id, level=level, **extra))


# --------------------------------------------------------------------------- accepted


def test_rating_is_stored_with_ticket_field_counter_clerk_and_device(office, api):
    ticket = finished(office, api)
    response = rate(api, office.tablet1_token, ticket.id, 1, reasons=["Thời gian chờ lâu"], comment="Chờ hơi lâu")
    assert response.status_code == 201, response.get_json()
    r = Rating.get(Rating.ticket == ticket.id)
    assert (r.level, r.scale, r.reasons, r.comment) == (1, 3, ["Thời gian chờ lâu"], "Chờ hơi lâu")
    assert (r.field_id, r.counter_id, r.clerk_id, r.device_id, r.source) == (
        office.f1.id, office.c1.id, office.clerk1.id, office.tablet1.id, "tablet")


def test_rating_on_a_five_level_office_accepts_level_five(office, api):
    Office.update(rating_levels=5).where(Office.id == office.office.id).execute()
    ticket = finished(office, api)
    assert rate(api, office.tablet1_token, ticket.id, 5).status_code == 201
    assert Rating.get(Rating.ticket == ticket.id).scale == 5


# --------------------------------------------------------------------------- refusals


def test_tablet_of_another_counter_is_refused(office, api):
    ticket = finished(office, api)
    _, tablet2 = make_device(office.office, "tablet", counter=office.c2)
    response = rate(api, tablet2, ticket.id)
    assert response.status_code == 409 and response.get_json()["error"] == "wrong_counter"
    assert "quầy của mình" in response.get_json()["message"]


def test_a_ticket_that_is_not_the_latest_of_the_counter_is_refused(office, api):
    first = finished(office, api)
    finished(office, api)
    response = rate(api, office.tablet1_token, first.id)
    assert response.status_code == 409 and response.get_json()["error"] == "not_latest"


def test_rating_twice_is_refused(office, api):
    ticket = finished(office, api)
    assert rate(api, office.tablet1_token, ticket.id).status_code == 201
    response = rate(api, office.tablet1_token, ticket.id, 1)
    assert response.status_code == 409 and response.get_json()["error"] == "already_rated"
    assert Rating.get(Rating.ticket == ticket.id).level == 3


def test_rating_after_the_window_is_refused(office, api):
    ticket = finished(office, api)
    late = ticket.finished_at - dt.timedelta(seconds=office.office.rating_window_s + 5)
    Ticket.update(finished_at=late).where(Ticket.id == ticket.id).execute()
    response = rate(api, office.tablet1_token, ticket.id)
    assert response.status_code == 409 and response.get_json()["error"] == "rating_expired"
    assert "quá thời gian" in response.get_json()["message"]


def test_a_ticket_not_finished_is_refused(office, api):
    ticket = make_ticket(office.f1)
    api("canbo1").post(f"/api/counters/{office.c1.id}/call-next")
    response = rate(api, office.tablet1_token, ticket.id)
    assert response.status_code == 409 and response.get_json()["error"] == "rating_refused"
    assert not Rating.select().exists()


@pytest.mark.parametrize("level", [0, 4, -1, "3", True, 2.5, None])
def test_a_level_outside_the_scale_is_refused(office, api, level):
    ticket = finished(office, api)
    response = rate(api, office.tablet1_token, ticket.id, level)
    assert response.status_code == 422 and response.get_json()["error"] == "invalid"
    assert not Rating.select().exists()


def test_an_unknown_reason_is_refused(office, api):
    ticket = finished(office, api)
    response = rate(api, office.tablet1_token, ticket.id, 1, reasons=["Cán bộ đẹp trai"])
    assert response.status_code == 422 and response.get_json()["error"] == "invalid"
    assert "Lý do" in response.get_json()["message"]


def test_reasons_must_be_a_list_of_words(office, api):
    ticket = finished(office, api)
    response = rate(api, office.tablet1_token, ticket.id, 1, reasons="Khác")
    assert response.status_code == 422


def test_a_kiosk_cannot_rate(office, api):
    ticket = finished(office, api)
    response = rate(api, office.kiosk_token, ticket.id)
    assert response.status_code == 403 and response.get_json()["error"] == "forbidden"


def test_a_clerk_cannot_rate_from_the_console(office, api):
    ticket = finished(office, api)
    response = api("canbo1").post("/api/ratings", json={"ticket": ticket.id, "level": 3})
    assert response.status_code == 403


def test_rating_without_identity_is_401(office, api, client):
    ticket = finished(office, api)
    response = client.post("/api/ratings", json={"ticket": ticket.id, "level": 3})
    assert response.status_code == 401 and response.get_json()["error"] == "unauthorized"


def test_a_revoked_tablet_cannot_rate(office, api):
    ticket = finished(office, api)
    office.tablet1.revoked_at = ticket.finished_at
    office.tablet1.save()
    assert rate(api, office.tablet1_token, ticket.id).status_code == 401


# --------------------------------------------------------------------------- pending


def test_pending_is_the_ticket_just_finished(office, api):
    ticket = finished(office, api)
    body = api(device=office.tablet1_token).get("/api/ratings/pending").get_json()
    pending = body["pending"]
    assert (pending["ticket_id"], pending["number"], pending["clerk_name"]) == (ticket.id, "1001", "Trần Thị Hoa")
    assert 0 < pending["remaining_s"] <= office.office.rating_window_s and pending["levels"] == 3


def test_pending_is_empty_once_rated(office, api):
    ticket = finished(office, api)
    rate(api, office.tablet1_token, ticket.id)
    assert api(device=office.tablet1_token).get("/api/ratings/pending").get_json() == {"pending": None}


def test_pending_is_empty_after_the_window(office, api):
    ticket = finished(office, api)
    Ticket.update(finished_at=ticket.finished_at - dt.timedelta(hours=1)).where(Ticket.id == ticket.id).execute()
    assert api(device=office.tablet1_token).get("/api/ratings/pending").get_json() == {"pending": None}


def test_pending_of_another_counter_is_not_shown(office, api):
    finished(office, api)
    _, tablet2 = make_device(office.office, "tablet", counter=office.c2)
    assert api(device=tablet2).get("/api/ratings/pending").get_json() == {"pending": None}


def test_pending_is_for_tablets_only(office, api, client):
    assert api(device=office.kiosk_token).get("/api/ratings/pending").status_code == 403
    assert client.get("/api/ratings/pending").status_code == 401


# --------------------------------------------------------------------------- pages


def test_unpaired_browser_gets_pairing_instructions(office, client):
    response = client.get("/rating")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Máy đánh giá chưa được ghép nối" in text and "/pair/" in text
    assert "rating.js" not in text


def test_tablet_without_counter_is_told_to_bind_one(office, client):
    _, token = make_device(office.office, "tablet", counter=None, name="Máy bảng dự phòng")
    client.set_cookie("motcua_device", token)
    text = client.get("/rating").get_data(as_text=True)
    assert "chưa được gắn với quầy" in text and "Máy bảng dự phòng" in text


def test_kiosk_opening_the_rating_page_is_told_it_is_not_a_tablet(office, client):
    client.set_cookie("motcua_device", office.kiosk_token)
    text = client.get("/rating").get_data(as_text=True)
    assert "không phải máy đánh giá" in text and "kiosk cấp số" in text


def test_pairing_link_leads_to_the_counter_tablet_page(office, client, api):
    api("canbo1").post(f"/api/counters/{office.c1.id}/open")
    response = client.get(f"/pair/{office.tablet1_token}", follow_redirects=True)
    text = response.get_data(as_text=True)
    assert response.request.path == "/rating"
    assert "Quầy số" in text and "Trần Thị Hoa" in text and office.office.name in text
    assert "rating.js" in text


def test_tablet_page_carries_the_office_scale_and_reasons(office, client):
    Office.update(rating_levels=5, rating_reasons=["Thái độ phục vụ", "Khác"]).where(Office.id == office.office.id).execute()
    client.set_cookie("motcua_device", office.tablet1_token)
    text = client.get("/rating").get_data(as_text=True)
    assert '"levels": 5' in text and "Bình thường" in text and '"reasons": ["Thái độ phục vụ", "Khác"]' in text


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def test_photo_of_the_clerk_on_duty(office, api):
    User.update(photo=PNG).where(User.id == office.clerk1.id).execute()
    api("canbo1").post(f"/api/counters/{office.c1.id}/open")
    response = api(device=office.tablet1_token).get("/rating/clerk-photo")
    assert response.status_code == 200 and response.mimetype == "image/png" and response.data == PNG
    assert response.headers["Cache-Control"] == "no-store"


def test_no_photo_is_404_and_closed_counter_has_no_clerk(office, api):
    api("canbo1").post(f"/api/counters/{office.c1.id}/open")
    assert api(device=office.tablet1_token).get("/rating/clerk-photo").status_code == 404
    User.update(photo=PNG).where(User.id == office.clerk1.id).execute()
    Counter.update(clerk=None, state="closed").where(Counter.id == office.c1.id).execute()
    assert api(device=office.tablet1_token).get("/rating/clerk-photo").status_code == 404


def test_photo_is_for_tablets_only(office, api):
    assert api(device=office.kiosk_token).get("/rating/clerk-photo").status_code == 403


def test_photo_that_is_not_an_image_is_not_served(office, api):
    User.update(photo=b"<script>alert(1)</script>").where(User.id == office.clerk1.id).execute()
    api("canbo1").post(f"/api/counters/{office.c1.id}/open")
    assert api(device=office.tablet1_token).get("/rating/clerk-photo").status_code == 404
