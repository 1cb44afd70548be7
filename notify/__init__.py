"""Notify room: messages to citizens (a booking confirmed, "your turn is near") through a pluggable notifier.

Nothing in the office waits on it: the queue rules write each message into the outbox
(``outbox.enqueue``, in their own transaction, one row per idempotency key, ever), and the
background leader's ``worker.notify_loop`` sends due rows through the office's notifier
(``senders``: a generic HTTP webhook, or log-only when none is configured), retrying with
back-off. SMS and Zalo gateways need contracts and internet: an integrator points the webhook at
their gateway (docs/API.md, "Messages to citizens").

- ``outbox``: ``enqueue``, ``forget`` (plain peewee; the queue rules import it)
- ``senders``: ``Notifier``, ``LogNotifier``, ``WebhookNotifier``, ``notifier_for``
- ``worker``: ``deliver_due``, ``scan_near_turns``, ``notify_loop`` (a background task)
"""
