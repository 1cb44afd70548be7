"""Ratings room tests: the dossiers room over HTTP and Socket.IO: codes at the counter, the slip,
rating later from its QR, and the leaders' "Không hài lòng" alert (who hears it, how it is handled)."""

import realtime
from models import AuditLog, Dossier, RatingAlert
from tests.conftest import PASSWORD, make_ticket

from .conftest import CODES, served


def at_counter(office, api, counter=None):
    """A ticket called to counter 1 by its clerk through the API; (ticket id, clerk client)."""
    ticket = make_ticket(office.f1)
    clerk = api("canbo1")
    assert clerk.post(f"/api/counters/{(counter or office.c1).id}/call-next").status_code == 200
    return ticket.id, clerk


def test_the_clerk_takes_two_codes_and_the_list_shows_them_in_order(office, api):
    ticket_id, clerk = at_counter(office, api)
    for code in CODES:
        response = clerk.post(f"/api/tickets/{ticket_id}/dossiers", json={"code": code, "kind": "receive"})
        assert response.status_code == 201 and response.get_json()["dossier"]["code"] == code
    listed = clerk.get(f"/api/tickets/{ticket_id}/dossiers").get_json()["dossiers"]
    assert [(d["code"], d["kind_label"], d["by"]) for d in listed] == [(c, "Tiếp nhận hồ sơ", "Trần Thị Hoa") for c in CODES]


def test_a_second_scan_of_the_same_code_answers_200_duplicate(office, api):
    ticket_id, clerk = at_counter(office, api)
    clerk.post(f"/api/tickets/{ticket_id}/dossiers", json={"code": CODES[0]})
    again = clerk.post(f"/api/tickets/{ticket_id}/dossiers", json={"code": CODES[0]})
    assert again.status_code == 200 and again.get_json()["duplicate"] is True


def test_a_clerk_of_another_counter_cannot_write_on_the_visit(office, api):
    ticket_id, _ = at_counter(office, api)
    response = api("canbo2").post(f"/api/tickets/{ticket_id}/dossiers", json={"code": CODES[0]})
    assert response.status_code == 403 and not Dossier.select().exists()


def test_a_malformed_code_is_422_with_the_field_named(office, api):
    ticket_id, clerk = at_counter(office, api)
    response = clerk.post(f"/api/tickets/{ticket_id}/dossiers", json={"code": "HS-1005"})
    body = response.get_json()
    assert response.status_code == 422 and body["fields"] == {"code": "format"} and "YYMMDD" in body["message"]


def test_the_tickets_history_lists_the_codes(office, api):
    ticket_id, clerk = at_counter(office, api)
    clerk.post(f"/api/tickets/{ticket_id}/dossiers", json={"code": CODES[0], "kind": "return"})
    events = clerk.get(f"/api/tickets/{ticket_id}").get_json()["events"]
    assert [e["kind"] for e in events] == ["issue", "call", "dossier"]


def test_the_slip_prints_the_code_and_a_qr_to_rate_later(office, api):
    ticket = served(office)
    dossier = Dossier.get(Dossier.code == CODES[0])
    page = api("canbo1").get(f"/hs/{dossier.public_token}/phieu").get_data(as_text=True)
    assert CODES[0] in page and "<svg" in page and f"/hs/{dossier.public_token}" in page
    assert "Trần Thị Hoa" in page and ticket.display_number in page


def test_the_slips_page_offers_the_rating_and_takes_it_once(office, api):
    served(office)
    dossier = Dossier.get(Dossier.code == CODES[1])
    citizen = api()
    page = citizen.get(f"/hs/{dossier.public_token}")
    assert page.status_code == 200 and CODES[1] in page.get_data(as_text=True)
    status = citizen.get(f"/api/dossiers/status/{dossier.public_token}").get_json()
    assert status["can_rate"] is True and status["dossier"]["code"] == CODES[1]
    first = citizen.post(f"/api/dossiers/status/{dossier.public_token}/rating", json={"level": 3})
    assert first.status_code == 201
    other = Dossier.get(Dossier.code == CODES[0])  # the same visit's other slip: the visit is rated
    again = citizen.post(f"/api/dossiers/status/{other.public_token}/rating", json={"level": 1})
    assert (again.status_code, again.get_json()["error"]) == (409, "already_rated")


