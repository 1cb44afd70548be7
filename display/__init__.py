"""Display room: the waiting hall's board (/display), its Vietnamese voice calls, and the
citizen's phone status page (/t/<public token>).

``voice.py`` knows where the bundled recordings of each clip key live (the words and the call
sentence are ``rules.speech``); ``routes.py`` serves the pages and an office's own voice
recordings; the pages live in templates/display/ and static/js/display.js,
static/js/phone.js.
"""

from flask import Blueprint

bp = Blueprint("display", __name__, template_folder="templates")

from . import routes  # noqa: E402,F401  (registers the views on bp)
