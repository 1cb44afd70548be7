"""Reports room: report figures against values worked out by hand (see report_fixture.py)."""

import datetime as dt

import pytest

import ticketing
from conftest import make_ticket
from models import Office
from report_fixture import DAY, at, build_day, serve
from reports import compute

MIN = 60.0


def report_for(o, period=None):
    """The report of the fixture day (or ``period``) for office bag ``o``."""
    office = Office.get_by_id(o.office.id)
    return compute.build_report(office, period or compute.day_period(DAY), now=at(60))


def row(rows, row_id):
    """The table row with this id."""
    return next(r for r in rows if r["id"] == row_id)


def test_counts_of_the_day(office):
    build_day(office)
    s = report_for(office)["summary"]
    assert (s["issued"], s["served"], s["no_show"], s["cancelled"], s["transferred"], s["open"]) == (6, 4, 1, 1, 1, 0)


def test_wait_is_first_call_minus_arrival_with_average_median_p90(office):
    build_day(office)
    wait = report_for(office)["summary"]["wait"]
    # 4, 6, 14 (first call of the transferred ticket, not its second), 15, 17 minutes.
    assert wait == {"count": 5, "avg": 11.2 * MIN, "median": 14 * MIN, "p90": 17 * MIN}


def test_service_time_median_of_an_even_count_is_the_mean_of_the_middle_two(office):
    build_day(office)
    service = report_for(office)["summary"]["service"]
    assert service == {"count": 4, "avg": 9.75 * MIN, "median": 8 * MIN, "p90": 20 * MIN}


def test_by_field_issued_where_taken_served_where_ended(office):
    build_day(office)
    fields = report_for(office)["by_field"]
    f1, f2 = row(fields, office.f1.id), row(fields, office.f2.id)
    assert (f1["issued"], f1["served"], f1["cancelled"], f1["transferred"]) == (4, 2, 1, 1)
    assert (f2["issued"], f2["served"], f2["no_show"], f2["transferred"]) == (2, 2, 1, 0)
    assert f2["wait"]["median"] == 15 * MIN  # 14, 15, 17


def test_by_counter_counts_transfers_made_there(office):
    build_day(office)
    counters = report_for(office)["by_counter"]
    c1, c2 = row(counters, office.c1.id), row(counters, office.c2.id)
    assert (c1["handled"], c1["served"], c1["transferred"]) == (3, 3, 0)
    assert (c2["handled"], c2["served"], c2["no_show"], c2["transferred"]) == (2, 1, 1, 1)
    assert c2["wait"]["avg"] == 11.5 * MIN  # 6 and 17


def test_by_clerk_names_and_service(office):
    build_day(office)
    clerks = report_for(office)["by_clerk"]
    hoa = row(clerks, office.clerk1.id)
    assert hoa["name"] == "Trần Thị Hoa"
    assert hoa["service"] == {"count": 3, "avg": 11 * MIN, "median": 10 * MIN, "p90": 20 * MIN}


def test_satisfaction_groups_and_rated_share(office):
    build_day(office)
    sat = report_for(office)["satisfaction"]
    assert sat["ratings"] == 3
    assert sat["rated_share"] == pytest.approx(0.75)
    assert [(g["label"], g["count"]) for g in sat["groups"]] == [("Rất hài lòng", 1), ("Hài lòng", 1), ("Không hài lòng", 1)]
    assert all(g["share"] == pytest.approx(1 / 3) for g in sat["groups"])


def test_satisfaction_per_clerk(office):
    build_day(office)
    report = report_for(office)
    hoa = row(report["by_clerk"], office.clerk1.id)["satisfaction"]
    binh = row(report["by_clerk"], office.clerk2.id)["satisfaction"]
    assert (hoa["very_satisfied"]["share"], hoa["dissatisfied"]["share"]) == (0.5, 0.5)
    assert binh["satisfied"] == {"count": 1, "share": 1.0}


def test_reasons_and_comments_newest_first_with_ticket_numbers(office):
    tickets = build_day(office)
    sat = report_for(office)["satisfaction"]
    assert sat["reasons"] == [{"reason": "Thời gian chờ lâu", "count": 1, "dissatisfied": 1}]
    assert sat["comments_total"] == 2
    assert [(c["number"], c["comment"], c["level_label"]) for c in sat["comments"]] == [
        (tickets[3].display_number, "Chờ lâu quá", "Không hài lòng"),
        (tickets[1].display_number, "Cán bộ nhiệt tình", "Rất hài lòng"),
    ]


