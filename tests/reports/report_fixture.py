"""Reports room test helpers: a small day of tickets whose figures are worked out by hand.

Monday 16 November 2026, Hà Nội time (UTC+7); minutes after 09:00 local:

  #  field  arrive  called (counter/clerk)   then                         wait  service  rating
  1  f1     0       4  c1/canbo1             start 5, finish 15           4     10       3 + comment
  2  f1     1       7  c2/canbo2             start 8, finish 14           6     6        2
  3  f2     2       17 c1/canbo1             start 18, finish 38          15    20       1 + reason, comment
  4  f2     3       20 c2/canbo2             no-show at 22                17    -        -
  5  f1     10      -                        cancelled at 12              -     -        -
  6  f1     11      25 c2/canbo2             transferred to f2 at 26,     14    3        -
                                             called 40 by c1/canbo1, start 41, finish 44

Waits (min) 4, 6, 14, 15, 17: average 11.2, median 14, p90 (nearest rank 5 of 5) 17.
Service (min) 3, 6, 10, 20: average 9.75, median 8 (mean of 6 and 10), p90 (rank 4 of 4) 20.
"""

from __future__ import annotations

import datetime as dt

import ticketing
from conftest import make_ticket

DAY = dt.date(2026, 11, 16)
T0 = dt.datetime(2026, 11, 16, 2, 0)  # 09:00 local


def at(minutes: float) -> dt.datetime:
    """T0 plus some minutes (naive UTC)."""
    return T0 + dt.timedelta(minutes=minutes)


def serve(ticket, counter, clerk, call, start, finish):
    """Call a chosen ticket at ``call``, start and finish it (minutes after T0)."""
    ticketing.call_ticket(counter.id, ticket.id, user=clerk, now=at(call))
    ticketing.start(ticket.id, user=clerk, now=at(start))
    ticketing.finish(ticket.id, user=clerk, now=at(finish))


def build_day(o) -> dict:
    """Create the six tickets of the table above in office bag ``o``; returns them by number."""
    t = {i: make_ticket(field, now=at(m)) for i, field, m in
         [(1, o.f1, 0), (2, o.f1, 1), (3, o.f2, 2), (4, o.f2, 3), (5, o.f1, 10), (6, o.f1, 11)]}
    serve(t[1], o.c1, o.clerk1, 4, 5, 15)
    ticketing.rate(t[1].id, 3, [], "Cán bộ nhiệt tình", source="phone", now=at(15.5))
    serve(t[2], o.c2, o.clerk2, 7, 8, 14)
    ticketing.rate(t[2].id, 2, [], "", source="phone", now=at(14.5))
    serve(t[3], o.c1, o.clerk1, 17, 18, 38)
    ticketing.rate(t[3].id, 1, ["Thời gian chờ lâu"], "Chờ lâu quá", source="phone", now=at(38.5))
    ticketing.call_ticket(o.c2.id, t[4].id, user=o.clerk2, now=at(20))
    ticketing.no_show(t[4].id, user=o.clerk2, now=at(22))
    ticketing.cancel(t[5].id, now=at(12))
    ticketing.call_ticket(o.c2.id, t[6].id, user=o.clerk2, now=at(25))
    ticketing.transfer(t[6].id, field_id=o.f2.id, user=o.clerk2, now=at(26))
    serve(t[6], o.c1, o.clerk1, 40, 41, 44)
    return t
