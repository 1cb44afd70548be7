"""Kiosk room: the blueprint (its routes register themselves on import)."""

from flask import Blueprint

bp = Blueprint("kiosk", __name__, template_folder="templates")

from . import agent_link, print_routes, routes  # noqa: E402,F401
