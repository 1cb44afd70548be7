"""Rules room: one home per domain rule, shared by every screen, report, export and the API.

Pure Python: no Flask, no Socket.IO, no database. One module per rule:

* ``rules.rating``: the satisfaction scales (words, groups of the official report, which levels
  are low, what counts as satisfied);
* ``rules.speech``: how a call is read aloud (Vietnamese number words, clip keys) and the one
  call sentence;
* ``rules.rating.rating_request``: what a counter's tablet is asked to rate (HTTP and Socket.IO);
* ``rules.rating.CHANNELS``: how a rating was given (tablet, phone);
* ``rules.dossier``: the dossier code (mã hồ sơ) a counter accepts, and receive / return;
* ``rules.access``: staff roles, device kinds and who may do what;
* ``rules.calendar``: weekday names;
* ``rules.states``: the names of a counter's states on staff screens;
* ``rules.mixing``: the order call-next takes priority tickets, on-time appointments and walk-ins;
* ``rules.booking``: appointment slots, the check-in window, phone numbers, booking codes, when a
  turn is near, the names of the channels a number is taken by.

Screens get these words from the server (page config), so no script keeps a copy;
tests/rules/test_one_home.py looks for copies anywhere else.
"""
