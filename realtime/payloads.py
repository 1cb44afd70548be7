"""Realtime room, payloads: what each role sees of a ticket, counter, field, call and office.

Two views of a ticket: ``ticket_payload`` (staff: notes, priority category, times) and
``public_ticket`` (boards and phones: number, field, state, counter; nothing a clerk wrote and
nothing about the citizen). Counters likewise: ``counter_payload`` (staff: clerk, fields, the
full current ticket), ``tablet_counter`` (the clerk on duty, for the rating tablet),
``board_counter`` (the hall board) and ``public_counter`` (phones).

``OfficeRows`` reads an office's fields, counters, categories, clerks, counter fields, active
tickets and (when asked) today's checked-in bookings with a fixed number of queries, so payloads of any number of tickets and
counters cost no query each.
"""

from __future__ import annotations

import collections
import functools
import datetime as dt

import models
import ticketing
from models import (
    Appointment,
    Counter,
    CounterField,
    Field,
    Office,
    PriorityCategory,
    Ticket,
    TicketEvent,
    User,
    VoiceClip,
)
from rules import speech


def iso(value):
    """ISO text of a naive-UTC datetime, marked as UTC."""
    return value.isoformat(timespec="seconds") + "Z" if value else None


class OfficeRows:
    """An office's rows that payloads refer to, each table read once.

    Queries: fields, counters, priority categories, counters' fields, clerks on duty and (with
    ``active``) the tickets counters hold today: six, whatever the number of tickets shown.
    """

    def __init__(self, office: Office, active: bool = True):
        """Read the rows of ``office`` (``active``: also each counter's called/serving ticket)."""
        office_id = office.id
        self.office = office
        self.fields = {f.id: f for f in Field.for_office(office_id)}
        self.counters = {
            c.id: c for c in Counter.select().where(Counter.office == office_id).order_by(Counter.number, Counter.id)
        }
        self.categories = {c.id: c for c in PriorityCategory.select().where(PriorityCategory.office == office_id)}
        self.counter_fields = collections.defaultdict(list)
        rows = (
            CounterField.select(CounterField.counter, CounterField.field)
            .join(Counter, on=(CounterField.counter == Counter.id))
            .where(Counter.office == office_id)
            .order_by(CounterField.id)
            .tuples()
        )
        for counter_id, field_id in rows:
            self.counter_fields[counter_id].append(field_id)
        clerk_ids = sorted({c.clerk_id for c in self.counters.values() if c.clerk_id})
        self.clerks = (
            dict(User.select(User.id, User.full_name).where(User.id.in_(clerk_ids)).tuples()) if clerk_ids else {}
        )
        self.active = {}
        if active and self.counters:
            # Only today's: tickets of earlier days still open are closed at the day's rollover.
            day = ticketing.business_day(office)
            held = (
                Ticket.select()
                .where(
                    (Ticket.office == office_id)
                    & (Ticket.day == day)
                    & (Ticket.state.in_(("called", "serving")))
                    & Ticket.counter.is_null(False)
                )
                .order_by(Ticket.called_at)
            )
            for ticket in held:  # the latest call wins, as in ticketing.counter_active_ticket
                self.active[ticket.counter_id] = ticket

    @functools.cached_property
    def bookings(self) -> dict:
        """Ticket id -> its booking as staff see it, for today's checked-in appointments (one query,
        read only when a staff view asks: kiosks and boards never show a name)."""
        day = ticketing.business_day(self.office)
        found = (Appointment.select(Appointment.ticket, Appointment.code, Appointment.name, Appointment.slot,
                                    Appointment.on_time)
                 .where((Appointment.office == self.office.id) & (Appointment.day == day)
                        & Appointment.ticket.is_null(False)))
        return {a.ticket_id: booking_view(a) for a in found}

    def ordered_counters(self) -> list[Counter]:
        """The office's counters by number."""
        return list(self.counters.values())


# --------------------------------------------------------------------------- tickets


def booking_view(appointment: Appointment) -> dict:
    """An appointment as the clerk sees it on the ticket: code, the name given, the slot, on time."""
    return {"code": appointment.code, "name": appointment.name, "slot": appointment.slot,
            "on_time": appointment.on_time}


def ticket_booking(ticket: Ticket, bookings: dict | None = None) -> dict | None:
    """The booking a ticket was checked in from (``bookings``: OfficeRows.bookings), else None."""
    if ticket.channel != "appointment":
        return None
    if bookings is not None:
        return bookings.get(ticket.id)
    found = Appointment.get_or_none(Appointment.ticket == ticket.id)
    return booking_view(found) if found is not None else None


