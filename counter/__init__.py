"""Counter room: the clerk's console at ``/counter`` (log in, choose a counter, call and serve,
transfer, pause, reprint) and the small API it adds (today's own figures, reprint)."""

from flask import Blueprint

bp = Blueprint("counter", __name__, template_folder="templates")

from . import routes  # noqa: E402,F401
