"""Ratings room tests: the ticket's own QR page offers the rating for the rate-later days (HTTP:
the phone's socket closes with the visit, rating later never needs it)."""

import datetime as dt
import json
import re

from models import Rating, RatingSettings, Ticket

from .conftest import served


def finished_days_ago(ticket, days):
    """Move a visit's finish ``days`` into the past."""
    Ticket.update(finished_at=ticket.finished_at - dt.timedelta(days=days)).where(Ticket.id == ticket.id).execute()


def page_config(response) -> dict:
    """The phone page's configuration (its JSON script)."""
    text = response.get_data(as_text=True)
    return json.loads(re.search(r'<script type="application/json" id="phone-config">(.*?)</script>', text, re.S).group(1))


def test_days_after_the_visit_the_status_page_still_offers_the_rating(office, api):
    ticket = served(office)
    finished_days_ago(ticket, 3)
    citizen = api()
    assert citizen.get(f"/api/tickets/status/{ticket.public_token}").get_json()["can_rate"] is True
    assert page_config(citizen.get(f"/t/{ticket.public_token}"))["rating"]["window_s"] == 7 * 86400
    response = citizen.post(f"/api/tickets/status/{ticket.public_token}/rating", json={"level": 3})
    assert response.status_code == 201 and Rating.get().source == "phone"
    assert citizen.get(f"/api/tickets/status/{ticket.public_token}").get_json()["can_rate"] is False


def test_after_the_rate_later_days_the_page_stops_offering_and_the_server_refuses(office, api):
    RatingSettings.create(office=office.office.id, rate_later_days=2)
    ticket = served(office)
    finished_days_ago(ticket, 3)
    citizen = api()
    assert citizen.get(f"/api/tickets/status/{ticket.public_token}").get_json()["can_rate"] is False
    response = citizen.post(f"/api/tickets/status/{ticket.public_token}/rating", json={"level": 3})
    assert (response.status_code, response.get_json()["error"]) == (409, "rating_expired")


def test_a_tablet_rating_closes_the_phone_and_the_phone_closes_the_tablet(office, api):
    ticket = served(office)
    assert api(device=office.tablet1_token).post("/api/ratings", json={"ticket": ticket.id, "level": 3}).status_code == 201
    phone = api().post(f"/api/tickets/status/{ticket.public_token}/rating", json={"level": 1})
    assert (phone.status_code, phone.get_json()["error"]) == (409, "already_rated")
    second = served(office)
    assert api().post(f"/api/tickets/status/{second.public_token}/rating", json={"level": 2}).status_code == 201
    tablet = api(device=office.tablet1_token).post("/api/ratings", json={"ticket": second.id, "level": 3})
    assert (tablet.status_code, tablet.get_json()["error"]) == (409, "already_rated")
