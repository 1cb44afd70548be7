"""Bench room: how long each report takes on a year of a busy office (SQLite).

Generates a bounded year of tickets (default 150,000; at most 400,000) with their events and
ratings into a temporary SQLite file, then times each report kind (day, 30-day range, month,
quarter, year), the Excel/CSV exports and the monitor's "today" figures. Prints figures, writes
nothing else. Run: ``.venv/bin/python bench/bench_reports.py [--tickets N] [--repeat R]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import pathlib
import random
import statistics
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import migrations  # noqa: E402
import models  # noqa: E402
import security  # noqa: E402
from models import Counter, CounterField, Field, Office, User, db  # noqa: E402
from reports import compute, export  # noqa: E402

MAX_TICKETS = 400_000
YEAR = 2026
REASONS = ["Thái độ phục vụ", "Thời gian chờ lâu", "Hướng dẫn chưa rõ ràng", "Phải bổ sung hồ sơ nhiều lần", "Khác"]
COMMENTS = ["Cán bộ nhiệt tình, hướng dẫn rõ ràng.", "Chờ hơi lâu vào buổi sáng.",
            "Nên có thêm ghế ngồi chờ.", "Thủ tục nhanh gọn, cảm ơn."]


def _ts(value: dt.datetime) -> str:
    """Stored form of a naive-UTC datetime (as peewee writes it on SQLite)."""
    return value.isoformat(sep=" ")


def _arrival_minute(rng: random.Random) -> int:
    """Local minute of the day a citizen arrives: morning peak, quieter after lunch."""
    if rng.random() < 0.62:
        return int(min(max(rng.gauss(9 * 60, 70), 7 * 60 + 30), 11 * 60 + 25))
    return int(min(max(rng.gauss(14 * 60 + 30, 60), 13 * 60 + 30), 16 * 60 + 25))


def generate(url: str, tickets: int, seed: int = 7) -> Office:
    """Fill an empty database with one office and ``tickets`` tickets over working days of YEAR."""
    tickets = min(tickets, MAX_TICKETS)
    rng = random.Random(seed)
    models.db.initialize(models.make_database(url))
    migrations.upgrade()
    with models.connection():
        office = Office.create(name="Trung tâm Phục vụ hành chính công xã Bench", working_days=[1, 2, 3, 4, 5])
        fields = [Field.create(office=office, name=f"Lĩnh vực {i + 1}", code=f"F{i + 1}", number_start=1000 * (i + 1) + 1,
                               sort_order=i) for i in range(11)]
        counters = [Counter.create(office=office, number=i + 1, name=f"Quầy {i + 1}") for i in range(6)]
        serves = {}
        for i, field in enumerate(fields):
            serves[field.id] = [counters[i % 6], counters[(i + 2) % 6]]
            for counter in serves[field.id]:
                CounterField.get_or_create(counter=counter, field=field)
        hashed = security.hash_password("bench")
        clerks = {c.id: [User.create(office=office, username=f"bench{c.number}{k}", full_name=f"Cán bộ {c.number}.{k}",
                                     role="clerk", password_hash=hashed) for k in range(2)] for c in counters}
        days = [dt.date(YEAR, 1, 1) + dt.timedelta(days=i) for i in range(365)]
        days = [d for d in days if d.isoweekday() <= 5]
        per_day, extra = divmod(tickets, len(days))
        weights = [30, 25, 10, 6, 6, 4, 3, 6, 3, 2, 5]
        ticket_rows, event_rows, rating_rows = [], [], []
        tid = 0
        for index, day in enumerate(days):
            numbers = {f.id: f.number_start - 1 for f in fields}
            count = per_day + (index < extra)
            minutes = sorted(_arrival_minute(rng) for _ in range(count))
            for minute in minutes:
                tid += 1
                field = rng.choices(fields, weights)[0]
                numbers[field.id] += 1
                local = dt.datetime.combine(day, dt.time(minute // 60, minute % 60, rng.randrange(60)))
                arrival = local - dt.timedelta(hours=7)
                counter = rng.choice(serves[field.id])
                clerk = rng.choice(clerks[counter.id])
                roll = rng.random()
                called = arrival + dt.timedelta(seconds=int(rng.expovariate(1 / 900)) + 30)
                started = called + dt.timedelta(seconds=rng.randrange(20, 120))
                finished = started + dt.timedelta(seconds=int(rng.gauss(480, 180)) % 1800 + 60)
                events = [("issue", None, "waiting", None, None, arrival)]
                state, field_now, transfers = "done", field, 0
                if roll < 0.03:
                    state, called, started, finished = "cancelled", None, None, None
                    events.append(("cancel", "waiting", "cancelled", None, None, arrival + dt.timedelta(minutes=20)))
                elif roll < 0.08:
                    state, started, finished = "no_show", None, None
                    events += [("call", "waiting", "called", counter.id, clerk.id, called),
                               ("no_show", "called", "no_show", counter.id, clerk.id, called + dt.timedelta(minutes=2))]
                else:
                    events.append(("call", "waiting", "called", counter.id, clerk.id, called))
                    if roll < 0.10:
                        # Transferred once, then served at the other field's counter.
                        transfers = 1
                        events.append(("transfer", "called", "waiting", counter.id, clerk.id, started))
                        field_now = rng.choice(fields)
                        counter = rng.choice(serves[field_now.id])
                        clerk = rng.choice(clerks[counter.id])
                        called = started + dt.timedelta(minutes=rng.randrange(2, 20))
                        started = called + dt.timedelta(seconds=60)
                        finished = started + dt.timedelta(minutes=rng.randrange(3, 15))
                        events.append(("call", "waiting", "called", counter.id, clerk.id, called))
                    events += [("start", "called", "serving", counter.id, clerk.id, started),
                               ("finish", "serving", "done", counter.id, clerk.id, finished)]
                ticket_rows.append((
                    tid, office.id, field_now.id, field.id, day.isoformat(), numbers[field.id], str(numbers[field.id]),
                    None, state, f"bench-{tid}", _ts(arrival), _ts(arrival), called and _ts(called),
                    started and _ts(started), finished and _ts(finished),
                    counter.id if state != "cancelled" else None, None,
                    clerk.id if state != "cancelled" else None, None, 0, transfers, "", None,
                ))
                for kind, from_state, to_state, cid, uid, at in events:
                    event_rows.append((tid, office.id, kind, from_state, to_state, cid, uid, None, _ts(at), "{}"))
                if state == "done" and rng.random() < 0.55:
                    level = rng.choices([3, 2, 1], [70, 24, 6])[0]
                    reasons = rng.sample(REASONS[:4], rng.randrange(1, 3)) if level < 3 else []
                    comment = rng.choice(COMMENTS) if rng.random() < 0.04 else ""
                    rating_rows.append((tid, office.id, field_now.id, counter.id, clerk.id, level, 3,
                                        json.dumps(reasons, ensure_ascii=False), comment, "tablet", None,
                                        _ts(finished + dt.timedelta(seconds=20))))
        with db.atomic():
            db.execute_sql("DROP INDEX IF EXISTS ticket_public_token")  # re-created below, faster in bulk
            cursor = db.connection().cursor()
            cursor.executemany(
                "INSERT INTO ticket (id, office_id, field_id, issued_field_id, day, number, display_number, priority_id, "
                "state, public_token, arrival_at, issued_at, called_at, started_at, finished_at, counter_id, "
                "target_counter_id, clerk_id, kiosk_id, recall_count, transfer_count, note, client_ref) "
                "VALUES (" + ", ".join("?" * 23) + ")", ticket_rows)
            cursor.executemany(
                "INSERT INTO ticket_event (ticket_id, office_id, kind, from_state, to_state, counter_id, user_id, "
                "device_id, at, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", event_rows)
            cursor.executemany(
                "INSERT INTO rating (ticket_id, office_id, field_id, counter_id, clerk_id, level, scale, reasons, "
                "comment, source, device_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rating_rows)
        migrations.upgrade()  # restores the dropped index
        db.execute_sql("ANALYZE")
        print(f"generated {len(ticket_rows):,} tickets, {len(event_rows):,} events, {len(rating_rows):,} ratings "
              f"over {len(days)} working days of {YEAR}")
        return office


def _time(fn, repeat: int) -> tuple[float, float, float]:
    """Best and median wall time, and best CPU time, of ``repeat`` calls, in seconds.

    CPU time is printed too because a shared machine's wall time moves with other load.
    """
    spans, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        spans.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return min(spans), statistics.median(spans), min(cpu)


def main(argv=None) -> int:
    """Generate the data, time every report kind, print a table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=150_000, help=f"tickets to generate (max {MAX_TICKETS})")
    parser.add_argument("--repeat", type=int, default=3, help="runs per report (1-10)")
    options = parser.parse_args(argv)
    repeat = min(max(options.repeat, 1), 10)
    with tempfile.TemporaryDirectory(prefix="motcua-bench-") as tmp:
        url = f"sqlite:///{pathlib.Path(tmp) / 'bench.db'}"
        t0 = time.perf_counter()
        office = generate(url, options.tickets)
        print(f"generation took {time.perf_counter() - t0:.1f} s")
        busy_day = dt.date(YEAR, 3, 16)
        kinds = [
            ("day", compute.day_period(busy_day)),
            ("range (30 days)", compute.range_period(dt.date(YEAR, 3, 1), dt.date(YEAR, 3, 30))),
            ("month", compute.month_period(YEAR, 3)),
            ("quarter", compute.quarter_period(YEAR, 4)),
            ("year", compute.year_period(YEAR)),
        ]
        with models.connection():
            office = Office.get_by_id(office.id)
            print(f"{'report':<26}{'tickets':>10}{'best s':>9}{'median s':>10}{'cpu s':>8}")
            for name, period in kinds:
                report = compute.build_report(office, period)
                best, med, cpu = _time(functools.partial(compute.build_report, office, period), repeat)
                print(f"{name:<26}{report['summary']['issued']:>10,}{best:>9.3f}{med:>10.3f}{cpu:>8.3f}")
            report = compute.build_report(office, compute.year_period(YEAR))
            extras = [
                ("xlsx export (year)", functools.partial(export.workbook, report)),
                ("csv export (year, all)", lambda: [export.csv_text(report, key) for key in export.VIEW_KEYS]),
                ("monitor today figures", functools.partial(compute.today_figures, office,
                                                            now=dt.datetime(YEAR, 3, 16, 8, 0))),
            ]
            for name, fn in extras:
                best, med, cpu = _time(fn, repeat)
                print(f"{name:<26}{'':>10}{best:>9.3f}{med:>10.3f}{cpu:>8.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
