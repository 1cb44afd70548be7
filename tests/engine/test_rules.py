"""Queue rules: numbering, lifecycle, priority interleaving, transfer, rollover, caps, hours."""

import datetime as dt

import pytest

import errors
import ticketing
from conftest import make_counter, make_field, make_office, make_priority, make_ticket
from models import Ticket, TicketEvent

T0 = dt.datetime(2026, 11, 27, 2, 0)  # 09:00 in Hà Nội, a Friday


def at(minutes):
    """T0 plus some minutes."""
    return T0 + dt.timedelta(minutes=minutes)


def test_numbers_run_per_field_from_the_configured_start(office):
    numbers = [make_ticket(office.f1, now=at(i)).display_number for i in range(3)]
    assert numbers == ["1001", "1002", "1003"]
    assert make_ticket(office.f2, now=at(4)).display_number == "2001"


def test_letter_prefix_pads_the_number(app):
    field = make_field(make_office(), prefix="A", number_start=1)
    assert [make_ticket(field, now=at(i)).display_number for i in range(2)] == ["A001", "A002"]


def test_numbers_restart_at_local_midnight_not_utc_midnight(office):
    # 16:59 UTC is 23:59 local; 17:01 UTC is 00:01 local the next day.
    late = make_ticket(office.f1, now=dt.datetime(2026, 11, 27, 16, 59))
    early = make_ticket(office.f1, now=dt.datetime(2026, 11, 27, 17, 1))
    assert (late.day, late.display_number) == (dt.date(2026, 11, 27), "1001")
    assert (early.day, early.display_number) == (dt.date(2026, 11, 28), "1001")


def test_rollover_cancels_yesterdays_open_tickets_and_keeps_todays(office):
    old = make_ticket(office.f1, now=at(-24 * 60))
    new = make_ticket(office.f1, now=at(0))
    assert ticketing.close_past_days(office.office.id, now=at(1)) == 1
    assert Ticket.get_by_id(old.id).state == "cancelled"
    assert Ticket.get_by_id(new.id).state == "waiting"


def test_call_next_is_fifo_and_only_for_served_fields(office):
    other = make_field(office.office, name="Đất đai", code="DD", number_start=3001)
    make_ticket(other, now=at(0))
    first = make_ticket(office.f1, now=at(1))
    second = make_ticket(office.f2, now=at(2))
    assert ticketing.call_next(office.c1.id, now=at(3)).ticket.id == first.id
    ticketing.finish(first.id, now=at(4))
    assert ticketing.call_next(office.c1.id, now=at(5)).ticket.id == second.id
    ticketing.finish(second.id, now=at(6))
    with pytest.raises(errors.QueueEmpty):
        ticketing.call_next(office.c1.id, now=at(7))


def _serve_all(counter, start, count):
    """Call and finish ``count`` tickets at a counter; return their numbers in call order."""
    order = []
    for i in range(count):
        ticket = ticketing.call_next(counter.id, now=at(start + 2 * i)).ticket
        ticketing.finish(ticket.id, now=at(start + 2 * i + 1))
        order.append("P" if ticket.priority_id else "O")
    return order


def test_priority_goes_first_but_at_most_ratio_in_a_row(office):
    for i in range(3):
        make_ticket(office.f1, now=at(i))
    for i in range(5):
        make_ticket(office.f1, priority=office.prio.code, now=at(10 + i))
    assert _serve_all(office.c1, 20, 8) == ["P", "P", "O", "P", "P", "O", "P", "O"]


def test_ratio_zero_means_plain_arrival_order(office):
    office.office.priority_ratio = 0
    office.office.save()
    make_ticket(office.f1, now=at(0))
    make_ticket(office.f1, priority=office.prio.code, now=at(1))
    assert _serve_all(office.c1, 5, 2) == ["O", "P"]


def test_priority_streak_does_not_starve_when_no_ordinary_waits(office):
    for i in range(4):
        make_ticket(office.f1, priority=office.prio.code, now=at(i))
    assert _serve_all(office.c1, 10, 4) == ["P", "P", "P", "P"]


def test_transfer_to_field_keeps_place_by_arrival(office):
    early = make_ticket(office.f1, now=at(0))
    make_ticket(office.f2, now=at(1))
    ticketing.call_next(office.c2.id, now=at(2))  # c2 takes `early`
    ticketing.transfer(early.id, field_id=office.f2.id, now=at(3))
    # `early` arrived before the f2 ticket, so it keeps the first place in f2's queue.
    assert ticketing.call_next(office.c1.id, now=at(4)).ticket.id == early.id


def test_transfer_to_named_counter_only_that_counter_calls_it(office):
    ticket = make_ticket(office.f1, now=at(0))
    ticketing.call_next(office.c1.id, now=at(1))
    ticketing.transfer(ticket.id, counter_id=office.c2.id, note="Cần ký xác nhận", now=at(2))
    with pytest.raises(errors.QueueEmpty):
        ticketing.call_next(office.c1.id, now=at(3))
    called = ticketing.call_next(office.c2.id, now=at(4)).ticket
    assert (called.id, called.transfer_count, called.arrival_at) == (ticket.id, 1, at(0))


