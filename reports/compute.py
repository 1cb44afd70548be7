"""Reports room: the pure report computation from ticket, ticket_event and rating rows (no Flask).

Definitions (what each figure means; docs and the page repeat them):

* Period: a set of the office's business days (``Ticket.day``, the office-local date the number
  was issued). A ticket counts in its business day even when it is served after local midnight
  (arrival 23:50, served 00:10 counts in the day of arrival). Ratings count in their ticket's day.
* Issued (Số đã cấp): tickets taken, per field where the number was taken (``issued_field``).
* Served (Đã phục vụ xong), no-show (Vắng mặt), cancelled (Đã hủy): final state of the ticket,
  per field it ended in (``field``), per counter / clerk that handled it last.
* Transferred (Đã chuyển): tickets transferred at least once; per field: out of the field where
  the number was taken; per counter / clerk: transfer events made there (by that person).
* Wait (Thời gian chờ) = first call minus arrival (from the ``call`` events, so a transfer or a
  reactivation does not restart it). Service (Thời gian phục vụ) = finished minus started, for
  served tickets. Each as average, median (middle value, mean of the two middle ones for an
  even count) and 90th percentile by nearest rank (90% of citizens waited at most this long).
* Hours: arrival time in the office's time zone (Asia/Ho_Chi_Minh). Weekdays: of the business day.
  Averages per hour / weekday divide by the number of days in the period that had arrivals.
* Satisfaction: ratings of the period's tickets, folded into the three groups reported upward
  (Rất hài lòng / Hài lòng / Không hài lòng) by ``rules.rating``, which says which word each
  level has and which group each word counts in; "satisfied" = not Không hài lòng. Rated share
  = rated served tickets / served tickets.

Counting is SQL aggregation (GROUP BY); medians and percentiles use one lean query of durations,
sorted in Python per group.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
from collections import Counter as Tally
from collections import defaultdict
from operator import itemgetter

import errors
import models
import ticketing
from models import Counter, Field, Office, User, db
from rules import calendar
from rules import rating as scale_rules

STATES = ("waiting", "called", "serving", "done", "no_show", "cancelled")
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
PERIOD_KINDS = {"day": "Ngày", "range": "Khoảng ngày", "month": "Tháng", "quarter": "Quý", "year": "Năm"}
ARG_NAMES = {"year": "Năm", "quarter": "Quý", "month": "Tháng"}
MAX_RANGE_DAYS = 366
COMMENTS_LIMIT = 500


# --------------------------------------------------------------------------- periods


@dataclasses.dataclass(frozen=True)
class Period:
    """A report period: business days from ``start`` to ``end`` inclusive."""

    kind: str
    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        """Number of calendar days in the period."""
        return (self.end - self.start).days + 1

    @property
    def label(self) -> str:
        """Vietnamese name of the period, as printed on reports."""
        if self.kind == "day":
            return f"Ngày {self.start:%d/%m/%Y}"
        if self.kind == "month":
            return f"Tháng {self.start.month:02d} năm {self.start.year}"
        if self.kind == "quarter":
            return f"Quý {ROMAN[(self.start.month - 1) // 3 + 1]} năm {self.start.year}"
        if self.kind == "year":
            return f"Năm {self.start.year}"
        return f"Từ ngày {self.start:%d/%m/%Y} đến ngày {self.end:%d/%m/%Y}"

    @property
    def slug(self) -> str:
        """Short text for file names: 2026-11-05, 2026-11, 2026-Q4, 2026, 2026-11-01_2026-11-30."""
        if self.kind == "day":
            return self.start.isoformat()
        if self.kind == "month":
            return f"{self.start:%Y-%m}"
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == "year":
            return str(self.start.year)
        return f"{self.start.isoformat()}_{self.end.isoformat()}"

    def query(self) -> dict:
        """URL query arguments that select this period again."""
        if self.kind == "day":
            return {"period": "day", "date": self.start.isoformat()}
        if self.kind == "month":
            return {"period": "month", "month": f"{self.start:%Y-%m}"}
        if self.kind == "quarter":
            return {"period": "quarter", "year": str(self.start.year), "quarter": str((self.start.month - 1) // 3 + 1)}
        if self.kind == "year":
            return {"period": "year", "year": str(self.start.year)}
        return {"period": "range", "from": self.start.isoformat(), "to": self.end.isoformat()}

    def as_dict(self) -> dict:
        """JSON form."""
        return {"kind": self.kind, "start": self.start.isoformat(), "end": self.end.isoformat(),
                "label": self.label, "days": self.days, "slug": self.slug, "query": self.query()}


def day_period(day: dt.date) -> Period:
    """One business day."""
    return Period("day", day, day)


def month_period(year: int, month: int) -> Period:
    """A calendar month."""
    start = dt.date(year, month, 1)
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return Period("month", start, nxt - dt.timedelta(days=1))


def quarter_period(year: int, quarter: int) -> Period:
    """A quarter (I: January-March ... IV: October-December)."""
    first = month_period(year, 3 * quarter - 2)
    last = month_period(year, 3 * quarter)
    return Period("quarter", first.start, last.end)


def year_period(year: int) -> Period:
    """A calendar year."""
    return Period("year", dt.date(year, 1, 1), dt.date(year, 12, 31))


def range_period(start: dt.date, end: dt.date) -> Period:
    """Any span of days, at most MAX_RANGE_DAYS long."""
    if end < start:
        raise errors.Invalid("Ngày kết thúc phải sau hoặc bằng ngày bắt đầu.", fields={"to": "before_from"})
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise errors.Invalid(f"Khoảng ngày tối đa {MAX_RANGE_DAYS} ngày; hãy chọn báo cáo theo năm.",
                                fields={"to": "too_long"})
    return Period("range", start, end)


def _date_arg(args, name: str) -> dt.date:
    """A date argument, YYYY-MM-DD or the Vietnamese DD/MM/YYYY."""
    value = (args.get(name) or "").strip()
    try:
        if "/" in value:
            day, month, year = (int(part) for part in value.split("/"))
            return dt.date(year, month, day)
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise errors.Invalid(f"Ngày không hợp lệ ({value or name}): nhập dạng ngày/tháng/năm, ví dụ 05/11/2026.",
                                fields={name: "date"}) from exc


def _int_arg(args, name: str, low: int, high: int, default: int | None = None) -> int:
    """A bounded integer argument."""
    value = args.get(name)
    if value in (None, "") and default is not None:
        return default
    try:
        number = int(str(value).strip())
    except ValueError as exc:
        raise errors.Invalid(f"{ARG_NAMES.get(name, name)} không hợp lệ: {value}.", fields={name: "integer"}) from exc
    if not low <= number <= high:
        raise errors.Invalid(f"{ARG_NAMES.get(name, name)} phải từ {low} đến {high}.", fields={name: "range"})
    return number


def period_from_args(args, today: dt.date) -> Period:
    """Read a period from query arguments (period=day|range|month|quarter|year + its fields).

    Missing values default to the period containing ``today`` (the office's business day).
    """
    kind = (args.get("period") or "month").strip()
    if kind not in PERIOD_KINDS:
        raise errors.Invalid("Loại kỳ báo cáo không hợp lệ (day, range, month, quarter, year).",
                                fields={"period": "unknown"})
    if kind == "day":
        return day_period(_date_arg(args, "date") if args.get("date") else today)
    if kind == "range":
        start = _date_arg(args, "from") if args.get("from") else today.replace(day=1)
        end = _date_arg(args, "to") if args.get("to") else today
        return range_period(start, end)
    if kind == "month":
        value = (args.get("month") or "").strip()
        if "-" in value:
            try:
                year, month = (int(part) for part in value.split("-"))
            except ValueError:
                _bad_month()
            if not (2000 <= year <= 2100 and 1 <= month <= 12):
                _bad_month()
            return month_period(year, month)
        # The page's form sends the month and the year as two numbers.
        return month_period(_int_arg(args, "year", 2000, 2100, default=today.year),
                            _int_arg(args, "month", 1, 12, default=today.month))
    year = _int_arg(args, "year", 2000, 2100, default=today.year)
    if kind == "quarter":
        return quarter_period(year, _int_arg(args, "quarter", 1, 4, default=(today.month - 1) // 3 + 1))
    return year_period(year)


def _bad_month():
    """Refuse a malformed month argument."""
    raise errors.Invalid("Tháng không hợp lệ: dùng dạng YYYY-MM, ví dụ 2026-11.", fields={"month": "YYYY-MM"})


# --------------------------------------------------------------------------- statistics


def median(values: list[float]) -> float | None:
    """Middle value of sorted ``values``; mean of the two middle ones for an even count."""
    n = len(values)
    if not n:
        return None
    mid = n // 2
    return values[mid] if n % 2 else (values[mid - 1] + values[mid]) / 2


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile of sorted ``values``: the smallest value with q of values at or below."""
    if not values:
        return None
    return values[max(0, math.ceil(q * len(values)) - 1)]


def duration_stats(values: list[float], presorted: bool = False) -> dict:
    """Count, average, median and 90th percentile (seconds, one decimal) of durations."""
    if not presorted:
        values = sorted(float(v) for v in values if v is not None and v >= 0)
    if not values:
        return {"count": 0, "avg": None, "median": None, "p90": None}
    return {"count": len(values), "avg": round(sum(values) / len(values), 1),
            "median": round(median(values), 1), "p90": round(percentile(values, 0.9), 1)}


def share(part: int, whole: int) -> float | None:
    """part / whole as a fraction (None when whole is 0: no data is not 0%)."""
    return part / whole if whole else None


# --------------------------------------------------------------------------- SQL helpers


def _p() -> str:
    """The bound database's parameter placeholder."""
    return db.obj.param


def _seconds(later: str, earlier: str) -> str:
    """SQL for the seconds between two datetime expressions."""
    if models.is_sqlite():
        return f"((julianday({later}) - julianday({earlier})) * 86400.0)"
    return f"EXTRACT(EPOCH FROM ({later} - {earlier}))"


def _hour_bucket(column: str) -> str:
    """SQL for 'YYYY-MM-DD HH' of a stored (UTC) datetime."""
    if models.is_sqlite():
        # Stored as 'YYYY-MM-DD HH:MM:SS[.ffffff]': a prefix is far cheaper than strftime().
        return f"substr({column}, 1, 13)"
    return f"to_char({column}, 'YYYY-MM-DD HH24')"


def _dt_param(value: dt.datetime):
    """A naive-UTC datetime as the driver compares it with stored values."""
    return value.isoformat(sep=" ") if models.is_sqlite() else value


def _rows(sql: str, params) -> list[tuple]:
    """Run a read query and return its rows."""
    return db.execute_sql(sql, params).fetchall()


def _num(value) -> float | None:
    """A driver number (Decimal on PostgreSQL) as float."""
    return None if value is None else float(value)


def _day(value) -> dt.date:
    """A stored date (text on SQLite) as a date."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


# --------------------------------------------------------------------------- the report


class _Group:
    """Running figures for one row of a "by field / counter / clerk" table."""

    def __init__(self):
        """Start at zero."""
        self.states = Tally()
        self.issued = 0
        self.transferred = 0
        self.waits: list[float] = []
        self.services: list[float] = []
        self.ratings = Tally()  # group key -> count

    def figures(self) -> dict:
        """The row's figures as JSON."""
        rated = sum(self.ratings.values())
        satisfied = sum(self.ratings[g] for g in scale_rules.SATISFIED_GROUPS)
        served = self.states["done"]
        return {
            "issued": self.issued,
            "handled": sum(self.states.values()),
            "served": served,
            "no_show": self.states["no_show"],
            "cancelled": self.states["cancelled"],
            "open": sum(self.states[s] for s in models.OPEN_STATES),
            "waiting": self.states["waiting"],
            "in_service": self.states["called"] + self.states["serving"],
            "transferred": self.transferred,
            "wait": duration_stats(self.waits, presorted=True),
            "service": duration_stats(self.services, presorted=True),
            "ratings": rated,
            "rated_share": share(rated, served),
            "satisfaction": {g: {"count": self.ratings[g], "share": share(self.ratings[g], rated)}
                             for g in scale_rules.GROUPS},
            "satisfied": satisfied,
            "satisfied_share": share(satisfied, rated),
        }


def _names(office_id: int) -> dict:
    """Display names of the office's fields, counters and users (inactive ones included)."""
    fields = {f.id: {"id": f.id, "name": f.name, "code": f.code, "order": (f.sort_order, f.id)}
              for f in Field.select().where(Field.office == office_id)}
    counters = {c.id: {"id": c.id, "name": c.name or f"Quầy {c.number}", "number": c.number, "order": (c.number, c.id)}
                for c in Counter.select().where(Counter.office == office_id)}
    users = {u.id: {"id": u.id, "name": u.full_name or u.username, "username": u.username, "order": (u.full_name, u.id)}
             for u in User.select().where(User.office == office_id)}
    return {"field": fields, "counter": counters, "clerk": users}


def _table(groups: dict, names: dict, unknown: str) -> list[dict]:
    """Rows of a "by ..." table in display order; ids no longer known get a placeholder name."""
    known, gone = [], []
    for key, group in groups.items():
        info = names.get(key)
        row = {"id": key, "name": unknown} if info is None else {k: v for k, v in info.items() if k != "order"}
        row.update(group.figures())
        if info is None:
            gone.append((key, row))
        else:
            known.append((info["order"], row))
    return [row for _o, row in sorted(known, key=lambda pair: pair[0])] + [row for _k, row in sorted(gone, key=lambda pair: pair[0])]


def _first_calls(ticket_ids: set) -> dict:
    """Seconds from arrival to the first call of each ticket, from its ``call`` events."""
    p, result, ids = _p(), {}, sorted(ticket_ids)
    for chunk in range(0, len(ids), 500):
        part = ids[chunk:chunk + 500]
        for ticket_id, wait in _rows(
            f"SELECT t.id, {_seconds('MIN(e.at)', 't.arrival_at')} FROM ticket t "
            "JOIN ticket_event e ON e.ticket_id = t.id AND e.kind = 'call' "
            f"WHERE t.id IN ({', '.join([p] * len(part))}) GROUP BY t.id, t.arrival_at",
            part,
        ):
            result[ticket_id] = _num(wait)
    return result


def _spread(combos: dict, attr: str, total: _Group, by: dict) -> None:
    """Give every table row its sorted durations from the (field, counter, clerk) lists.

    Each small list is sorted once; the merged lists are then runs of sorted values, which
    Python's sort merges in near-linear time.
    """
    merged = {"field": defaultdict(list), "counter": defaultdict(list), "clerk": defaultdict(list)}
    everything = []
    for (field, counter, clerk), values in combos.items():
        values.sort()
        everything.extend(values)
        merged["field"][field].extend(values)
        if counter is not None:
            merged["counter"][counter].extend(values)
        if clerk is not None:
            merged["clerk"][clerk].extend(values)
    everything.sort()
    setattr(total, attr, everything)
    for kind, groups in merged.items():
        for key, values in groups.items():
            values.sort()
            setattr(by[kind][key], attr, values)


def build_report(office: Office, period: Period, now: dt.datetime | None = None,
                 comments_limit: int = COMMENTS_LIMIT) -> dict:
    """Every figure of the report for an office and a period (see the module docstring)."""
    now = now or models.utcnow()
    p = _p()
    base = f"t.office_id = {p} AND t.day >= {p} AND t.day <= {p}"
    args = (office.id, period.start.isoformat(), period.end.isoformat())
    names = _names(office.id)
    total = _Group()
    by = {"field": defaultdict(_Group), "counter": defaultdict(_Group), "clerk": defaultdict(_Group)}

    # 1. Transfers and reactivations (few rows, from the events): per-counter transfer figures,
    #    and the tickets whose first call is no longer on the ticket row.
    event_lo = ticketing.day_start_utc(office, period.start)
    event_hi = ticketing.day_start_utc(office, period.end + dt.timedelta(days=2))
    recalled_ids = set()
    for ticket_id, kind, counter, user in _rows(
        "SELECT e.ticket_id, e.kind, e.counter_id, e.user_id FROM ticket_event e "
        "JOIN ticket t ON t.id = e.ticket_id "
        f"WHERE e.office_id = {p} AND e.at >= {p} AND e.at < {p} AND e.kind IN ('transfer', 'reactivate') "
        f"AND t.day >= {p} AND t.day <= {p}",
        (office.id, _dt_param(event_lo), _dt_param(event_hi), period.start.isoformat(), period.end.isoformat()),
    ):
        recalled_ids.add(ticket_id)
        if kind == "transfer":
            if counter is not None:
                by["counter"][counter].transferred += 1
            if user is not None:
                by["clerk"][user].transferred += 1
    first_call = _first_calls(recalled_ids)

    # 2. One lean scan of the period's tickets, counted in Python: on SQLite this is several times
    #    faster than a six-column GROUP BY, and the durations are needed row by row anyway.
    rows = _rows(
        "SELECT t.id, t.issued_field_id, t.field_id, t.counter_id, t.clerk_id, t.state, t.transfer_count, "
        f"{_seconds('t.called_at', 't.arrival_at')}, "
        f"CASE WHEN t.state = 'done' THEN {_seconds('t.finished_at', 't.started_at')} END, "
        f"{_hour_bucket('t.arrival_at')}, t.day "
        f"FROM ticket t WHERE {base}",
        args,
    )
    # itemgetter keeps the counting loops in C (a generator expression costs twice as much here).
    tally = Tally(map(itemgetter(1, 2, 3, 4, 5, 6), rows))
    hour_buckets = Tally(map(itemgetter(9), rows))
    day_states = Tally(map(itemgetter(10, 5), rows))
    for (issued_field, field, counter, clerk, state, transfers), count in tally.items():
        moved = transfers > 0
        total.issued += count
        total.states[state] += count
        by["field"][issued_field].issued += count
        by["field"][field].states[state] += count
        if moved:
            total.transferred += count
            by["field"][issued_field].transferred += count
        for kind, key in (("counter", counter), ("clerk", clerk)):
            if key is not None:
                by[kind][key].states[state] += count

    # 3. Durations per (field, counter, clerk), then merged and sorted per table row.
    waits, services = defaultdict(list), defaultdict(list)
    for ticket_id, _issued, field, counter, clerk, _state, _moved, wait, service, _bucket, _date in rows:
        if ticket_id in recalled_ids:
            wait = first_call.get(ticket_id)
        if wait is not None and wait >= 0:
            waits[(field, counter, clerk)].append(float(wait))
        if service is not None and service >= 0:
            services[(field, counter, clerk)].append(float(service))
    del rows
    _spread(waits, "waits", total, by)
    _spread(services, "services", total, by)

    # 4. Arrivals per local hour (UTC hour buckets converted with the office's zone), per day.
    tz = ticketing.office_tz(office)
    hours = Tally()
    for bucket, count in hour_buckets.items():
        utc = dt.datetime.strptime(str(bucket).replace("T", " "), "%Y-%m-%d %H").replace(tzinfo=dt.UTC)
        hours[utc.astimezone(tz).hour] += count
    per_day = {}
    for (day, state), count in day_states.items():
        issued, served = per_day.get(_day(day), (0, 0))
        per_day[_day(day)] = (issued + count, served + (count if state == "done" else 0))

    # 5. Ratings of the period's tickets.
    satisfaction = _satisfaction(office, period, names, total, by, comments_limit)

    active_days = len(per_day)
    weekdays = {}
    for day, (issued, _served) in per_day.items():
        entry = weekdays.setdefault(day.isoweekday(), [0, 0])
        entry[0] += issued
        entry[1] += 1
    summary = total.figures()
    summary["active_days"] = active_days
    return {
        "office": {"id": office.id, "name": office.name, "address": office.address},
        "period": period.as_dict(),
        "generated_at": now.isoformat(timespec="seconds") + "Z",
        "summary": summary,
        "by_field": _table(by["field"], names["field"], "(lĩnh vực đã xóa)"),
        "by_counter": _table(by["counter"], names["counter"], "(quầy đã xóa)"),
        "by_clerk": _table(by["clerk"], names["clerk"], "(cán bộ đã xóa)"),
        "by_hour": [{"hour": h, "label": f"{h:02d}:00–{h + 1:02d}:00", "arrivals": hours[h],
                     "per_day": round(hours[h] / active_days, 1) if active_days else None}
                    for h in _hour_span(office, hours)],
        "by_weekday": [{"weekday": w, "label": calendar.weekday_name(w), "arrivals": weekdays.get(w, [0, 0])[0],
                        "days": weekdays.get(w, [0, 0])[1],
                        "per_day": round(weekdays[w][0] / weekdays[w][1], 1) if w in weekdays else None}
                       for w in range(1, 8) if w in weekdays or w in (office.working_days or [])],
        "trend": _trend(period, per_day),
        "satisfaction": satisfaction,
    }


def _hour_span(office: Office, hours: Tally) -> list[int]:
    """Hours to show: the office's opening hours, widened to every hour that had arrivals."""
    try:
        first, last = int(office.open_time[:2]), int(office.close_time[:2])
    except (TypeError, ValueError):
        first, last = 7, 17
    busy = [h for h, n in hours.items() if n]
    if busy:
        first, last = min(first, *busy), max(last, *busy)
    if last - first >= 23:
        first, last = 0, 23
    return list(range(first, last + 1))


def _trend(period: Period, per_day: dict) -> dict:
    """Issued and served per day (up to two months), per week (up to ~6 months), else per month."""
    points = []
    if period.days <= 62:
        day = period.start
        while day <= period.end:
            issued, served = per_day.get(day, (0, 0))
            points.append({"key": day.isoformat(), "label": f"{day:%d/%m}", "issued": issued, "served": served})
            day += dt.timedelta(days=1)
        return {"unit": "day", "points": points}
    if period.days <= 190:
        # Weeks start on Monday; the first and last may be cut by the period's ends.
        weeks = {}
        for day, (issued, served) in per_day.items():
            entry = weeks.setdefault(day - dt.timedelta(days=day.weekday()), [0, 0])
            entry[0] += issued
            entry[1] += served
        monday = period.start - dt.timedelta(days=period.start.weekday())
        while monday <= period.end:
            issued, served = weeks.get(monday, (0, 0))
            first = max(monday, period.start)
            points.append({"key": first.isoformat(), "label": f"{first:%d/%m}", "issued": issued, "served": served})
            monday += dt.timedelta(days=7)
        return {"unit": "week", "points": points}
    months = {}
    for day, (issued, served) in per_day.items():
        entry = months.setdefault((day.year, day.month), [0, 0])
        entry[0] += issued
        entry[1] += served
    year, month = period.start.year, period.start.month
    while (year, month) <= (period.end.year, period.end.month):
        issued, served = months.get((year, month), (0, 0))
        points.append({"key": f"{year}-{month:02d}", "label": f"T{month}/{year}", "issued": issued, "served": served})
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return {"unit": "month", "points": points}


def _satisfaction(office: Office, period: Period, names: dict, total: _Group, by: dict, comments_limit: int) -> dict:
    """Ratings of the period's tickets: levels, three groups, per clerk, reasons, comments."""
    p = _p()
    rows = _rows(
        # Only rating columns (its field is the ticket's at rating time), and only served tickets:
        # the ticket side then stays inside its (office, day, state) index.
        "SELECT r.clerk_id, r.counter_id, r.field_id, r.scale, r.level, NULLIF(r.reasons, '[]'), "
        "CASE WHEN r.comment <> '' THEN r.id END "
        "FROM ticket t JOIN rating r ON r.ticket_id = t.id "
        f"WHERE t.office_id = {p} AND t.day >= {p} AND t.day <= {p} AND t.state = 'done'",
        (office.id, period.start.isoformat(), period.end.isoformat()),
    )
    levels = Tally()
    for (clerk, counter, field, scale, level), count in Tally(map(itemgetter(0, 1, 2, 3, 4), rows)).items():
        group = scale_rules.group(level, scale)
        levels[(scale, level)] += count
        total.ratings[group] += count
        by["field"][field].ratings[group] += count
        if counter is not None:
            by["counter"][counter].ratings[group] += count
        if clerk is not None:
            by["clerk"][clerk].ratings[group] += count
    rated = sum(levels.values())

    reasons, low_reasons = Tally(), Tally()
    # The same few reason lists repeat: count them first, parse each distinct one once.
    for (scale, level, text), times in Tally((r[3], r[4], r[5]) for r in rows if r[5] is not None).items():
        try:
            chosen = json.loads(text) if isinstance(text, str) else text
        except ValueError:
            chosen = []
        for reason in chosen if isinstance(chosen, list) else []:
            reasons[str(reason)] += times
            if scale_rules.is_low(level, scale):
                low_reasons[str(reason)] += times

    commented = sorted((r[6] for r in rows if r[6] is not None), reverse=True)
    comments = _comments(commented[:comments_limit], names) if comments_limit > 0 else []
    served = total.states["done"]
    return {
        "ratings": rated,
        "served": served,
        "rated_share": share(rated, served),
        "scales": sorted({scale for scale, _level in levels}),
        "groups": [{"key": g, "label": scale_rules.GROUP_WORDS[g], "label_en": scale_rules.GROUP_WORDS_EN[g],
                    "count": total.ratings[g], "share": share(total.ratings[g], rated)}
                   for g in scale_rules.GROUPS],
        "levels": [{"scale": scale, "level": level, "label": scale_rules.word(level, scale),
                    "label_en": scale_rules.word_en(level, scale), "group": scale_rules.group(level, scale),
                    "count": levels[(scale, level)], "share": share(levels[(scale, level)], rated)}
                   for scale in sorted({s for s, _l in levels}) for level in range(scale, 0, -1)],
        "reasons": [{"reason": reason, "count": count, "dissatisfied": low_reasons[reason]}
                    for reason, count in sorted(reasons.items(), key=lambda item: (-item[1], item[0]))],
        "comments_total": len(commented),
        "comments": comments,
    }


def _comments(rating_ids: list[int], names: dict) -> list[dict]:
    """The given ratings' comments with their ticket, newest first."""
    if not rating_ids:
        return []
    p = _p()
    rows = _rows(
        "SELECT t.day, t.display_number, r.counter_id, r.clerk_id, t.field_id, r.scale, r.level, r.comment, r.id "
        "FROM rating r JOIN ticket t ON t.id = r.ticket_id "
        f"WHERE r.id IN ({', '.join([p] * len(rating_ids))}) ORDER BY r.created_at DESC, r.id DESC",
        rating_ids,
    )
    return [
        {"day": _day(day).isoformat(), "number": number,
         "counter": (names["counter"].get(counter) or {}).get("name"),
         "clerk": (names["clerk"].get(clerk) or {}).get("name"),
         "field": (names["field"].get(field) or {}).get("name"),
         "level": level, "scale": scale, "level_label": scale_rules.word(level, scale),
         "group": scale_rules.group(level, scale), "comment": comment}
        for day, number, counter, clerk, field, scale, level, comment, _id in rows
    ]


# --------------------------------------------------------------------------- today, for the monitor


def today_figures(office: Office, now: dt.datetime | None = None) -> dict:
    """Today's figures for the live monitor, by the same definitions as the day's report."""
    now = now or models.utcnow()
    day = ticketing.business_day(office, now)
    report = build_report(office, day_period(day), now=now, comments_limit=0)
    s, sat = report["summary"], report["satisfaction"]
    # Who worked each counter last today: the monitor's fallback when the counter names no clerk.
    p, last_clerk = _p(), {}
    for counter, clerk in _rows(
        "SELECT t.counter_id, t.clerk_id FROM ticket t "
        f"WHERE t.office_id = {p} AND t.day = {p} AND t.counter_id IS NOT NULL AND t.clerk_id IS NOT NULL "
        "ORDER BY t.called_at, t.id",
        (office.id, day.isoformat()),
    ):
        last_clerk[counter] = clerk
    clerks = {row["id"]: row["name"] for row in report["by_clerk"]}
    counters = {row["id"]: row for row in report["by_counter"]}
    return {
        "day": day.isoformat(),
        "issued": s["issued"],
        "served": s["served"],
        "no_show": s["no_show"],
        "cancelled": s["cancelled"],
        "waiting": s["waiting"],
        "in_service": s["in_service"],
        "wait": s["wait"],
        "ratings": sat["ratings"],
        "satisfied_share": s["satisfied_share"],
        "by_counter": {
            str(cid): {"served": counters.get(cid, {}).get("served", 0), "no_show": counters.get(cid, {}).get("no_show", 0),
                       "clerk": clerks.get(last_clerk.get(cid))}
            for cid in set(counters) | set(last_clerk)
        },
    }
