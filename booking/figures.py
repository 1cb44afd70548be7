"""Booking room, figures: numbers by channel, appointments kept and missed, and how early or late
people came (reports and the live monitor). Computed from the rows every time (no counters kept
by hand), with a fixed number of queries whatever the period.

- **By channel**: tickets of the period's business days by ``Ticket.channel`` (kiosk, phone,
  appointment, staff), with each one's share.
- **Appointments** of the period's days: booked (every booking made for those days), cancelled
  (by the citizen or staff), came (checked in; on time or outside the window), and **no-show**:
  a booking of a day already over that was neither cancelled nor checked in. The no-show rate is
  no-shows / bookings of days already over that were not cancelled (today's bookings still
  waiting are not counted either way).
- **Arrival**: minutes from the slot's start to the check-in, in four groups by the office's
  check-in window as it is set now (earlier than the window, early inside it, late inside it,
  later than the window), with the median.
"""

from __future__ import annotations

import datetime as dt
import statistics

from peewee import fn

from models import Appointment, Office, Ticket
from rules import booking as rules
from ticketing import appointments

ARRIVAL_GROUPS = (
    ("early_out", "Sớm hơn khung giờ được ưu tiên"),
    ("early_in", "Đến sớm, trong khung"),
    ("late_in", "Đến muộn, trong khung"),
    ("late_out", "Muộn hơn khung giờ được ưu tiên"),
)


def by_channel(office_id: int, start: dt.date, end: dt.date) -> list[dict]:
    """Tickets of the days ``start``..``end`` by channel, every channel listed (one query)."""
    counts = dict(Ticket.select(Ticket.channel, fn.COUNT(Ticket.id))
                  .where((Ticket.office == office_id) & (Ticket.day >= start) & (Ticket.day <= end))
                  .group_by(Ticket.channel)
                  .tuples())
    total = sum(counts.values())
    return [{"channel": key, "name": name, "tickets": counts.get(key, 0),
             "share": counts.get(key, 0) / total if total else None}
            for key, name in rules.CHANNELS.items()]


def _group(minutes: float, early_min: int, late_min: int) -> str:
    """Which arrival group a check-in ``minutes`` after its slot falls in."""
    if minutes < -early_min:
        return "early_out"
    if minutes < 0:
        return "early_in"
    return "late_in" if minutes <= late_min else "late_out"


def appointment_figures(office: Office, start: dt.date, end: dt.date, today: dt.date) -> dict:
    """Bookings of the days ``start``..``end``: kept, cancelled, missed, and when people came (one query)."""
    settings = appointments.settings_for(office.id)
    rows = list(Appointment.select(Appointment.state, Appointment.day, Appointment.slot_at, Appointment.checked_in_at,
                                   Appointment.on_time)
                .where((Appointment.office == office.id) & (Appointment.day >= start) & (Appointment.day <= end))
                .tuples())
    cancelled = sum(1 for state, *_ in rows if state == "cancelled")
    came = [(slot_at, checked_at, on_time) for state, _, slot_at, checked_at, on_time in rows if state == "checked_in"]
    due = [state for state, day, *_ in rows if state != "cancelled" and day < today]
    no_show = sum(1 for state in due if state == "booked")
    minutes = [(checked - slot).total_seconds() / 60 for slot, checked, _ in came if checked is not None]
    groups = {key: 0 for key, _ in ARRIVAL_GROUPS}
    for value in minutes:
        groups[_group(value, settings.early_min, settings.late_min)] += 1
    return {
        "booked": len(rows),
        "cancelled": cancelled,
        "came": len(came),
        "on_time": sum(1 for *_, on_time in came if on_time),
        "no_show": no_show,
        "no_show_rate": no_show / len(due) if due else None,
        "arrival": [{"group": key, "name": name, "count": groups[key]} for key, name in ARRIVAL_GROUPS],
        "median_minutes": round(statistics.median(minutes), 1) if minutes else None,
        "window": {"early_min": settings.early_min, "late_min": settings.late_min},
    }


def report(office: Office, start: dt.date, end: dt.date, today: dt.date) -> dict:
    """The booking part of a report: by channel and appointments."""
    return {"channels": by_channel(office.id, start, end), "appointments": appointment_figures(office, start, end, today)}