def test_arrivals_counted_in_local_hours(office):
    build_day(office)
    hours = {h["hour"]: h for h in report_for(office)["by_hour"]}
    assert hours[9]["arrivals"] == 6 and hours[9]["per_day"] == 6.0
    assert hours[8]["arrivals"] == 0  # 02:00 UTC is 09:00 in Hà Nội, not 02:00


def test_empty_period_has_zeros_and_no_averages(office):
    report = report_for(office, compute.month_period(2026, 1))
    s, sat = report["summary"], report["satisfaction"]
    assert (s["issued"], s["served"], s["active_days"]) == (0, 0, 0)
    assert s["wait"] == {"count": 0, "avg": None, "median": None, "p90": None}
    assert sat["rated_share"] is None and all(g["share"] is None for g in sat["groups"])
    assert report["by_field"] == report["by_counter"] == report["by_clerk"] == []
    assert len(report["trend"]["points"]) == 31 and all(p["issued"] == 0 for p in report["trend"]["points"])


def test_ticket_spanning_midnight_counts_in_its_business_day(office):
    # Arrival 23:50 local on the 17th (16:50 UTC), served until 00:10 local on the 18th.
    arrival = dt.datetime(2026, 11, 17, 16, 50)
    ticket = make_ticket(office.f1, now=arrival)
    ticketing.call_ticket(office.c1.id, ticket.id, user=office.clerk1, now=arrival + dt.timedelta(minutes=5))
    ticketing.start(ticket.id, user=office.clerk1, now=arrival + dt.timedelta(minutes=6))
    ticketing.finish(ticket.id, user=office.clerk1, now=arrival + dt.timedelta(minutes=20))
    day17 = report_for(office, compute.day_period(dt.date(2026, 11, 17)))
    day18 = report_for(office, compute.day_period(dt.date(2026, 11, 18)))
    assert (day17["summary"]["served"], day17["summary"]["service"]["avg"]) == (1, 14 * MIN)
    assert {h["hour"]: h["arrivals"] for h in day17["by_hour"]}[23] == 1
    assert day18["summary"]["issued"] == 0


def test_reactivated_ticket_waits_until_its_first_call(office):
    ticket = make_ticket(office.f1, now=at(0))
    ticketing.call_ticket(office.c1.id, ticket.id, user=office.clerk1, now=at(5))
    ticketing.no_show(ticket.id, user=office.clerk1, now=at(7))
    ticketing.reactivate(ticket.id, now=at(9))
    serve(ticket, office.c1, office.clerk1, 30, 31, 35)
    assert report_for(office)["summary"]["wait"]["avg"] == 5 * MIN


def test_weekday_averages_divide_by_days_with_arrivals(office):
    # Two Mondays (16th and 23rd) with 1 and 3 tickets: average 2 per Monday.
    make_ticket(office.f1, now=at(0))
    for i in range(3):
        make_ticket(office.f1, now=at(7 * 24 * 60 + i))
    report = report_for(office, compute.range_period(DAY, DAY + dt.timedelta(days=7)))
    monday = next(w for w in report["by_weekday"] if w["weekday"] == 1)
    assert (monday["arrivals"], monday["days"], monday["per_day"]) == (4, 2, 2.0)


def test_percentile_is_nearest_rank():
    values = [float(v) for v in range(1, 11)]  # 1..10
    assert compute.percentile(values, 0.9) == 9.0
    assert compute.percentile([1.0, 2.0, 3.0], 0.9) == 3.0
    assert compute.median([1.0, 2.0, 3.0, 4.0]) == 2.5


def test_five_level_ratings_are_grouped_and_listed_per_level(office):
    Office.update(rating_levels=5).where(Office.id == office.office.id).execute()
    for i, level in enumerate([5, 4, 3, 2]):
        ticket = make_ticket(office.f1, now=at(i * 10))
        serve(ticket, office.c1, office.clerk1, i * 10 + 1, i * 10 + 2, i * 10 + 3)
        ticketing.rate(ticket.id, level, source="phone", now=at(i * 10 + 3.5))
    sat = report_for(office)["satisfaction"]
    assert [g["count"] for g in sat["groups"]] == [1, 2, 1]
    assert [(lv["label"], lv["count"]) for lv in sat["levels"]][:3] == [("Rất hài lòng", 1), ("Hài lòng", 1), ("Bình thường", 1)]


def test_today_figures_for_the_monitor(office):
    build_day(office)
    make_ticket(office.f1, now=at(50))
    today = compute.today_figures(Office.get_by_id(office.office.id), now=at(60))
    assert (today["issued"], today["served"], today["waiting"], today["no_show"]) == (7, 4, 1, 1)
    assert today["by_counter"][str(office.c1.id)]["served"] == 3
    assert today["satisfied_share"] == pytest.approx(2 / 3)
