"""Rating room: the satisfaction tablet at ``/rating`` (paired to one counter) and the small API
it adds (the ticket the tablet may rate now). The scales themselves are ``rules.rating``."""

from flask import Blueprint

bp = Blueprint("rating", __name__, template_folder="templates")

from . import routes  # noqa: E402,F401