def test_an_unknown_slip_is_the_friendly_404(office, api):
    assert api().get("/hs/khong-phai-ma-phieu-nao-ca").status_code == 404
    assert api().get("/api/dossiers/status/khong-phai-ma-phieu-nao-ca").get_json()["error"] == "not_found"


def person_socket(app, username):
    """A logged-in person's live socket with its snapshot taken off."""
    flask_client = app.test_client()
    assert flask_client.post("/api/session", json={"username": username, "password": PASSWORD}).status_code == 200
    sock = realtime.socketio.test_client(app, flask_test_client=flask_client)
    sock.get_received()
    return sock


def alerts_of(sock):
    """The alerts of every update the socket received."""
    return [a for r in sock.get_received() if r["name"] == "update" for a in r["args"][0].get("alerts", [])]


def test_a_khong_hai_long_reaches_leaders_with_its_details_and_never_a_clerk(app, office, api):
    ticket = served(office)
    leader, clerk = person_socket(app, "lanhdao1"), person_socket(app, "canbo2")
    try:
        response = api(device=office.tablet1_token).post(
            "/api/ratings", json={"ticket": ticket.id, "level": 1, "reasons": ["Thái độ phục vụ"], "comment": "Quá chậm"})
        assert response.status_code == 201
        [alert] = alerts_of(leader)
        assert (alert["kind"], alert["at_counter"]["number"], alert["clerk_name"], alert["codes"], alert["reasons"],
                alert["comment"]) == ("low_rating", 1, "Trần Thị Hoa", list(CODES), ["Thái độ phục vụ"], "Quá chậm")
        assert alerts_of(clerk) == []
    finally:
        leader.disconnect()
        clerk.disconnect()


def test_a_leader_marks_it_handled_every_leader_hears_and_the_log_keeps_the_note(app, office, api):
    ticket = served(office)
    api(device=office.tablet1_token).post("/api/ratings", json={"ticket": ticket.id, "level": 1, "reasons": ["Khác"]})
    [open_alert] = api("lanhdao1").get("/api/rating-alerts").get_json()["alerts"]
    other_leader = person_socket(app, "admin1")
    try:
        handled = api("lanhdao1").post(f"/api/rating-alerts/{open_alert['alert_id']}/handle",
                                       json={"note": "Đã gọi điện xin lỗi công dân"})
        assert handled.status_code == 200 and handled.get_json()["alert"]["handled_by"] == "Nguyễn Văn Thử"
        assert [a["kind"] for a in alerts_of(other_leader)] == ["low_rating_handled"]
    finally:
        other_leader.disconnect()
    assert api("lanhdao1").get("/api/rating-alerts").get_json()["alerts"] == []
    entry = AuditLog.get(AuditLog.action == "rating_alert.handle")
    assert entry.detail["after"]["note"] == "Đã gọi điện xin lỗi công dân"
    audit = api("admin1").get("/api/admin/audit?kind=rating_alert").get_json()["entries"]
    assert [e["action_name"] for e in audit] == ["Xử lý đánh giá Không hài lòng"]
    assert RatingAlert.get().handled_at is not None


def test_a_clerk_cannot_read_or_handle_alerts(office, api):
    ticket = served(office)
    api(device=office.tablet1_token).post("/api/ratings", json={"ticket": ticket.id, "level": 1, "reasons": ["Khác"]})
    alert = RatingAlert.get()
    assert api("canbo1").get("/api/rating-alerts").status_code == 403
    assert api("canbo1").post(f"/api/rating-alerts/{alert.id}/handle", json={"note": "x"}).status_code == 403
