"""Admin room: office settings, fields and procedures, counters, users, devices, voice clips, audit log.

Pages live under ``/admin`` (templates/admin/*.html, driven by static/js/admin.js) and the JSON
API they call under ``/api/admin``. Admins change things; leaders may read everything.
"""

from flask import Blueprint

bp = Blueprint("admin", __name__, template_folder="templates")

from . import api, printers, routes  # noqa: E402,F401
