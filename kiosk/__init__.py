"""Kiosk room: the citizen's touch kiosk at ``/kiosk`` (take a number, priority step, ticket
on screen with a QR code, the public list of procedures); ``kiosk.printing`` prints tickets."""

from flask import Blueprint

bp = Blueprint("kiosk", __name__, template_folder="templates")

from . import routes  # noqa: F401
