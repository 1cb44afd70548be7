"""Security room, issue 13 row 8: clerks act only on their counters' tickets and fields, one rule for
every action (security.may_act_on_ticket); leaders and admins anywhere in their office.

The office here: counter 1 serves field A only, counter 2 field B only; canbo1 works at counter 1,
canbo2 at counter 2. Each attack of the issue is tried and must be refused with 403, the ticket
unchanged; the same actions on canbo1's own tickets go through."""

from __future__ import annotations

import pytest

import ticketing
from models import Ticket
from tests.conftest import make_counter, make_device, make_field, make_office, make_ticket, make_user


@pytest.fixture
def split(app):
    """Two counters serving different fields, a clerk at each, a leader, an admin and a printing kiosk."""
    office = make_office()
    field_a = make_field(office, name="Tư pháp - Hộ tịch", code="HT")
    field_b = make_field(office, name="Đất đai", code="DD", number_start=2001)
    c1 = make_counter(office, [field_a], number=1)
    c2 = make_counter(office, [field_b], number=2)
    make_user(office, "clerk", [c1], username="canbo1")
    make_user(office, "clerk", [c2], username="canbo2")
    make_user(office, "leader", username="lanhdao1")
    make_user(office, "admin", username="admin1")
    make_device(office, "kiosk", settings={"printer": {"kind": "agent"}})
    return dict(office=office, a=field_a, b=field_b, c1=c1, c2=c2)


def _at_counter_2(split, state):
    """A ticket of field B in ``state`` at counter 2 (called, serving or no_show)."""
    ticket = make_ticket(split["b"])
    ticketing.call_ticket(split["c2"].id, ticket.id)
    if state == "serving":
        ticketing.start(ticket.id)
    if state == "no_show":
        ticketing.no_show(ticket.id)
    return Ticket.get_by_id(ticket.id)


ACTIONS = ["recall", "start", "finish", "no-show", "cancel", "reactivate", "transfer", "reprint"]


def _act(client, ticket, action, split):
    """POST the action on ``ticket`` (transfer: to field A; reprint: on the kiosk)."""
    if action == "transfer":
        return client.post(f"/api/tickets/{ticket.id}/transfer", json={"field": split["a"].id, "note": "thử"})
    return client.post(f"/api/tickets/{ticket.id}/{action}")


@pytest.mark.parametrize("action", ACTIONS)
def test_a_clerk_cannot_touch_a_ticket_at_another_counter(split, api, action):
    """canbo1 on counter 2's ticket (served, or its no-show for reactivate): 403 and the ticket unchanged."""
    ticket = _at_counter_2(split, "no_show" if action == "reactivate" else "called")
    before = Ticket.get_by_id(ticket.id).__data__
    response = _act(api("canbo1"), ticket, action, split)
    assert response.status_code == 403 and response.get_json()["error"] == "forbidden", response.get_json()
    assert Ticket.get_by_id(ticket.id).__data__ == before


@pytest.mark.parametrize("action", ["cancel", "transfer"])
def test_a_clerk_cannot_touch_a_waiting_ticket_of_a_field_they_do_not_serve(split, api, action):
    """A waiting ticket of field B (counter 2's field): canbo1 may neither cancel nor transfer it."""
    ticket = make_ticket(split["b"])
    assert _act(api("canbo1"), ticket, action, split).status_code == 403
    assert Ticket.get_by_id(ticket.id).state == "waiting"


def test_a_clerk_cannot_call_a_ticket_sent_to_another_counter(split, api):
    """A field-A ticket transferred to counter 2 by name: canbo1 cannot call it to counter 1; canbo2 can."""
    ticket = make_ticket(split["a"])
    ticketing.transfer(ticket.id, counter_id=split["c2"].id)
    refused = api("canbo1").post(f"/api/counters/{split['c1'].id}/call", json={"ticket": ticket.id})
    assert refused.status_code == 403 and Ticket.get_by_id(ticket.id).state == "waiting"
    assert api("canbo2").post(f"/api/counters/{split['c2'].id}/call", json={"ticket": ticket.id}).status_code == 200


def test_a_clerk_cannot_call_a_ticket_of_a_field_they_do_not_serve(split, api):
    """canbo1 picks a waiting field-B ticket from the list: refused."""
    ticket = make_ticket(split["b"])
    assert api("canbo1").post(f"/api/counters/{split['c1'].id}/call", json={"ticket": ticket.id}).status_code == 403


def test_the_clerk_does_every_action_on_their_own_tickets(split, api):
    """The same actions on canbo1's own field and counter go through: the rule is not a blanket refusal."""
    clerk = api("canbo1")
    ticket = make_ticket(split["a"])
    call = {"ticket": ticket.id}
    assert clerk.post(f"/api/counters/{split['c1'].id}/call", json=call).status_code == 200
    for action in ("recall", "reprint", "no-show", "reactivate"):
        assert _act(clerk, ticket, action, split).status_code in (200, 201), action
    assert clerk.post(f"/api/counters/{split['c1'].id}/call", json=call).status_code == 200
    for action in ("start", "finish"):
        assert _act(clerk, ticket, action, split).status_code == 200, action
    for action in ("transfer", "cancel"):
        assert _act(clerk, make_ticket(split["a"]), action, split).status_code == 200, action


@pytest.mark.parametrize("who", ["lanhdao1", "admin1"])
def test_leaders_and_admins_act_anywhere_in_their_office(split, api, who):
    """A leader or an admin cancels counter 2's ticket, reactivates its no-show and calls a ticket sent to it."""
    person = api(who)
    served = _at_counter_2(split, "called")
    assert person.post(f"/api/tickets/{served.id}/cancel").status_code == 200
    missed = _at_counter_2(split, "no_show")
    assert person.post(f"/api/tickets/{missed.id}/reactivate").status_code == 200
    sent = make_ticket(split["a"])
    ticketing.transfer(sent.id, counter_id=split["c2"].id)
    assert person.post(f"/api/counters/{split['c1'].id}/call", json={"ticket": sent.id}).status_code == 200
