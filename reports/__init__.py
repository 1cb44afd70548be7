"""Reports room: the live monitor (/admin/monitor) and the reports (/admin/reports, /api/reports)."""

from flask import Blueprint

bp = Blueprint("reports", __name__, template_folder="templates")

from . import dossier_routes, routes  # noqa: E402,F401
