"""Reports room: the national satisfaction index by dossier (Quyết định 766/QĐ-TTg), from the data.

Definitions (the page prints them; docs/API.md repeats them):

* Dossiers of a period: the distinct dossier codes (mã hồ sơ) the counters took on visits whose
  business day (``Ticket.day``) is in the period, received or returned. A code seen on two
  visits of the period is one dossier of the office; per field and per clerk it counts in each
  group whose visit carried it.
* A dossier counts against the index when a rating of one of those visits is in the Không hài
  lòng group (``rules.rating.counts_against_index``). An unrated dossier counts as satisfied.
  Complaints (phản ánh, kiến nghị) are not recorded here, so they do not subtract: the province's
  system adds them.
* Satisfaction % = (dossiers - dossiers against) / dossiers x 100 (no dossiers: no figure).
* Beside it, our own three-level figures: ratings of the period's visits (with or without a
  code), % satisfied = not Không hài lòng (reports.compute).
* Channels: how the period's ratings were given, on the counter's tablet or later by phone.
* Alerts: the period's "Không hài lòng" alerts (by the visit's day): how many, how many a leader
  handled, and how long handling took (from the rating to the leader's mark).

Pure computation from the rows (no Flask).
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict

from models import Office
from rules import rating as scale_rules

from .compute import Period, _day, _names, _num, _p, _rows, _seconds, duration_stats

PER_PAGE = 500


@dataclasses.dataclass
class _Tally:
    """The dossiers of one group and those that count against the index."""

    dossiers: set = dataclasses.field(default_factory=set)
    rated: set = dataclasses.field(default_factory=set)
    against: set = dataclasses.field(default_factory=set)

    def figures(self) -> dict:
        """The group's counts and its satisfaction % (None without dossiers)."""
        total, against = len(self.dossiers), len(self.against)
        return {"dossiers": total, "rated": len(self.rated), "unrated": total - len(self.rated), "against": against,
                "index_pct": round((total - against) / total * 100, 2) if total else None}


def index(office: Office, period: Period) -> dict:
    """The index for the office, per field, per clerk and per month of the period."""
    p = _p()
    rows = _rows(
        "SELECT d.code, d.field_id, d.clerk_id, d.day, dr.level, dr.scale FROM dossier d "
        "LEFT JOIN dossier_rating dr ON dr.dossier_id = d.id "
        f"WHERE d.office_id = {p} AND d.day >= {p} AND d.day <= {p}",
        (office.id, period.start.isoformat(), period.end.isoformat()),
    )
    total = _Tally()
    groups = {"field": defaultdict(_Tally), "clerk": defaultdict(_Tally), "month": defaultdict(_Tally)}
    for code, field, clerk, day, level, scale in rows:
        day = _day(day)
        keys = (("field", field), ("clerk", clerk), ("month", f"{day:%Y-%m}"))
        for tally in (total, *(groups[kind][key] for kind, key in keys)):
            tally.dossiers.add(code)
            if level is not None:
                tally.rated.add(code)
                if scale_rules.counts_against_index(level, scale):
                    tally.against.add(code)
    return {"total": total.figures(), **{kind: {key: t.figures() for key, t in g.items()} for kind, g in groups.items()}}


def channels(office: Office, period: Period) -> list[dict]:
    """The period's ratings by channel (tablet / phone), with the share of each."""
    p = _p()
    counts = dict(_rows(
        "SELECT r.source, COUNT(*) FROM rating r JOIN ticket t ON t.id = r.ticket_id "
        f"WHERE t.office_id = {p} AND t.day >= {p} AND t.day <= {p} AND t.state = 'done' GROUP BY r.source",
        (office.id, period.start.isoformat(), period.end.isoformat()),
    ))
    whole = sum(counts.values())
    return [{"channel": key, "label": label, "count": counts.get(key, 0),
             "share": counts.get(key, 0) / whole if whole else None} for key, label in scale_rules.CHANNELS.items()]


