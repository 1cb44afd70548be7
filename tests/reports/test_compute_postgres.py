"""Reports room: the same hand-computed figures on PostgreSQL (SQL differs: EXTRACT, to_char)."""

import pytest

from models import Office
from report_fixture import DAY, at, build_day
from reports import compute


@pytest.fixture
def db_url(pg_url):
    """Run this module's tests on a fresh PostgreSQL database."""
    return pg_url


def test_figures_match_on_postgres(office):
    build_day(office)
    report = compute.build_report(Office.get_by_id(office.office.id), compute.day_period(DAY), now=at(60))
    s = report["summary"]
    assert (s["issued"], s["served"], s["no_show"], s["cancelled"], s["transferred"]) == (6, 4, 1, 1, 1)
    assert (s["wait"]["avg"], s["wait"]["median"], s["wait"]["p90"]) == (672.0, 840.0, 1020.0)
    assert (s["service"]["median"], s["service"]["p90"]) == (480.0, 1200.0)
    assert {h["hour"]: h["arrivals"] for h in report["by_hour"]}[9] == 6
    assert [g["count"] for g in report["satisfaction"]["groups"]] == [1, 1, 1]
    assert report["satisfaction"]["reasons"][0]["reason"] == "Thời gian chờ lâu"


def test_today_figures_on_postgres(office):
    build_day(office)
    today = compute.today_figures(Office.get_by_id(office.office.id), now=at(60))
    assert (today["issued"], today["served"]) == (6, 4)
