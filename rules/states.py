"""Rules room, states: the names staff screens give a counter's state.

A counter is open (đang mở: calls and serves), paused (tạm dừng: the clerk stepped away, with
a reason) or closed (đóng: nobody works it). The admin's counter list, the clerk's console and
the live monitor show these names; the hall's board speaks to citizens in its own words.
"""

from __future__ import annotations

COUNTER_STATES = {"open": "Đang mở", "paused": "Tạm dừng", "closed": "Đóng"}
