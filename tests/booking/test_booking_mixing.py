"""Booking room, rules: how call-next mixes priority tickets, on-time appointments and walk-ins
(rules.mixing), first as the pure rule, then through the real queue on a database."""

import datetime as dt

import pytest

import ticketing
from conftest import make_ticket
from rules import mixing
from rules.mixing import ANY, BOOKED, ORDINARY, PRIORITY, UNBOOKED, WALKIN

T0 = dt.datetime(2026, 11, 27, 2, 0)  # 09:00 in Hà Nội


def at(minutes):
    """T0 plus some minutes."""
    return T0 + dt.timedelta(minutes=minutes)


# --------------------------------------------------------------------------- the pure rule


def test_with_nothing_called_yet_priority_then_appointments_then_walkins():
    assert mixing.call_order(2, 2, []) == [PRIORITY, BOOKED, WALKIN, ANY]


def test_after_the_priority_run_a_non_priority_ticket_comes_first():
    assert mixing.call_order(2, 2, [PRIORITY, PRIORITY, WALKIN]) == [BOOKED, WALKIN, PRIORITY, ANY]


def test_after_the_appointment_run_a_walkin_comes_first():
    assert mixing.call_order(2, 2, [BOOKED, BOOKED]) == [PRIORITY, WALKIN, BOOKED, ANY]


def test_priority_calls_between_appointments_do_not_reset_the_appointment_run():
    # Non-priority calls newest first: booked, booked -> the run is full though priority came between.
    assert mixing.call_order(2, 2, [PRIORITY, BOOKED, PRIORITY, PRIORITY, BOOKED])[:2] == [PRIORITY, WALKIN]
    assert mixing.call_order(2, 2, [PRIORITY, PRIORITY, BOOKED, PRIORITY, BOOKED])[:2] == [WALKIN, BOOKED]


def test_a_walkin_call_ends_the_appointment_run():
    assert mixing.call_order(2, 2, [WALKIN, BOOKED, BOOKED])[:2] == [PRIORITY, BOOKED]


def test_appointment_ratio_zero_keeps_plain_arrival_order_among_non_priority():
    assert mixing.call_order(2, 0, []) == [PRIORITY, ORDINARY, ANY]
    assert mixing.call_order(0, 0, [BOOKED]) == [ANY]


def test_priority_off_appointments_still_go_ahead_of_everybody_else():
    assert mixing.call_order(0, 3, []) == [BOOKED, UNBOOKED, ANY]
    assert mixing.call_order(0, 1, [BOOKED]) == [UNBOOKED, BOOKED, ANY]
    assert mixing.lane_of(True, False, 0) == WALKIN and mixing.lane_of(True, False, 1) == PRIORITY


def test_history_covers_the_appointment_run_across_priority_calls():
    assert mixing.history_needed(2, 3) == 9  # 3 non-priority calls with up to 2 priority calls before each
    assert mixing.history_needed(2, 0) == 2 and mixing.history_needed(0, 2) == 2 and mixing.history_needed(0, 0) == 0


@pytest.mark.parametrize("cap", [1, 2, 3])
def test_walkins_are_never_starved_however_many_appointments_wait(cap):
    """Simulated with the pure rule: 30 appointments and 30 walk-ins waiting, no priority: every
    run of appointment calls is at most ``cap`` long and walk-ins get their share."""
    waiting = {BOOKED: 30, WALKIN: 30}
    calls = []
    for _ in range(30):
        for lane in mixing.call_order(2, cap, list(reversed(calls))):
            if waiting.get(lane):
                waiting[lane] -= 1
                calls.append(lane)
                break
    runs = "".join("B" if c == BOOKED else "W" for c in calls).split("W")
    assert max(len(run) for run in runs) == cap
    assert calls.count(WALKIN) == 30 // (cap + 1)


# --------------------------------------------------------------------------- the real queue


def _booked(field, minutes, slot_minutes=None):
    """An appointment checked in on time at ``minutes`` (slot at ``slot_minutes``, default the same)."""
    slot = at(slot_minutes if slot_minutes is not None else minutes)
    return ticketing.issue_ticket(field.office_id, field.id, channel="appointment", booked_slot=slot,
                                  now=at(minutes)).ticket


def _serve(counter, start, count):
    """Call and finish ``count`` tickets at a counter: their kinds in call order (P, B, W)."""
    order = []
    for i in range(count):
        ticket = ticketing.call_next(counter.id, now=at(start + 2 * i)).ticket
        ticketing.finish(ticket.id, now=at(start + 2 * i + 1))
        order.append("P" if ticket.priority_id else "B" if ticket.booked_slot else "W")
    return order


def test_an_on_time_appointment_goes_ahead_of_walkins_who_came_earlier(office):
    for i in range(3):
        make_ticket(office.f1, now=at(i))
    _booked(office.f1, 10)
    assert _serve(office.c1, 20, 4) == ["B", "W", "W", "W"]


def test_appointments_are_called_by_slot_then_arrival(office):
    late_slot = _booked(office.f1, 1, slot_minutes=30)
    early_slot = _booked(office.f1, 2, slot_minutes=15)
    first = ticketing.call_next(office.c1.id, now=at(5)).ticket
    assert (first.id, ticketing.people_ahead(ticketing.get_ticket(late_slot.id))) == (early_slot.id, 0)


def test_the_cap_lets_a_walkin_through_after_a_run_of_appointments(office):
    office.office.appointment_ratio = 2
    office.office.save()
    for i in range(3):
        make_ticket(office.f1, now=at(i))
    for i in range(5):
        _booked(office.f1, 10 + i)
    assert _serve(office.c1, 30, 8) == ["B", "B", "W", "B", "B", "W", "B", "W"]


def test_priority_keeps_its_ratio_beside_appointments(office):
    for i in range(3):
        make_ticket(office.f1, now=at(i))
    for i in range(3):
        _booked(office.f1, 5 + i)
    for i in range(4):
        make_ticket(office.f1, priority=office.prio.code, now=at(10 + i))
    # P P, then the non-priority turn goes to an appointment; P P again; the next non-priority
    # turn is the second appointment, then the cap of 2 appointments hands one to a walk-in.
    assert _serve(office.c1, 20, 10) == ["P", "P", "B", "P", "P", "B", "W", "B", "W", "W"]


def test_appointment_ratio_zero_means_arrival_order(office):
    office.office.appointment_ratio = 0
    office.office.save()
    make_ticket(office.f1, now=at(0))
    _booked(office.f1, 1)
    assert _serve(office.c1, 5, 2) == ["W", "B"]


def test_a_called_ticket_is_never_overtaken(office):
    walkin = make_ticket(office.f1, now=at(0))
    called = ticketing.call_next(office.c1.id, now=at(1)).ticket
    _booked(office.f1, 2)
    assert called.id == walkin.id
    assert ticketing.get_ticket(walkin.id).state == "called"
    assert ticketing.call_next(office.c2.id, now=at(3)).ticket.booked_slot is not None


def test_people_ahead_count_on_time_appointments_before_walkins(office):
    early = make_ticket(office.f1, now=at(0))
    booked = _booked(office.f1, 1)
    late = make_ticket(office.f1, now=at(2))
    ahead = [ticketing.people_ahead(ticketing.get_ticket(t.id)) for t in (booked, early, late)]
    assert ahead == [0, 1, 2]
