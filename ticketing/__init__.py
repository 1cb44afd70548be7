"""Queue rules room: issue, call, recall, start, finish, no-show, transfer, pause, rate.

Plain functions, one write transaction each, domain exceptions (from ``errors``). No Flask, no
Socket.IO, no printer: every operation returns a ``Change`` that the caller publishes after
commit. The package is split by job; this module re-exports its public API:

- clock: ``office_tz``, ``local_now``, ``business_day``, ``day_start_utc``, ``to_local``,
  ``opening_state``, ``utcnow`` (from models)
- changes: ``Change``
- lookups: ``get_office``, ``get_ticket``, ``get_counter``, ``get_field``,
  ``counter_active_ticket``
- issuing: ``format_number``, ``issue_ticket``
- calling: ``call_next``, ``call_ticket``
- transitions: ``STATE_LABELS``, ``recall``, ``start``, ``finish``, ``no_show``, ``cancel``,
  ``reactivate``, ``transfer``, ``reprint``, ``close_past_days``
- counters: ``set_counter_state``
- ratings: ``rate``, ``ratable_ticket``, ``settings_of``, ``phone_window_s``
- dossiers: ``add_dossier``, ``remove_dossier``, ``dossiers_of``, ``dossier_by_token``
- alerts: ``handle_alert``, ``open_alerts``, ``alert_view``
- handoff: the outbox records of ratings and dossier codes (written by ratings and dossiers)
- figures: ``people_ahead``, ``waiting_counts``, ``FEW_FIELDS``, ``open_counters_by_field``,
  ``open_counters_for_field``, ``recent_service_seconds``, ``estimate_wait``,
  ``estimated_wait_seconds``

The errors (``DomainError``, ``NotFound``, ``Invalid``, ...) live in ``errors``; they are
re-exported here only for code not yet switched to ``errors``.
"""

from errors import (
    CapReached,
    DomainError,
    Invalid,
    InvalidState,
    NotFound,
    OfficeClosed,
    QueueEmpty,
    RatingRefused,
)
from models import utcnow

from .calling import call_next, call_ticket
from .changes import Change
from .clock import business_day, day_start_utc, local_now, office_tz, opening_state, to_local
from .counters import set_counter_state
from .figures import (
    FEW_FIELDS,
    estimate_wait,
    estimated_wait_seconds,
    open_counters_by_field,
    open_counters_for_field,
    people_ahead,
    recent_service_seconds,
    waiting_counts,
)
from .issuing import format_number, issue_ticket
from .lookups import counter_active_ticket, get_counter, get_field, get_office, get_ticket
from .alerts import alert_view, handle_alert, open_alerts
from .dossiers import add_dossier, dossier_by_token, dossiers_of, remove_dossier
from .ratings import phone_window_s, ratable_ticket, rate, settings_of
from .transitions import (
    STATE_LABELS,
    cancel,
    close_past_days,
    finish,
    no_show,
    reactivate,
    recall,
    reprint,
    start,
    transfer,
)

__all__ = [
    "STATE_LABELS", "FEW_FIELDS", "Change",
    "CapReached", "DomainError", "Invalid", "InvalidState", "NotFound", "OfficeClosed", "QueueEmpty",
    "RatingRefused",
    "business_day", "call_next", "call_ticket", "cancel", "close_past_days", "counter_active_ticket",
    "day_start_utc", "estimate_wait", "estimated_wait_seconds", "finish", "format_number", "get_counter",
    "get_field", "get_office", "get_ticket", "issue_ticket", "local_now", "no_show", "office_tz",
    "open_counters_by_field", "open_counters_for_field", "opening_state", "people_ahead", "ratable_ticket",
    "rate", "reactivate", "recall", "recent_service_seconds", "reprint", "set_counter_state", "start",
    "to_local", "transfer", "utcnow", "waiting_counts",
    "add_dossier", "alert_view", "dossier_by_token", "dossiers_of", "handle_alert", "open_alerts", "phone_window_s",
    "remove_dossier", "settings_of",
]
