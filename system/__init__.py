"""System room: the status page for the office's IT person (``/admin/system``), its JSON
(``/api/admin/system``, and the details of ``/api/health`` for monitoring), the screens' clock
heartbeat (``POST /api/heartbeat``, sent by static/js/heartbeat.js) and backup downloads.
"""

from flask import Blueprint

bp = Blueprint("system", __name__, template_folder="templates")

from . import routes  # noqa: E402,F401
