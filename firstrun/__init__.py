"""First-run room: the setup page an empty database opens (office, hours, fields, counters, first admin,
the public address for QR codes), guarded by a one-time code printed in the start-up log.

Pages: ``/setup`` (firstrun/templates, static/js/setup.js); the JSON call it makes: ``POST /api/setup``.
"""

from flask import Blueprint

bp = Blueprint("firstrun", __name__, template_folder="templates")

from .routes import CODE_FILE, startup_code  # noqa: E402,F401
