"""Reports room: report periods (day, range, month, quarter, year) and their local-time boundaries."""

import datetime as dt

import pytest

import errors
from conftest import make_ticket
from models import Office
from reports import compute

TODAY = dt.date(2026, 11, 27)


def issued(o, period) -> int:
    """Tickets issued in a period for office bag ``o``."""
    return compute.build_report(Office.get_by_id(o.office.id), period)["summary"]["issued"]


def test_month_quarter_and_year_bounds():
    assert (compute.month_period(2028, 2).start, compute.month_period(2028, 2).end) == (dt.date(2028, 2, 1), dt.date(2028, 2, 29))
    q4 = compute.quarter_period(2026, 4)
    assert (q4.start, q4.end, q4.label, q4.slug) == (dt.date(2026, 10, 1), dt.date(2026, 12, 31), "Quý IV năm 2026", "2026-Q4")
    assert compute.year_period(2026).days == 365


def test_labels_in_vietnamese():
    assert compute.day_period(dt.date(2026, 3, 5)).label == "Ngày 05/03/2026"
    assert compute.month_period(2026, 3).label == "Tháng 03 năm 2026"
    assert compute.range_period(dt.date(2026, 3, 1), dt.date(2026, 3, 9)).label == "Từ ngày 01/03/2026 đến ngày 09/03/2026"


@pytest.mark.parametrize("args, start, end", [
    ({"period": "day", "date": "2026-11-05"}, "2026-11-05", "2026-11-05"),
    ({"period": "range", "from": "2026-10-20", "to": "2026-11-05"}, "2026-10-20", "2026-11-05"),
    ({"period": "month", "month": "2026-02"}, "2026-02-01", "2026-02-28"),
    ({"period": "month", "month": "2", "year": "2027"}, "2027-02-01", "2027-02-28"),  # as the page's form sends it
    ({"period": "day", "date": "05/11/2026"}, "2026-11-05", "2026-11-05"),  # typed the Vietnamese way
    ({"period": "quarter", "year": "2026", "quarter": "1"}, "2026-01-01", "2026-03-31"),
    ({"period": "year", "year": "2025"}, "2025-01-01", "2025-12-31"),
    ({}, "2026-11-01", "2026-11-30"),  # default: this month
    ({"period": "quarter"}, "2026-10-01", "2026-12-31"),  # default: this quarter
])
def test_period_from_query_arguments(args, start, end):
    period = compute.period_from_args(args, TODAY)
    assert (period.start.isoformat(), period.end.isoformat()) == (start, end)


@pytest.mark.parametrize("args", [
    {"period": "week"},
    {"period": "day", "date": "31/02/2026"},
    {"period": "day", "date": "hôm nay"},
    {"period": "month", "month": "2026-13"},
    {"period": "quarter", "year": "2026", "quarter": "5"},
    {"period": "range", "from": "2026-11-05", "to": "2026-11-01"},
    {"period": "range", "from": "2025-01-01", "to": "2026-11-01"},  # longer than a year
])
def test_bad_periods_are_refused_with_a_message(args):
    with pytest.raises(errors.Invalid) as refused:
        compute.period_from_args(args, TODAY)
    assert refused.value.status == 422 and refused.value.message


def test_quarter_boundary_is_local_midnight_not_utc(office):
    # 16:30 UTC on 31 March is 23:30 in Hà Nội (Q1); 17:10 UTC is already 1 April 00:10 (Q2).
    make_ticket(office.f1, now=dt.datetime(2026, 3, 31, 16, 30))
    make_ticket(office.f1, now=dt.datetime(2026, 3, 31, 17, 10))
    assert issued(office, compute.quarter_period(2026, 1)) == 1
    assert issued(office, compute.quarter_period(2026, 2)) == 1
    assert issued(office, compute.day_period(dt.date(2026, 4, 1))) == 1


def test_year_and_month_boundaries_in_local_time(office):
    make_ticket(office.f1, now=dt.datetime(2025, 12, 31, 16, 59))  # 23:59 local, 2025
    make_ticket(office.f1, now=dt.datetime(2025, 12, 31, 17, 5))  # 00:05 local, 1 January 2026
    assert issued(office, compute.year_period(2025)) == 1
    assert issued(office, compute.year_period(2026)) == 1
    assert issued(office, compute.month_period(2026, 1)) == 1


def test_range_includes_both_end_days(office):
    for day in (1, 5, 6):
        make_ticket(office.f1, now=dt.datetime(2026, 10, day, 2, 0))
    assert issued(office, compute.range_period(dt.date(2026, 10, 1), dt.date(2026, 10, 5))) == 2


def test_a_quarter_trends_by_week_from_monday(office):
    make_ticket(office.f1, now=dt.datetime(2026, 10, 7, 2, 0))  # Wednesday of the week of Monday 5 October
    trend = compute.build_report(Office.get_by_id(office.office.id), compute.quarter_period(2026, 4))["trend"]
    assert trend["unit"] == "week"
    assert [p["label"] for p in trend["points"][:3]] == ["01/10", "05/10", "12/10"]  # 1 Oct is a Thursday
    assert [p["issued"] for p in trend["points"][:3]] == [0, 1, 0]


def test_a_year_trends_by_month(office):
    make_ticket(office.f1, now=dt.datetime(2026, 11, 3, 2, 0))
    trend = compute.build_report(Office.get_by_id(office.office.id), compute.year_period(2026))["trend"]
    assert trend["unit"] == "month" and len(trend["points"]) == 12
    assert [(p["label"], p["issued"]) for p in trend["points"]][9:] == [("T10/2026", 0), ("T11/2026", 1), ("T12/2026", 0)]
