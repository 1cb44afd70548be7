"""Outbox room: handing ratings and dossier codes to the provincial system.

- ``GET /api/exports/ratings?since=<cursor>`` and its CSV / xlsx files (``routes``): every outbox
  record once, in commit order, for an integrator with the office's integration token or an
  admin or leader;
- the push (``push``): each new record POSTed to the office's HTTPS endpoint, signed, with an
  idempotency key, retried with back-off until it is taken; run by the background leader only;
- ``adapters``: one module per province format (``generic`` ships), the seam a province's own
  format plugs into;
- ``/admin/ratings``: the settings (rate-later days, push endpoint, token) and the push's state.

The records themselves are written by the queue rules (ticketing.handoff) in the transaction of
the rating or the code.
"""

from flask import Blueprint

bp = Blueprint("outbox", __name__, template_folder="templates")

from . import push, routes  # noqa: E402,F401  (push registers the background task)
