"""API room: the JSON HTTP API (``/api``), its OpenAPI document, and device pairing links."""

from flask import Blueprint

bp = Blueprint("api", __name__)

from . import routes  # noqa: E402,F401
