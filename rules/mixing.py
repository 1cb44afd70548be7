"""Rules room, mixing: the order in which a counter calls priority tickets, appointments and walk-ins.

The one home of the call-next rule (ticketing.calling asks it which kind of ticket to look for
first; docs/API.md states it). Decided rule:

* Every waiting ticket is in one **lane**:

  - ``priority``: it carries a priority category (and the office gives priority: ratio > 0);
  - ``booked``: an appointment checked in inside its window (``Ticket.booked_slot`` set);
    a booked ticket never carries a priority category (check-in gives none);
  - ``walkin``: everybody else (kiosk, phone, staff, and appointments checked in early or late).

* **Priority** (``priority_ratio`` = P): priority tickets go first, but after P priority calls
  in a row the counter calls one non-priority ticket if one waits. P = 0 turns priority off:
  categories then change nothing.
* **Appointments** (``appointment_ratio`` = A): among non-priority tickets, on-time appointments
  go ahead of walk-ins, but after A appointment calls in a row (counting only the counter's
  non-priority calls, so priority calls in between neither reset nor extend the run) the
  counter calls one walk-in if one waits. Walk-ins therefore get at least one call in every
  A + 1 non-priority calls however many appointments wait: no starvation. A = 0 turns the
  precedence off: an appointment then waits in arrival order like a walk-in.
* Within a lane: appointments by slot time, then arrival; the others by arrival (a transferred
  ticket keeps its original arrival). When the preferred lane is empty, the next one is taken,
  and finally the oldest ticket of any kind: a counter never idles while someone it may call
  waits. A ticket already called is never overtaken (only waiting tickets are chosen).
* Runs are counted per counter over today's calls (chosen calls count like any other).

Pure Python: no Flask, no database.
"""

from __future__ import annotations

PRIORITY, BOOKED, WALKIN = "priority", "booked", "walkin"
# Lanes merged for the fallbacks: booked + walk-in (non-priority), everything but booked, anything.
ORDINARY, UNBOOKED, ANY = "ordinary", "unbooked", "any"
LANES = (PRIORITY, BOOKED, WALKIN, ORDINARY, UNBOOKED, ANY)

DEFAULT_APPOINTMENT_RATIO = 2


def lane_of(has_priority: bool, booked: bool, priority_ratio: int) -> str:
    """The lane of a ticket (see the module docstring) under the office's priority setting."""
    if has_priority and priority_ratio > 0:
        return PRIORITY
    return BOOKED if booked else WALKIN


def history_needed(priority_ratio: int, appointment_ratio: int) -> int:
    """How many of a counter's latest calls decide the next one.

    The priority run needs the last P calls. The appointment run needs the last A non-priority
    calls; since the rule lets at most P priority calls come between two non-priority calls,
    those are among the last A x (P + 1) calls.
    """
    priority_ratio, appointment_ratio = max(0, priority_ratio), max(0, appointment_ratio)
    return max(priority_ratio, appointment_ratio * (priority_ratio + 1))


def _run(lanes: list[str], lane: str) -> int:
    """How many of ``lanes`` (newest first) are ``lane`` before the first other one."""
    count = 0
    for item in lanes:
        if item != lane:
            break
        count += 1
    return count


def call_order(priority_ratio: int, appointment_ratio: int, recent: list[str]) -> list[str]:
    """The lanes a counter tries, in order, for its next call.

    ``recent`` are the lanes of the counter's latest calls today, newest first (at least the
    last ``history_needed`` of them when there are that many). The last entry is always ``any``.
    """
    order = []
    priority_on = priority_ratio > 0
    if priority_on and _run(recent, PRIORITY) < priority_ratio:
        order.append(PRIORITY)
    if appointment_ratio > 0:
        non_priority = [lane for lane in recent if lane != PRIORITY]
        rest = WALKIN if priority_on else UNBOOKED
        if _run(non_priority, BOOKED) < appointment_ratio:
            order += [BOOKED, rest]
        else:
            order += [rest, BOOKED]
    elif priority_on:
        order.append(ORDINARY)
    if priority_on and PRIORITY not in order:
        order.append(PRIORITY)
    order.append(ANY)
    return order
