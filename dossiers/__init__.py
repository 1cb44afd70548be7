"""Dossiers room: the dossier codes a counter takes (``/api/tickets/<id>/dossiers``), the receipt
slip with its rate-later QR (``/hs/<token>/phieu``), rating a visit later from that QR
(``/hs/<token>``), and the leaders' "Không hài lòng" alerts (``/api/rating-alerts``).
The rules are ``rules.dossier`` and ``ticketing`` (dossiers, ratings, alerts)."""

from flask import Blueprint

bp = Blueprint("dossiers", __name__, template_folder="templates")

from . import routes  # noqa: E402,F401
