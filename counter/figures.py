"""Counter room: a clerk's own figures for today (served, average service time, satisfaction).

Aggregates only: nothing here says which ticket received which rating, so a clerk cannot trace
a verdict back to a citizen. Plain functions over the models; no Flask.
"""

from __future__ import annotations

import datetime as dt

from peewee import fn

import ticketing
from models import Office, Rating, Ticket, TicketEvent, User
from rules import rating as scale_rules


def _today_bounds(office: Office, now=None) -> tuple[dt.date, dt.datetime, dt.datetime]:
    """The business day and its naive-UTC start and end."""
    day = ticketing.business_day(office, now)
    start = ticketing.day_start_utc(office, day)
    end = ticketing.day_start_utc(office, day + dt.timedelta(days=1))
    return day, start, end


# Ratings reach a clerk's figures only in whole groups of this many: otherwise comparing the
# figures before and after one citizen's rating would tell the clerk that citizen's verdict.
RATINGS_BATCH = 5


def _ratings(user: User, office: Office, start: dt.datetime, end: dt.datetime) -> dict:
    """Counts of today's ratings of this clerk per level and the share satisfied, in whole batches."""
    rows = list(
        Rating.select(Rating.scale, Rating.level)
        .where((Rating.clerk == user.id) & (Rating.created_at >= start) & (Rating.created_at < end))
        .order_by(Rating.created_at, Rating.id)
        .tuples()
    )
    shown = len(rows) - len(rows) % RATINGS_BATCH
    pending = len(rows) - shown
    rows = rows[:shown]
    current = office.rating_levels
    per_level = dict.fromkeys(range(1, current + 1), 0)
    total = satisfied = 0
    for scale, level in rows:
        total += 1
        satisfied += scale_rules.is_satisfied(level, scale)
        if scale == current and level in per_level:
            per_level[level] += 1
    return {
        "count": total,
        "pending": pending,
        "batch": RATINGS_BATCH,
        "satisfied": satisfied,
        "satisfied_pct": round(100 * satisfied / total) if total else None,
        "scale": current,
        "levels": [dict(item, count=per_level[item["level"]]) for item in scale_rules.levels(current)],
    }


def clerk_today(user: User, office: Office, now=None) -> dict:
    """Today's figures of one clerk across the counters they used."""
    day, start, end = _today_bounds(office, now)
    spans = list(
        Ticket.select(Ticket.started_at, Ticket.finished_at)
        .where((Ticket.clerk == user.id) & (Ticket.day == day) & (Ticket.state == "done"))
        .tuples()
    )
    seconds = [(f - s).total_seconds() for s, f in spans if s and f and f >= s]
    actions = dict(
        TicketEvent.select(TicketEvent.kind, fn.COUNT(TicketEvent.id))
        .where(
            (TicketEvent.user == user.id)
            & (TicketEvent.kind.in_(("no_show", "transfer")))
            & (TicketEvent.at >= start)
            & (TicketEvent.at < end)
        )
        .group_by(TicketEvent.kind)
        .tuples()
    )
    return {
        "day": day.isoformat(),
        "served": len(spans),
        "avg_service_s": round(sum(seconds) / len(seconds)) if seconds else None,
        "no_show": actions.get("no_show", 0),
        "transferred": actions.get("transfer", 0),
        "ratings": _ratings(user, office, start, end),
    }
