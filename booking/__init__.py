"""Booking room: numbers taken from the phone and appointments (hẹn giờ), issue 16.

Pages (``pages``): ``/j/<office>/<code>`` the join page a display's rotating QR opens,
``/book/<office>`` the public booking page, ``/b/<token>`` a booking's own page (code, QR,
cancel), ``/join/poster`` the rotating QR for an entrance screen, ``/bookings`` the staff's list
(see, move, cancel). Settings: ``/admin/booking`` (``settings``). JSON routes: ``api``. The
rules are rules.booking and rules.mixing; the queue operations ticketing.appointments and
ticketing.remote; messages go out through notify (its worker is registered here as a
background task).
"""

from flask import Blueprint

bp = Blueprint("booking", __name__, template_folder="templates")

from . import api, pages, settings  # noqa: E402,F401 - they register on the blueprint
from notify import worker  # noqa: E402,F401 - registers the notifier's background task
