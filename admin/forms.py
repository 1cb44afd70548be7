"""Admin room: checking a submitted object field by field before anything is saved.

A ``Form`` collects every problem at once (so each bad box gets its own message) and raises one
``errors.Invalid`` (422, ``fields: {name: Vietnamese message}``). With ``partial=True`` a name
absent from the body is simply left alone, so a page can save one section of the settings.
"""

from __future__ import annotations

import datetime as dt
import re

from errors import Invalid

_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
MISSING = object()


def _cap(text: str) -> str:
    """Upper-case the first letter only (str.capitalize would lower "Anh" in "tiếng Anh")."""
    return text[:1].upper() + text[1:]


class Form:
    """The values read from a JSON body, and the Vietnamese message for each bad one."""

    def __init__(self, data: dict, partial: bool = False):
        """Check ``data``; with ``partial`` absent names are skipped instead of required."""
        self.data = data if isinstance(data, dict) else {}
        self.partial = partial
        self.errors: dict[str, str] = {}
        self.values: dict = {}

    # ---------------------------------------------------------------- plumbing

    def error(self, name: str, message: str) -> None:
        """Record a problem with ``name`` (the first message per name wins)."""
        self.errors.setdefault(name, message)

    def _raw(self, name: str, label: str, required: bool):
        """The submitted value, MISSING when absent and allowed to be, or an error when required."""
        if name not in self.data:
            if self.partial or not required:
                return MISSING
            self.error(name, f"Vui lòng nhập {label}.")
            return MISSING
        return self.data[name]

    def _keep(self, name: str, value):
        """Remember a good value and return it."""
        self.values[name] = value
        return value

    def check(self) -> dict:
        """Raise one Invalid naming every bad field; otherwise return the good values."""
        if self.errors:
            if len(self.errors) == 1:
                message = "Chưa lưu: " + next(iter(self.errors.values()))
            else:
                message = f"Chưa lưu: có {len(self.errors)} ô chưa hợp lệ, xem ghi chú màu đỏ bên cạnh từng ô."
            raise Invalid(message, fields=dict(self.errors))
        return self.values

    # ---------------------------------------------------------------- kinds of values

    def text(self, name, label, required=False, max_length=200, pattern=None, pattern_message=""):
        """A string, trimmed; empty refused when required."""
        raw = self._raw(name, label, required)
        if raw is MISSING:
            return None
        if raw is None:
            raw = ""
        if not isinstance(raw, str):
            self.error(name, f"{_cap(label)} phải là chữ.")
            return None
        value = raw.strip()
        if required and not value:
            self.error(name, f"Vui lòng nhập {label}.")
            return None
        if len(value) > max_length:
            self.error(name, f"{_cap(label)} dài quá {max_length} ký tự (hiện có {len(value)}).")
            return None
        if pattern and value and not re.fullmatch(pattern, value):
            self.error(name, pattern_message or f"{_cap(label)} không hợp lệ.")
            return None
        return self._keep(name, value)

    def integer(self, name, label, minimum, maximum, required=True, allow_empty=False, range_message=""):
        """A whole number in [minimum, maximum]; None allowed only with ``allow_empty``."""
        raw = self._raw(name, label, required and not allow_empty)
        if raw is MISSING:
            return None
        if raw is None or raw == "":
            if allow_empty:
                return self._keep(name, None)
            if not required:
                return None  # an optional number left blank keeps its default
            self.error(name, f"Vui lòng nhập {label}.")
            return None
        if isinstance(raw, str) and re.fullmatch(r"\s*-?\d+\s*", raw):
            raw = int(raw)
        if isinstance(raw, bool) or not isinstance(raw, int):
            self.error(name, f"{_cap(label)} phải là số nguyên.")
            return None
        if not minimum <= raw <= maximum:
            self.error(name, range_message or f"{_cap(label)} phải từ {minimum} đến {maximum}.")
            return None
        return self._keep(name, raw)

    def boolean(self, name, label):
        """True or false."""
        raw = self._raw(name, label, False)
        if raw is MISSING:
            return None
        if not isinstance(raw, bool):
            self.error(name, f"{_cap(label)} phải là có hoặc không.")
            return None
        return self._keep(name, raw)

    def choice(self, name, label, choices, required=True):
        """One of ``choices`` (a dict value -> Vietnamese name, or a sequence)."""
        raw = self._raw(name, label, required)
        if raw is MISSING:
            return None
        # A list or dict cannot be looked up in ``choices``, and 3.0 or True must not pass for 3.
        if isinstance(raw, bool) or not isinstance(raw, (str, int)) or raw not in choices:
            names = ", ".join(str(choices[c]) if isinstance(choices, dict) else str(c) for c in choices)
            self.error(name, f"{_cap(label)} phải là một trong: {names}.")
            return None
        return self._keep(name, raw)

    def hhmm(self, name, label, required=True):
        """A time of day "HH:MM", normalised to two digits."""
        raw = self._raw(name, label, required)
        if raw is MISSING:
            return None
        match = _HHMM.match(raw.strip()) if isinstance(raw, str) else None
        if not match:
            self.error(name, f"{_cap(label)} phải có dạng giờ:phút, ví dụ 07:30.")
            return None
        return self._keep(name, f"{int(match.group(1)):02d}:{match.group(2)}")

    def lines(self, name, label, max_items, max_length, required=False, unique=True):
        """A list of short texts: a JSON array or one text per line; blanks dropped."""
        raw = self._raw(name, label, required)
        if raw is MISSING:
            return None
        if isinstance(raw, str):
            raw = raw.splitlines()
        if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
            self.error(name, f"{_cap(label)} phải là danh sách, mỗi dòng một mục.")
            return None
        items = []
        for item in (x.strip() for x in raw):
            if item and not (unique and item in items):
                items.append(item)
        if required and not items:
            self.error(name, f"Vui lòng nhập ít nhất một {label}.")
            return None
        if len(items) > max_items:
            self.error(name, f"Tối đa {max_items} mục {label} (hiện có {len(items)}).")
            return None
        too_long = next((x for x in items if len(x) > max_length), None)
        if too_long is not None:
            self.error(name, f"Mục “{too_long[:30]}…” dài quá {max_length} ký tự.")
            return None
        return self._keep(name, items)

    def int_list(self, name, label, allowed, required=False, min_items=0):
        """A list of whole numbers, each in ``allowed`` (e.g. ids of this office's rows)."""
        raw = self._raw(name, label, required)
        if raw is MISSING:
            return None
        if not isinstance(raw, list) or not all(isinstance(x, int) and not isinstance(x, bool) for x in raw):
            self.error(name, f"{_cap(label)} phải là danh sách số.")
            return None
        if any(x not in allowed for x in raw):
            self.error(name, f"{_cap(label)} có mục không tồn tại trong đơn vị.")
            return None
        values = sorted(set(raw))
        if len(values) < min_items:
            self.error(name, f"Chọn ít nhất {min_items} {label}.")
            return None
        return self._keep(name, values)

    def dates(self, name, label, max_items=366):
        """A list of dates (YYYY-MM-DD or ngày/tháng/năm), returned as sorted ISO strings."""
        items = self.lines(name, label, max_items=max_items, max_length=10)
        if items is None:
            return None
        result = set()
        for item in items:
            day = parse_date(item)
            if day is None:
                self.values.pop(name, None)
                self.error(name, f"Ngày “{item}” không hợp lệ: dùng dạng ngày/tháng/năm, ví dụ 02/09/2026.")
                return None
            result.add(day.isoformat())
        return self._keep(name, sorted(result))


def parse_date(text: str) -> dt.date | None:
    """A date written 2026-09-02 or 2/9/2026; None when it is not a real date."""
    text = text.strip()
    try:
        match = _DMY.match(text)
        if match:
            return dt.date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
        return dt.date.fromisoformat(text) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else None
    except ValueError:
        return None