def alerts(office: Office, period: Period) -> dict:
    """The period's "Không hài lòng" alerts: raised, handled, open, and how fast they were handled."""
    p = _p()
    rows = _rows(
        f"SELECT a.handled_at IS NOT NULL, {_seconds('a.handled_at', 'a.created_at')} FROM rating_alert a "
        f"WHERE a.office_id = {p} AND a.day >= {p} AND a.day <= {p}",
        (office.id, period.start.isoformat(), period.end.isoformat()),
    )
    handled = [_num(seconds) for done, seconds in rows if done]
    return {"raised": len(rows), "handled": len(handled), "open": len(rows) - len(handled),
            "handle_time": duration_stats(handled)}


def build(office: Office, period: Period, report: dict) -> dict:
    """Everything the report's index section shows, our three-level figures beside the index."""
    names = _names(office.id)
    figures = index(office, period)
    by_field = {row["id"]: row for row in report["by_field"]}
    by_clerk = {row["id"]: row for row in report["by_clerk"]}

    def rows(kind: str, ours: dict, unknown: str) -> list[dict]:
        """One table: a row per group that had dossiers or ratings; known ones in the office's order first."""
        known, gone = [], []
        for key in set(figures[kind]) | {key for key, row in ours.items() if row["ratings"]}:
            info = names[kind].get(key)
            own = ours.get(key) or {}
            row = {"id": key, "name": info["name"] if info else (unknown if key is not None else "(không rõ)"),
                   **figures[kind].get(key, _Tally().figures()),
                   "ratings": own.get("ratings", 0), "satisfied_share": own.get("satisfied_share"),
                   "dissatisfied": own.get("satisfaction", {}).get(scale_rules.DISSATISFIED, {}).get("count", 0)}
            if info:
                known.append((info["order"], row))
            else:
                gone.append((key or 0, row))
        return [row for _o, row in sorted(known, key=lambda pair: pair[0])] + [row for _k, row in sorted(gone, key=lambda pair: pair[0])]

    summary = report["summary"]
    return {
        "total": dict(figures["total"], ratings=summary["ratings"], satisfied_share=summary["satisfied_share"],
                      dissatisfied=summary["satisfaction"][scale_rules.DISSATISFIED]["count"]),
        "by_field": rows("field", by_field, "(lĩnh vực đã xóa)"),
        "by_clerk": rows("clerk", by_clerk, "(cán bộ đã xóa)"),
        "by_month": [dict(month=key, label=f"Tháng {int(key[5:])}/{key[:4]}", **value)
                     for key, value in sorted(figures["month"].items())],
        "channels": channels(office, period),
        "alerts": alerts(office, period),
    }


def dossier_rows(office: Office, period: Period, page: int = 1, per_page: int = PER_PAGE) -> dict:
    """The view by dossier: every code taken in the period, its visit, and the verdict counted for it."""
    p = _p()
    where = f"d.office_id = {p} AND d.day >= {p} AND d.day <= {p}"
    args = (office.id, period.start.isoformat(), period.end.isoformat())
    count = _rows(f"SELECT COUNT(*) FROM dossier d WHERE {where}", args)[0][0]
    names = _names(office.id)
    rows = _rows(
        "SELECT d.id, d.code, d.kind, d.day, d.field_id, d.counter_id, d.clerk_id, t.display_number, "
        "dr.level, dr.scale, dr.source, d.created_at FROM dossier d JOIN ticket t ON t.id = d.ticket_id "
        f"LEFT JOIN dossier_rating dr ON dr.dossier_id = d.id WHERE {where} "
        f"ORDER BY d.day, d.created_at, d.id LIMIT {int(per_page)} OFFSET {int((page - 1) * per_page)}",
        args,
    )
    items = []
    for _id, code, kind, day, field, counter, clerk, number, level, scale, source, _at in rows:
        rated = level is not None
        items.append({
            "code": code, "kind": kind, "day": _day(day).isoformat(), "number": number,
            "field": (names["field"].get(field) or {}).get("name"),
            "counter": (names["counter"].get(counter) or {}).get("name"),
            "clerk": (names["clerk"].get(clerk) or {}).get("name"),
            "rated": rated, "level_label": scale_rules.word(level, scale) if rated else None,
            "group": scale_rules.group(level, scale) if rated else None,
            "against": rated and scale_rules.counts_against_index(level, scale),
            "channel": scale_rules.channel_word(source) if rated else None,
        })
    return {"total": count, "page": page, "per_page": per_page, "pages": max(1, -(-count // per_page)), "items": items}

