"""Province room tests: a province-level leader sees today's figures of every office; nobody else does."""

from __future__ import annotations

import ticketing
from tests.conftest import make_counter, make_field, make_office, make_ticket, make_user


def _serve_and_rate(field, counter, level):
    """Issue, call, finish and rate one ticket at ``counter``."""
    ticket = make_ticket(field)
    ticketing.call_next(counter.id)
    ticketing.finish(ticket.id)
    ticketing.rate(ticket.id, level, counter_id=counter.id, source="tablet")
    return ticket


def test_summary_gives_each_office_its_figures(office, api):
    """Office A: 3 issued, 2 served, 1 waiting, 2 ratings (1 satisfied); office B: 1 waiting."""
    make_user(None, "province", username="tinh1")
    _serve_and_rate(office.f1, office.c1, 3)
    _serve_and_rate(office.f1, office.c1, 1)
    make_ticket(office.f2)
    b = make_office(name="UBND xã Bên Cạnh", code="25993")
    make_ticket(make_field(b, code="HT"))
    body = api(username="tinh1").get("/api/province/summary").get_json()
    by_id = {o["id"]: o for o in body["offices"]}
    a_row, b_row = by_id[office.office.id], by_id[b.id]
    assert (a_row["issued"], a_row["served"], a_row["waiting"], a_row["rated"]) == (3, 2, 1, 2)
    assert a_row["satisfaction_pct"] == 50.0
    assert (b_row["issued"], b_row["waiting"], b_row["satisfaction_pct"], b_row["code"]) == (1, 1, None, "25993")
    assert body["totals"]["issued"] == 4 and body["totals"]["satisfaction_pct"] == 50.0


def test_office_leader_and_admin_cannot_read_the_province_summary(office, api):
    """Office roles get 403: they see their own office's reports only."""
    for username in ("lanhdao1", "admin1", "canbo1"):
        assert api(username=username).get("/api/province/summary").status_code == 403


def test_anonymous_and_devices_cannot_read_the_province_summary(office, api):
    """No login: 401; a display device: 403."""
    assert api().get("/api/province/summary").status_code == 401
    assert api(device=office.display_token).get("/api/province/summary").status_code == 403


def test_province_user_cannot_act_in_an_office(office, api):
    """A province leader reads aggregates only: office routes refuse (no office of their own)."""
    make_user(None, "province", username="tinh2")
    client = api(username="tinh2")
    ticket = make_ticket(office.f1)
    assert client.get("/api/tickets").status_code == 403
    assert client.post(f"/api/counters/{office.c1.id}/call-next").status_code == 403
    assert client.post(f"/api/tickets/{ticket.id}/cancel").status_code == 403


def test_summary_is_in_the_openapi_document(client):
    """The route is documented like every /api route."""
    paths = client.get("/api/openapi.json").get_json()["paths"]
    assert "get" in paths["/api/province/summary"]


def test_counter_of_another_office_is_not_counted(office, api):
    """A ticket served in office B does not count in office A."""
    make_user(None, "province", username="tinh3")
    b = make_office()
    fb = make_field(b)
    _serve_and_rate(fb, make_counter(b, [fb]), 3)
    rows = {o["id"]: o for o in api(username="tinh3").get("/api/province/summary").get_json()["offices"]}
    assert rows[office.office.id]["served"] == 0 and rows[b.id]["served"] == 1