def ticket_payload(ticket: Ticket, fields=None, counters=None, categories=None, bookings=None) -> dict:
    """A ticket as staff see it (no public token: that goes to its holder only). ``booking``: the
    name and slot of an appointment's ticket, for the clerk to recognise the citizen."""
    field = (fields or {}).get(ticket.field_id) or models.fetch_by_id(Field, ticket.field_id)
    counter = None
    if ticket.counter_id:
        counter = (counters or {}).get(ticket.counter_id) or models.fetch_by_id(Counter, ticket.counter_id)
    priority = None
    if ticket.priority_id:
        category = (categories or {}).get(ticket.priority_id) or models.fetch_by_id(PriorityCategory, ticket.priority_id)
        priority = {"code": category.code, "name": category.name, "icon": category.icon}
    return {
        "id": ticket.id,
        "number": ticket.display_number,
        "field_id": ticket.field_id,
        "field_name": field.name,
        "state": ticket.state,
        "priority": priority,
        "arrival_at": iso(ticket.arrival_at),
        "issued_at": iso(ticket.issued_at),
        "called_at": iso(ticket.called_at),
        "started_at": iso(ticket.started_at),
        "finished_at": iso(ticket.finished_at),
        "counter_id": ticket.counter_id,
        "counter_number": counter.number if counter else None,
        "counter_name": counter.name if counter else None,
        "target_counter_id": ticket.target_counter_id,
        "recall_count": ticket.recall_count,
        "transfer_count": ticket.transfer_count,
        "transferred": ticket.transfer_count > 0,
        "note": ticket.note,
        "channel": ticket.channel,
        "booking": ticket_booking(ticket, bookings),
    }


def public_ticket(ticket: Ticket, counter: Counter | None = None) -> dict:
    """A ticket as a board or a phone sees it: its number, field, state and counter, no more.

    No note (clerks write names and ID numbers into transfer notes), no priority category
    (it tells why a citizen goes first), no clerk.
    """
    if counter is None and ticket.counter_id:
        counter = models.fetch_by_id(Counter, ticket.counter_id)
    return {
        "id": ticket.id,
        "number": ticket.display_number,
        "field_id": ticket.field_id,
        "state": ticket.state,
        "counter_id": ticket.counter_id,
        "counter_number": counter.number if counter else None,
        "recall_count": ticket.recall_count,
    }


# --------------------------------------------------------------------------- counters


def counter_payload(counter: Counter, active: Ticket | None = None, rows: OfficeRows | None = None) -> dict:
    """A counter as staff see it: state, clerk on duty, fields served and the ticket it holds.

    With ``rows`` every lookup comes from them (no query); without, ``active`` None means "look
    the counter's ticket up".
    """
    if rows is not None:
        clerk_name = rows.clerks.get(counter.clerk_id)
        field_ids = rows.counter_fields.get(counter.id, [])
        active = rows.active.get(counter.id)
        current = ticket_payload(active, rows.fields, rows.counters, rows.categories, rows.bookings) if active else None
    else:
        clerk = models.fetch_by_id(User, counter.clerk_id) if counter.clerk_id else None
        clerk_name = clerk.full_name if clerk else None
        field_ids = counter.field_ids()
        if active is None:
            active = ticketing.counter_active_ticket(counter.id)
        current = ticket_payload(active, counters={counter.id: counter}) if active else None
    return {
        "id": counter.id,
        "number": counter.number,
        "name": counter.name,
        "state": counter.state,
        "pause_reason": counter.pause_reason,
        "state_since": iso(counter.state_since),
        "clerk_name": clerk_name,
        "field_ids": field_ids,
        "current": current,
    }


def tablet_counter(staff_view: dict) -> dict:
    """What a rating tablet shows on its idle screen: the counter and the clerk on duty."""
    keys = ("id", "number", "name", "state", "pause_reason", "clerk_name")
    return {key: staff_view[key] for key in keys}


def public_counter(staff_view: dict) -> dict:
    """A counter as a phone sees it: number, name, state and the number it holds."""
    current = staff_view["current"]
    return {
        "id": staff_view["id"],
        "number": staff_view["number"],
        "name": staff_view["name"],
        "state": staff_view["state"],
        "current": _public_from_staff(current) if current else None,
    }


def board_counter(staff_view: dict) -> dict:
    """A counter as the hall board shows it: the public view and the pause reason it displays."""
    return dict(public_counter(staff_view), pause_reason=staff_view["pause_reason"])


def _public_from_staff(ticket: dict) -> dict:
    """The public view of a ticket from its staff view (no second lookup)."""
    keys = ("id", "number", "field_id", "state", "counter_id", "counter_number", "recall_count")
    return {key: ticket[key] for key in keys}


# --------------------------------------------------------------------------- fields