def test_lifecycle_writes_an_event_per_transition(office):
    ticket = make_ticket(office.f1, now=at(0))
    ticketing.call_next(office.c1.id, user=office.clerk1, now=at(1))
    ticketing.recall(ticket.id, now=at(2))
    ticketing.start(ticket.id, now=at(3))
    ticketing.finish(ticket.id, user=office.clerk1, now=at(9))
    kinds = [e.kind for e in TicketEvent.select().where(TicketEvent.ticket == ticket.id).order_by(TicketEvent.id)]
    assert kinds == ["issue", "call", "recall", "start", "finish"]
    done = Ticket.get_by_id(ticket.id)
    assert (done.state, done.recall_count, done.clerk_id) == ("done", 1, office.clerk1.id)


def test_no_show_can_be_reactivated_the_same_day_at_its_place(office):
    first = make_ticket(office.f1, now=at(0))
    second = make_ticket(office.f1, now=at(1))
    ticketing.call_next(office.c1.id, now=at(2))
    ticketing.no_show(first.id, now=at(3))
    ticketing.reactivate(first.id, now=at(4))
    assert ticketing.call_next(office.c1.id, now=at(5)).ticket.id == first.id
    assert Ticket.get_by_id(second.id).state == "waiting"


def test_no_show_of_yesterday_cannot_be_reactivated(office):
    ticket = make_ticket(office.f1, now=at(0))
    ticketing.call_next(office.c1.id, now=at(1))
    ticketing.no_show(ticket.id, now=at(2))
    with pytest.raises(errors.InvalidState):
        ticketing.reactivate(ticket.id, now=at(24 * 60))


@pytest.mark.parametrize("action", [ticketing.start, ticketing.finish, ticketing.no_show, ticketing.recall])
def test_actions_on_a_waiting_ticket_are_refused(office, action):
    ticket = make_ticket(office.f1, now=at(0))
    with pytest.raises(errors.InvalidState):
        action(ticket.id, now=at(1))


def test_a_counter_holding_a_ticket_cannot_call_another(office):
    make_ticket(office.f1, now=at(0))
    make_ticket(office.f1, now=at(1))
    ticketing.call_next(office.c1.id, now=at(2))
    with pytest.raises(errors.InvalidState) as err:
        ticketing.call_next(office.c1.id, now=at(3))
    assert err.value.code == "counter_busy"


def test_pause_needs_a_reason_and_call_next_resumes(office):
    with pytest.raises(errors.Invalid):
        ticketing.set_counter_state(office.c1.id, "paused", "")
    ticketing.set_counter_state(office.c1.id, "paused", "Nghỉ trưa")
    make_ticket(office.f1, now=at(0))
    change = ticketing.call_next(office.c1.id, now=at(1))
    assert change.counter_state_changed and change.counter.state == "open"


def test_daily_cap_refuses_without_consuming_a_number(app):
    field = make_field(make_office(), daily_cap=2)
    make_ticket(field, now=at(0))
    make_ticket(field, now=at(1))
    with pytest.raises(errors.CapReached):
        make_ticket(field, now=at(2))
    assert make_ticket(field, now=at(24 * 60)).display_number == "1001"


@pytest.mark.parametrize(
    "local_time, weekday_ok, reason",
    [("07:00", True, "not_yet_open"), ("16:31", True, "after_cutoff"), ("09:00", False, "day_off")],
)
def test_issuing_refused_outside_hours(app, local_time, weekday_ok, reason):
    office = make_office(open_time="07:30", cutoff_time="16:30", close_time="17:00",
                         working_days=[1, 2, 3, 4, 5] if weekday_ok else [1, 2, 3, 4])
    field = make_field(office)
    hours, minutes = map(int, local_time.split(":"))
    now = dt.datetime(2026, 11, 27, hours, minutes) - dt.timedelta(hours=7)  # Friday local
    with pytest.raises(errors.OfficeClosed) as err:
        make_ticket(field, now=now)
    assert err.value.extra["reason"] == reason


def test_holiday_refuses_and_names_next_working_day(app):
    office = make_office(holidays=["2026-11-27"], working_days=[1, 2, 3, 4, 5])
    with pytest.raises(errors.OfficeClosed) as err:
        make_ticket(make_field(office), now=at(0))
    assert err.value.extra["next_open"]["date"] == "2026-11-30"  # Monday


def test_inactive_field_refuses(office):
    office.f1.active = False
    office.f1.save()
    with pytest.raises(errors.OfficeClosed) as err:
        make_ticket(office.f1, now=at(0))
    assert err.value.code == "field_closed"


