"""HTTP API: status codes, the error shape, roles, CSRF, and the OpenAPI document."""

import pytest

import models
from conftest import make_device, make_office, make_ticket, make_user
from models import Ticket


def test_kiosk_issues_a_ticket_with_status_token_and_url(office, api):
    response = api(device=office.kiosk_token).post("/api/tickets", json={"field": office.f1.id})
    body = response.get_json()
    assert response.status_code == 201
    assert (body["number"], body["people_ahead"], body["position"]) == ("1001", 0, 1)
    assert body["status_url"].endswith("/t/" + body["public_token"])
    assert Ticket.get(Ticket.public_token == body["public_token"]).display_number == "1001"


def test_retry_with_same_client_ref_returns_same_ticket_200(office, api):
    kiosk = api(device=office.kiosk_token)
    first = kiosk.post("/api/tickets", json={"field": office.f1.id, "client_ref": "tap-7"})
    again = kiosk.post("/api/tickets", json={"field": office.f1.id, "client_ref": "tap-7"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["number"] == again.get_json()["number"]


def test_public_status_needs_only_the_token(office, api, client):
    token = api(device=office.kiosk_token).post("/api/tickets", json={"field": office.f1.id}).get_json()["public_token"]
    body = client.get(f"/api/tickets/status/{token}").get_json()
    assert (body["number"], body["state"]) == ("1001", "waiting")
    assert client.get("/api/tickets/status/not-a-token").status_code == 404


def test_call_next_then_queue_empty(office, api):
    make_ticket(office.f1)
    clerk = api("canbo1")
    first = clerk.post(f"/api/counters/{office.c1.id}/call-next")
    assert first.status_code == 200 and first.get_json()["ticket"]["number"] == "1001"
    clerk.post(f"/api/tickets/{first.get_json()['ticket']['id']}/finish")
    empty = clerk.post(f"/api/counters/{office.c1.id}/call-next")
    assert empty.status_code == 409
    assert empty.get_json()["error"] == "queue_empty" and empty.get_json()["message"]


@pytest.mark.parametrize("action", ["recall", "start", "finish", "no-show", "cancel"])
def test_ticket_actions_after_a_call(office, api, action):
    ticket = make_ticket(office.f1)
    clerk = api("canbo1")
    clerk.post(f"/api/counters/{office.c1.id}/call-next")
    response = clerk.post(f"/api/tickets/{ticket.id}/{action}")
    assert response.status_code == 200
    expected = {"recall": "called", "start": "serving", "finish": "done", "no-show": "no_show", "cancel": "cancelled"}
    assert response.get_json()["ticket"]["state"] == expected[action]


def test_wrong_state_is_409_with_vietnamese_message(office, api):
    ticket = make_ticket(office.f1)
    response = api("canbo1").post(f"/api/tickets/{ticket.id}/finish")
    assert response.status_code == 409
    assert response.get_json()["error"] == "invalid_state" and "1001" in response.get_json()["message"]


def test_transfer_and_reactivate_over_http(office, api):
    ticket = make_ticket(office.f1)
    clerk = api("canbo1")
    clerk.post(f"/api/counters/{office.c1.id}/call-next")
    moved = clerk.post(f"/api/tickets/{ticket.id}/transfer", json={"counter": office.c2.id, "note": "Ký số"})
    assert moved.status_code == 200 and moved.get_json()["ticket"]["target_counter_id"] == office.c2.id
    bad = api("canbo2").post(f"/api/tickets/{ticket.id}/transfer", json={})  # counter 2's ticket now
    assert bad.status_code == 422


def test_pause_needs_reason_and_resume(office, api):
    clerk = api("canbo1")
    assert clerk.post(f"/api/counters/{office.c1.id}/pause", json={}).status_code == 422
    paused = clerk.post(f"/api/counters/{office.c1.id}/pause", json={"reason": "Nghỉ trưa"})
    assert paused.get_json()["counter"]["state"] == "paused"
    assert clerk.post(f"/api/counters/{office.c1.id}/resume").get_json()["counter"]["state"] == "open"


def test_no_identity_is_401_and_wrong_role_is_403(office, api):
    assert api().post(f"/api/counters/{office.c1.id}/call-next").status_code == 401
    display = api(device=office.display_token)
    assert display.post(f"/api/counters/{office.c1.id}/call-next").status_code == 403
    assert display.post("/api/tickets", json={"field": office.f1.id}).status_code == 403


def test_clerk_cannot_use_a_counter_not_assigned(office, api):
    response = api("canbo1").post(f"/api/counters/{office.c2.id}/call-next")
    assert response.status_code == 403 and response.get_json()["error"] == "forbidden"


def test_other_office_counter_and_ticket_are_not_found(office, api):
    other = make_office()
    from conftest import make_counter, make_field

    field = make_field(other)
    counter = make_counter(other, [field])
    ticket = make_ticket(field)
    clerk = api("canbo1")
    assert clerk.post(f"/api/counters/{counter.id}/call-next").status_code == 404
    assert clerk.post(f"/api/tickets/{ticket.id}/cancel").status_code == 404


def test_cookie_write_without_csrf_is_refused(office, api):
    clerk = api("canbo1")
    clerk.csrf = ""
    response = clerk.post(f"/api/counters/{office.c1.id}/open")
    assert response.status_code == 403 and response.get_json()["error"] == "csrf_failed"


@pytest.mark.parametrize(
    "body, status",
    [(None, 400), ("[1,2]", 400), ('{"field": "1"}', 422), ('{"field": true}', 422), ("{}", 422),
     ('{"field": 99999}', 404), ('{"field": 1, "priority": 5}', 422)],
)
def test_bad_issue_bodies_get_clear_errors(office, client, body, status):
    response = client.post("/api/tickets", data=body, content_type="application/json",
                           headers={"X-Device-Token": office.kiosk_token})
    assert response.status_code == status
    assert set(response.get_json()) >= {"error", "message"}
    assert Ticket.select().count() == 0


def test_login_is_throttled_after_repeated_failures(office, client):
    for _ in range(5):
        assert client.post("/api/session", json={"username": "canbo1", "password": "sai"}).status_code == 401
    locked = client.post("/api/session", json={"username": "canbo1", "password": "mat-khau-thu-123"})
    assert locked.status_code == 429 and locked.get_json()["error"] == "too_many_attempts"


def test_session_cookie_is_httponly_and_samesite(office, client):
    response = client.post("/api/session", json={"username": "canbo1", "password": "mat-khau-thu-123"})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_revoked_device_is_refused(office, api):
    office.kiosk.revoked_at = models.utcnow()
    office.kiosk.save()
    assert api(device=office.kiosk_token).post("/api/tickets", json={"field": office.f1.id}).status_code == 401


def test_device_tokens_are_stored_hashed(office):
    assert office.kiosk_token not in {d.token_hash for d in models.Device.select()}


def test_pairing_link_sets_cookie_and_redirects(office, client):
    response = client.get(f"/pair/{office.kiosk_token}")
    assert response.status_code == 302 and response.headers["Location"].endswith("/kiosk")
    assert "HttpOnly" in response.headers["Set-Cookie"]
    assert client.get("/pair/nope").status_code == 404


def test_unknown_api_path_is_json_404(client):
    response = client.get("/api/nothing-here")
    assert response.status_code == 404 and response.get_json()["error"] == "not_found"


def test_unexpected_error_is_logged_json_500_not_a_crash(app, client):
    # Register a route that raises, to prove the safety net answers in the documented shape.
    def boom():
        raise RuntimeError("boom")

    app.add_url_rule("/api/test-boom", "test_boom", boom)
    response = client.get("/api/test-boom")
    assert response.status_code == 500 and response.get_json()["error"] == "internal"


def test_every_api_route_is_in_the_openapi_document(app, client):
    spec = client.get("/api/openapi.json").get_json()
    documented = {(path, method) for path, ops in spec["paths"].items() for method in ops}
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        path = rule.rule
        for name in rule.arguments:
            path = path.replace(f"<int:{name}>", "{" + name + "}").replace(f"<{name}>", "{" + name + "}")
        paths = [path]
        if "<any(" in path:  # expand <any(a,b):action> into one path per value
            head, rest = path.split("<any(", 1)
            values, tail = rest.split("):", 1)
            tail = tail.split(">", 1)[1]
            paths = [head + v.strip("'") + tail for v in values.split(",")]
        for p in paths:
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                if (p, method.lower()) not in documented:
                    missing.append(f"{method} {p}")
    assert not missing, f"undocumented API routes: {missing}"


def test_staff_can_issue_on_behalf_without_printing(office, api):
    response = api("canbo1").post("/api/tickets", json={"field": office.f2.id})
    assert response.status_code == 201 and response.get_json()["number"] == "2001"
    assert models.PrintJob.select().count() == 0


def test_user_of_another_office_sees_only_its_own_snapshot(office, api):
    other = make_office(name="UBND xã Khác")
    make_user(other, "admin", username="admin-khac")
    make_device(other, "display")
    make_ticket(office.f1)
    body = api("admin-khac").get("/api/snapshot").get_json()
    assert body["office"]["name"] == "UBND xã Khác" and body["waiting"] == []
