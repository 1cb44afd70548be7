"""Ratings room tests: rating later from the phone (queue rules): within the office's rate-later
days, once per visit whatever the channel, the tablet still only within its window."""

import datetime as dt

import pytest

import errors
import ticketing
from models import Rating, RatingSettings

from .conftest import served


def later(days=0, seconds=0):
    """A moment after now."""
    return ticketing.utcnow() + dt.timedelta(days=days, seconds=seconds)


def test_the_phone_rates_days_after_the_visit_within_the_rate_later_days(office):
    ticket = served(office)
    change = ticketing.rate(ticket.id, 3, source="phone", now=later(days=6))
    assert change.rating.source == "phone"


def test_the_phone_is_refused_after_the_rate_later_days(office):
    ticket = served(office)
    with pytest.raises(errors.RatingRefused) as late:
        ticketing.rate(ticket.id, 3, source="phone", now=later(days=7, seconds=60))
    assert late.value.code == "rating_expired"


def test_without_rate_later_days_the_phone_has_the_tablets_window(office):
    RatingSettings.create(office=office.office.id, rate_later_days=0)
    ticket = served(office)
    with pytest.raises(errors.RatingRefused):
        ticketing.rate(ticket.id, 3, source="phone", now=later(seconds=office.office.rating_window_s + 30))


def test_the_tablet_keeps_its_own_window(office):
    ticket = served(office)
    with pytest.raises(errors.RatingRefused) as late:
        ticketing.rate(ticket.id, 3, counter_id=office.c1.id, source="tablet",
                       now=later(seconds=office.office.rating_window_s + 30))
    assert late.value.code == "rating_expired"


@pytest.mark.parametrize("first, second", [("tablet", "phone"), ("phone", "tablet"), ("phone", "phone")])
def test_a_visit_is_rated_once_whatever_the_channel(office, first, second):
    ticket = served(office)
    kwargs = {"tablet": dict(counter_id=office.c1.id, source="tablet"), "phone": dict(source="phone")}
    ticketing.rate(ticket.id, 3, **kwargs[first])
    with pytest.raises(errors.RatingRefused) as again:
        ticketing.rate(ticket.id, 1, ["Khác"], **kwargs[second])
    assert again.value.code == "already_rated"
    assert [(r.level, r.source) for r in Rating.select()] == [(3, first)]