def fields_payload(office: Office, now=None, field_ids=None, fields=None) -> list[dict]:
    """Fields (all, ``field_ids``, or the ``fields`` given) with people waiting and the estimated wait."""
    counts = ticketing.waiting_counts(office, now, field_ids)
    open_counters = ticketing.open_counters_by_field(office.id)
    if fields is None and field_ids is not None and len(field_ids) <= ticketing.FEW_FIELDS:
        fields = sorted(filter(None, (models.fetch_by_id(Field, i) for i in field_ids)), key=lambda f: (f.sort_order, f.id))
        fields = [f for f in fields if f.office_id == office.id]
    if fields is None:
        fields = Field.for_office(office.id)
        if field_ids is not None:
            fields = fields.where(Field.id.in_(list(field_ids)))
    result = []
    for field in fields:
        waiting = counts.get(field.id, 0)
        service_s = ticketing.recent_service_seconds(field.id, office, now)
        result.append(
            {
                "id": field.id,
                "code": field.code,
                "name": field.name,
                "name_en": field.name_en,
                "active": field.active,
                "waiting": waiting,
                "open_counters": open_counters.get(field.id, 0),
                "estimated_wait_s": ticketing.estimate_wait(waiting, service_s, open_counters.get(field.id, 0)),
                "service_s": round(service_s),
            }
        )
    return result


# --------------------------------------------------------------------------- calls


def call_payload(ticket: Ticket, counter: Counter, recall: bool, region: str, field: Field | None = None,
                 at: dt.datetime | None = None) -> dict:
    """What a board needs to show and announce a call: the sentence, its words and clip keys."""
    field = field or models.fetch_by_id(Field, ticket.field_id)
    return {
        **speech.call_announcement(ticket.display_number, counter.number, region),
        "ticket": public_ticket(ticket, counter),
        "number": ticket.display_number,
        "counter_id": counter.id,
        "counter_number": counter.number,
        "counter_name": counter.name,
        "field_id": ticket.field_id,
        "field_name": field.name,
        "recall": recall,
        "at": iso(at or ticket.called_at),
    }


def public_call(call: dict) -> dict:
    """A call as a phone sees it: who goes to which counter (no words or clips to play)."""
    keys = ("ticket", "number", "counter_id", "counter_number", "counter_name", "field_id", "recall", "text", "at")
    return {key: call[key] for key in keys}


def recent_calls(office: Office, rows: OfficeRows, limit: int = 10) -> list[dict]:
    """The latest calls of today, newest first, for boards that just connected (two queries)."""
    day_start = ticketing.day_start_utc(office, ticketing.business_day(office))
    events = list(
        TicketEvent.select(TicketEvent.ticket, TicketEvent.counter, TicketEvent.kind, TicketEvent.at)
        .where(
            (TicketEvent.office == office.id)
            & (TicketEvent.kind.in_(("call", "recall")))
            & (TicketEvent.at >= day_start)
        )
        .order_by(TicketEvent.id.desc())
        .limit(limit)
    )
    ids = list({e.ticket_id for e in events})
    tickets = {t.id: t for t in Ticket.select().where(Ticket.id.in_(ids))} if ids else {}
    calls = []
    for event in events:
        counter = rows.counters.get(event.counter_id)
        ticket = tickets.get(event.ticket_id)
        if counter is not None and ticket is not None:
            field = rows.fields.get(ticket.field_id)
            calls.append(call_payload(ticket, counter, event.kind == "recall", office.region, field, at=event.at))
    return calls


# --------------------------------------------------------------------------- office


def office_payload(office: Office) -> dict:
    """Office settings screens need (nothing personal: the hall sees them)."""
    return {
        "id": office.id,
        "name": office.name,
        "address": office.address,
        "timezone": office.timezone,  # screens show times in the office's zone, whatever the PC's
        "region": office.region,
        "notices": office.notices,
        "open_time": office.open_time,
        "close_time": office.close_time,
        "lunch_start": office.lunch_start,
        "lunch_end": office.lunch_end,
        "cutoff_time": office.cutoff_time,
        "rating_levels": office.rating_levels,
        "rating_reasons": office.rating_reasons,
        "has_logo": bool(office.logo),
    }


def printer_payload(office_id: int) -> list[dict]:
    """Known printers and their health; a kiosk's printer names its kiosk (kiosk.printing.jobs)."""
    from kiosk.printing.jobs import status_rows

    return status_rows(office_id)


def categories_payload(office_id: int) -> list[dict]:
    """The priority categories a kiosk offers, in the office's order (one query)."""
    return [{"code": c.code, "name": c.name, "name_en": c.name_en, "icon": c.icon}
            for c in PriorityCategory.for_office(office_id, active_only=True)]


def voice_payload(office_id: int) -> dict[str, int]:
    """Clip keys the office recorded itself -> version (upload time, ms), without loading the audio.

    A board plays ``/voice/<office>/<key>?v=<version>`` for these keys and its bundled clip for
    the others; a new upload is a new URL, so no cache serves the old recording.
    """
    rows = VoiceClip.select(VoiceClip.key, VoiceClip.uploaded_at).where(VoiceClip.office == office_id).tuples()
    return {key: clip_version(uploaded) for key, uploaded in rows}


def clip_version(uploaded_at: dt.datetime) -> int:
    """Version of an office recording: its upload time (naive UTC) in milliseconds, so a
    recording replaced within the same second still gets a new URL."""
    return int(uploaded_at.replace(tzinfo=dt.timezone.utc).timestamp() * 1000)
