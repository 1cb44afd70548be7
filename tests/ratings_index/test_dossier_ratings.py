"""Ratings room tests: dossier codes on a visit and the rating recorded for each dossier (queue rules)."""

import datetime as dt

import pytest

import errors
import ticketing
from models import AuditLog, Dossier, DossierRating, OutboxItem, RatingAlert, TicketEvent
from tests.conftest import make_ticket

from .conftest import CODES, served


def test_a_rating_is_recorded_for_each_dossier_of_the_visit(office):
    ticket = served(office)
    change = ticketing.rate(ticket.id, 3, counter_id=office.c1.id)
    rows = list(DossierRating.select().order_by(DossierRating.id))
    assert [r.code for r in rows] == list(CODES)
    assert {(r.rating_id, r.clerk_id, r.field_id, r.counter_id, r.office_id, r.level, r.source) for r in rows} == {
        (change.rating.id, office.clerk1.id, office.f1.id, office.c1.id, office.office.id, 3, "tablet")}


def test_codes_are_in_the_tickets_history_with_who_when_and_kind(office):
    ticket = make_ticket(office.f1)
    ticketing.call_ticket(office.c1.id, ticket.id, user=office.clerk1)
    ticketing.add_dossier(ticket.id, CODES[0], "return", user=office.clerk1)
    event = TicketEvent.get((TicketEvent.ticket == ticket.id) & (TicketEvent.kind == "dossier"))
    assert (event.user_id, event.counter_id, event.detail["code"], event.detail["dossier_kind"], event.detail["action"]) == (
        office.clerk1.id, office.c1.id, CODES[0], "return", "add")


def test_the_same_code_twice_on_a_visit_is_one_dossier(office):
    ticket = make_ticket(office.f1)
    ticketing.call_ticket(office.c1.id, ticket.id)
    first, _ = ticketing.add_dossier(ticket.id, CODES[0])
    again, duplicate = ticketing.add_dossier(ticket.id, CODES[0].lower())
    assert (again.id, duplicate) == (first.id, True)
    assert Dossier.select().count() == 1


def test_a_code_added_after_the_rating_gets_the_rating_at_once(office):
    ticket = served(office, codes=CODES[:1])
    ticketing.rate(ticket.id, 1, ["Khác"], counter_id=office.c1.id)
    ticketing.add_dossier(ticket.id, CODES[1])
    assert sorted(r.code for r in DossierRating.select()) == sorted(CODES)


def test_a_code_is_taken_back_only_before_the_visit_is_rated(office):
    ticket = served(office)
    first = Dossier.get(Dossier.code == CODES[0])
    ticketing.remove_dossier(ticket.id, first.id)
    assert [d.code for d in ticketing.dossiers_of(ticket.id)] == [CODES[1]]
    ticketing.rate(ticket.id, 3, counter_id=office.c1.id)
    with pytest.raises(errors.InvalidState):
        ticketing.remove_dossier(ticket.id, Dossier.get(Dossier.code == CODES[1]).id)
    removed = OutboxItem.get(OutboxItem.key.endswith(":removed"))
    assert removed.payload["removed"] is True and removed.payload["dossier_code"] == CODES[0]


def test_codes_are_refused_on_a_waiting_ticket_and_on_an_earlier_days_visit(office):
    waiting = make_ticket(office.f1)
    with pytest.raises(errors.InvalidState):
        ticketing.add_dossier(waiting.id, CODES[0])
    ticket = served(office, codes=())
    with pytest.raises(errors.InvalidState):
        ticketing.add_dossier(ticket.id, CODES[0], now=ticketing.utcnow() + dt.timedelta(days=1))


def test_a_malformed_code_is_a_clear_422(office):
    ticket = make_ticket(office.f1)
    ticketing.call_ticket(office.c1.id, ticket.id)
    with pytest.raises(errors.Invalid) as refused:
        ticketing.add_dossier(ticket.id, "1005")
    assert refused.value.status == 422 and "không phải mã hồ sơ" in refused.value.message


def test_outbox_numbers_run_on_without_gaps_and_keys_never_repeat(office):
    for _ in range(3):
        ticket = served(office)
        ticketing.rate(ticket.id, 2, counter_id=office.c1.id)
    items = list(OutboxItem.select().order_by(OutboxItem.seq))
    assert [i.seq for i in items] == list(range(1, 13))  # per visit: 2 codes seen + 2 ratings of dossiers
    assert len({i.key for i in items}) == 12


def test_only_a_khong_hai_long_raises_an_alert(office):
    for level in (3, 2):
        ticketing.rate(served(office).id, level, counter_id=office.c1.id)
    assert not RatingAlert.select().exists()
    change = ticketing.rate(served(office).id, 1, ["Thái độ phục vụ"], "Cán bộ nói trống không", counter_id=office.c1.id)
    alert = change.rating_alert
    assert (alert.codes, alert.reasons, alert.comment, alert.clerk_id) == (
        list(CODES), ["Thái độ phục vụ"], "Cán bộ nói trống không", office.clerk1.id)


def test_handling_an_alert_needs_a_note_is_audited_and_happens_once(office):
    alert = ticketing.rate(served(office).id, 1, ["Khác"], counter_id=office.c1.id).rating_alert
    with pytest.raises(errors.Invalid):
        ticketing.handle_alert(alert.id, office.office.id, office.leader, "  ")
    ticketing.handle_alert(alert.id, office.office.id, office.leader, "Đã gọi điện xin lỗi công dân")
    entry = AuditLog.get(AuditLog.action == "rating_alert.handle")
    assert (entry.user_id, entry.detail["after"]["note"], entry.detail["codes"]) == (
        office.leader.id, "Đã gọi điện xin lỗi công dân", list(CODES))
    with pytest.raises(errors.InvalidState) as twice:
        ticketing.handle_alert(alert.id, office.office.id, office.admin, "Lần hai")
    assert twice.value.code == "already_handled"
    assert ticketing.open_alerts(office.office.id) == []