def test_estimated_wait_is_ahead_times_recent_service_over_open_counters(office):
    for i in range(2):  # two finished tickets of 4 and 6 minutes -> average 5 minutes
        ticket = make_ticket(office.f1, now=at(i))
        ticketing.call_next(office.c1.id, now=at(10 * i + 2))
        ticketing.start(ticket.id, now=at(10 * i + 2))
        ticketing.finish(ticket.id, now=at(10 * i + 6 + 2 * i))
    waiting = [make_ticket(office.f1, now=at(30 + i)) for i in range(4)]
    ahead = ticketing.people_ahead(waiting[-1])
    assert ahead == 3
    # both counters are open and serve f1: 3 x 300 s / 2
    assert ticketing.estimated_wait_seconds(ahead, office.f1.id, office.office, now=at(40)) == 450


def test_people_ahead_matches_the_order_call_next_would_follow(office):
    """People ahead of every waiting ticket equals a plain count over the field's waiting list
    (priority first, then arrival, then id), with ties in arrival time, transfers that keep an
    older arrival, called and cancelled tickets, and the same field's tickets of another day."""
    import random

    rng = random.Random(7)
    make_ticket(office.f1, now=at(-24 * 60))  # yesterday: never ahead of today's tickets
    tickets = []
    for i in range(40):
        minute = rng.choice([i, i, i - 1])  # some share an arrival minute
        field = rng.choice([office.f1, office.f1, office.f2])
        tickets.append(make_ticket(field, priority=office.prio.code if rng.random() < 0.25 else None,
                                   now=at(minute)))
    for ticket in rng.sample(tickets, 6):
        if ticket.field_id == office.f2.id:  # moved to f1, keeping its (older) arrival
            ticketing.transfer(ticket.id, field_id=office.f1.id, now=at(45))
    ticketing.call_next(office.c1.id, now=at(46))
    ticketing.cancel(rng.choice([t for t in tickets if t.field_id == office.f1.id]).id, now=at(47))
    today = Ticket.select().where((Ticket.day == tickets[0].day) & (Ticket.state == "waiting"))
    waiting = list(today)
    checked = 0
    for ticket in waiting:
        expected = sum(
            1 for other in waiting
            if other.field_id == ticket.field_id and other.id != ticket.id and (
                (other.priority_id is not None and ticket.priority_id is None)
                or ((other.priority_id is None) == (ticket.priority_id is None)
                    and (other.arrival_at, other.id) < (ticket.arrival_at, ticket.id))
            )
        )
        assert ticketing.people_ahead(ticket) == expected, ticket.display_number
        checked += 1
    assert checked > 25


def test_same_client_ref_from_same_kiosk_returns_the_same_ticket(office):
    first = ticketing.issue_ticket(office.office.id, office.f1.id, kiosk=office.kiosk, client_ref="tap-1", now=at(0))
    again = ticketing.issue_ticket(office.office.id, office.f1.id, kiosk=office.kiosk, client_ref="tap-1", now=at(0))
    assert again.duplicate and again.ticket.id == first.ticket.id
    assert Ticket.select().count() == 1


def test_priority_must_be_a_known_category(office):
    make_priority(office.office, code="mang_thai", name="Phụ nữ mang thai")
    with pytest.raises(errors.Invalid):
        make_ticket(office.f1, priority="vip", now=at(0))
    assert make_ticket(office.f1, priority="mang_thai", now=at(1)).priority_id is not None


def test_counter_can_call_a_chosen_ticket_out_of_order(office):
    make_ticket(office.f1, now=at(0))
    chosen = make_ticket(office.f1, now=at(1))
    assert ticketing.call_ticket(office.c1.id, chosen.id, now=at(2)).ticket.id == chosen.id


def test_counter_of_another_office_serves_nothing_here(office):
    other_office = make_office()
    other = make_counter(other_office, [office.f1])
    make_ticket(office.f1, now=at(0))
    with pytest.raises(errors.QueueEmpty):
        ticketing.call_next(other.id, now=at(1))


def stored(ticket):
    """Every column of a ticket instance, as a dict (absent values as None)."""
    return {name: ticket.__data__.get(name) for name in Ticket._meta.fields}


def test_the_rules_hand_back_tickets_exactly_as_stored(office):
    issued = make_ticket(office.f1, priority="cao_tuoi", now=at(0))
    assert stored(issued) == stored(Ticket.get_by_id(issued.id))
    called = ticketing.call_next(office.c1.id, user=office.clerk1, now=at(1)).ticket
    assert stored(called) == stored(Ticket.get_by_id(issued.id))
    finished = ticketing.finish(called.id, user=office.clerk1, now=at(2)).ticket
    assert stored(finished) == stored(Ticket.get_by_id(issued.id))
    assert (finished.state, finished.started_at, finished.finished_at, finished.clerk_id) == (
        "done", at(1), at(2), office.clerk1.id)


def test_a_refused_transition_names_the_state_and_changes_nothing(office):
    ticket = make_ticket(office.f1, now=at(0))
    with pytest.raises(errors.InvalidState) as refused:
        ticketing.finish(ticket.id, now=at(1))
    assert refused.value.extra == {"state": "waiting"}
    assert Ticket.get_by_id(ticket.id).state == "waiting"
    assert [e.kind for e in TicketEvent.select().where(TicketEvent.ticket == ticket.id)] == ["issue"]
