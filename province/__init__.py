"""Province room: what a province-level leader (role ``province``, no office) sees across every
office on the server: ``GET /api/province/summary``."""

from flask import Blueprint

bp = Blueprint("province", __name__)

from . import routes  # noqa: F401
