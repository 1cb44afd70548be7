"""Ratings room fixtures: a served visit at counter 1 with dossier codes, built through the queue rules."""

import datetime as dt

import ticketing
from tests.conftest import make_ticket

CODES = ("000.00.15.H42-250915-0001", "000.00.15.H42-250915-0002")


def served(office, codes=CODES, now=None, clerk=None, counter=None, field=None):
    """A ticket issued, called to counter 1 (or ``counter``), given ``codes`` and finished; the Ticket."""
    now = now or ticketing.utcnow()
    clerk = clerk or office.clerk1
    counter = counter or office.c1
    ticket = make_ticket(field or office.f1, now=now - dt.timedelta(minutes=10))
    ticketing.call_ticket(counter.id, ticket.id, user=clerk, now=now - dt.timedelta(minutes=5))
    for code in codes:
        ticketing.add_dossier(ticket.id, code, user=clerk, now=now - dt.timedelta(minutes=3))
    ticketing.finish(ticket.id, user=clerk, now=now)
    return ticketing.get_ticket(ticket.id)
