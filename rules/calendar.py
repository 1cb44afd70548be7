"""Rules room, calendar: the names of the weekdays, Vietnamese first, English beside them.

Days are ISO weekdays, 1 = Monday (Thứ Hai) .. 7 = Sunday (Chủ nhật), as ``date.isoweekday()``
and the office's working-day setting count them. Pure Python.
"""

from __future__ import annotations

WEEKDAYS = {1: "Thứ Hai", 2: "Thứ Ba", 3: "Thứ Tư", 4: "Thứ Năm", 5: "Thứ Sáu", 6: "Thứ Bảy", 7: "Chủ nhật"}
WEEKDAYS_EN = {1: "Monday", 2: "Tuesday", 3: "Wednesday", 4: "Thursday", 5: "Friday", 6: "Saturday", 7: "Sunday"}


def weekday_name(iso_weekday: int, lang: str = "vi") -> str:
    """Name of an ISO weekday (1 = Monday) in Vietnamese, or English with ``lang="en"``."""
    return (WEEKDAYS_EN if lang == "en" else WEEKDAYS)[iso_weekday]


def weekday_names(lang: str = "vi") -> list[str]:
    """The seven names Monday first, as pages index them with ``(jsDay + 6) % 7``."""
    return [weekday_name(day, lang) for day in range(1, 8)]
