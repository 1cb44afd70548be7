"""Rules room: one home per domain rule, shared by every screen, report, export and the API.

Pure Python: no Flask, no Socket.IO, no database. One module per rule:

* ``rules.rating``: the satisfaction scales (words, groups of the official report, which levels
  are low, what counts as satisfied);
* ``rules.speech``: how a call is read aloud (Vietnamese number words, clip keys) and the one
  call sentence;
* ``rules.access``: staff roles and who may do what;
* ``rules.calendar``: weekday names.
"""
