"""Kiosk room: the blueprint alone (``kiosk.bp`` loads the route modules that register on it)."""

from flask import Blueprint

bp = Blueprint("kiosk", __name__, template_folder="templates")
