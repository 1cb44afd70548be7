"""Migrations room (tests): regenerate the frozen schema-version-4 fixtures (schema + a day of data).

Run once, by hand, against a checkout of the commit that shipped schema version 4 (cd06dc9, the
release before the go-live work)::

    mkdir /tmp/motcua_v4 && git archive cd06dc9 | tar -x -C /tmp/motcua_v4
    .venv/bin/python tests/migrations/make_v4_fixture.py /tmp/motcua_v4

It imports that checkout's own models, demo and ticketing (never today's), seeds the demo office,
changes its settings away from the defaults, runs part of a day (tickets issued, called, served,
rated, transferred, missed, cancelled, printed) and writes ``v4.<dialect>.sql``: the exact CREATE
statements peewee issued on that dialect, then every row as an INSERT. Each file loads into an
empty database of its dialect as a database made by that release.
"""

import datetime as dt
import importlib
import logging
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
COMMIT = "cd06dc9"
# Tables in an order that satisfies every foreign key.
TABLE_ORDER = ["office", "field", "procedure", "user", "counter", "counter_field", "user_counter", "device",
               "priority_category", "daily_sequence", "ticket", "ticket_event", "rating", "print_job",
               "printer_status", "audit_log", "voice_clip", "schema_version"]
# A 1x1 transparent PNG: stands for the office logo (a BLOB column).
PNG_1X1 = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                        "1f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a4be0000000049454e44ae426082")


class _Recorder(logging.Handler):
    """Collect the CREATE statements peewee logs (DDL has no parameters)."""

    def __init__(self):
        """Start with no statements."""
        super().__init__()
        self.statements = []

    def emit(self, record):
        """Keep CREATE statements only (the pool logs plain strings too)."""
        if isinstance(record.msg, tuple) and record.msg[0].startswith("CREATE"):
            self.statements.append(record.msg[0])


def load_release(checkout: str):
    """Import the old release's modules from ``checkout`` (models, demo, ticketing, security)."""
    sys.path.insert(0, checkout)
    for name in ("models", "demo", "ticketing", "security", "migrations"):
        sys.modules.pop(name, None)
    mods = {name: importlib.import_module(name) for name in ("models", "demo", "ticketing", "migrations")}
    assert mods["models"].SCHEMA_VERSION == 4, "run this against the schema-version-4 release"
    return mods


def record_ddl(models, database) -> list[str]:
    """Create the release's tables on ``database`` and return what peewee executed."""
    models.db.initialize(database)
    recorder = _Recorder()
    logger = logging.getLogger("peewee")
    logger.addHandler(recorder)
    logger.setLevel(logging.DEBUG)
    try:
        with database.connection_context():
            database.create_tables(models.ALL_MODELS)
    finally:
        logger.removeHandler(recorder)
    return recorder.statements


def run_a_day(mods, instance: pathlib.Path) -> None:
    """Seed the demo office, move its settings off the defaults and serve part of a day."""
    models, demo, ticketing = mods["models"], mods["demo"], mods["ticketing"]
    with models.connection():
        models.db.create_tables(models.ALL_MODELS)
        models.SchemaVersion.create(version=4)
        demo.seed_demo(instance)
        office = models.Office.get()
        office.code = "03268"
        office.logo, office.logo_type = PNG_1X1, "image/png"
        office.region, office.priority_ratio, office.rating_levels = "south", 3, 5
        office.holidays = ["2026-04-30", "2026-05-01", "2026-09-02"]
        office.rating_reasons = ["Thái độ phục vụ", "Thời gian chờ lâu", "Khác"]
        office.ticket_footer = "Cảm ơn quý công dân đã đến giao dịch!"
        office.default_service_s, office.kiosk_ticket_seconds, office.rating_window_s = 420, 20, 150
        office.save()
        fields = {f.code: f for f in models.Field.select()}
        fields["CT"].daily_cap = 80
        fields["CT"].save()
        fields["YT"].active = False
        fields["YT"].save()
        kiosk = models.Device.get(models.Device.kind == "kiosk")
        display = models.Device.get(models.Device.kind == "display")
        display.settings = {"counters": [1, 2], "fields": []}
        display.last_seen = models.utcnow()
        display.save()
        tablet1 = models.Device.get((models.Device.kind == "tablet") & (models.Device.counter == 1))
        elderly = models.PriorityCategory.get(models.PriorityCategory.code == "cao_tuoi")
        admin = models.User.get(models.User.username == "admin")
        clerk1 = models.User.get(models.User.username == "canbo1")
        clerk2 = models.User.get(models.User.username == "canbo2")
        models.AuditLog.create(office=office, user=admin, action="office.update", target="office",
                               detail={"region": ["north", "south"], "rating_levels": [3, 5]})
        models.VoiceClip.create(office=office, key="prefix", data=b"ID3\x03\x00fake-mp3-bytes", content_type="audio/mpeg")
        models.PrinterStatus.create(office=office, name="default", online=True, paper="low", message="Sắp hết giấy")

        start = models.utcnow() - dt.timedelta(hours=2)
        step = iter(range(0, 10_000, 40))

        def at():
            """The next moment of the day (40 s apart)."""
            return start + dt.timedelta(seconds=next(step))

        codes = ["HT", "CT", "HT", "DD", "LD", "HT", "CT", "BT", "XD", "HT", "VH", "CT", "GD", "TD", "HT", "DD"]
        tickets = []
        for i, code in enumerate(codes):
            tickets.append(ticketing.issue_ticket(
                office.id, fields[code].id, priority=elderly.code if i in (3, 9) else None, kiosk=kiosk,
                client_ref=f"k-{i}", print_ticket=True, now=at()).ticket)
        counter1 = models.Counter.get(models.Counter.number == 1)
        counter2 = models.Counter.get(models.Counter.number == 2)
        ticketing.set_counter_state(counter1.id, "open", user=clerk1, now=at())
        ticketing.set_counter_state(counter2.id, "open", user=clerk2, now=at())
        for level in (3, 5, 4, 1):  # served and rated at counter 1 on the 5-level scale
            change = ticketing.call_next(counter1.id, user=clerk1, now=at())
            ticketing.start(change.ticket.id, user=clerk1, now=at())
            ticketing.finish(change.ticket.id, user=clerk1, now=at())
            ticketing.rate(change.ticket.id, level, reasons=["Thời gian chờ lâu"] if level == 1 else [],
                           comment="Cán bộ hướng dẫn tận tình, chu đáo" if level == 5 else "",
                           counter_id=counter1.id, device=tablet1, now=at())
        missed = ticketing.call_next(counter2.id, user=clerk2, now=at()).ticket
        ticketing.no_show(missed.id, user=clerk2, now=at())
        moved = ticketing.call_next(counter2.id, user=clerk2, now=at()).ticket
        ticketing.transfer(moved.id, field_id=fields["HT"].id, note="Chuyển sang hộ tịch (ghi chú của cán bộ)",
                           user=clerk2, now=at())
        ticketing.recall(ticketing.call_next(counter2.id, user=clerk2, now=at()).ticket.id, user=clerk2, now=at())
        ticketing.cancel(tickets[-2].id, user=clerk1, now=at())
        ticketing.set_counter_state(counter1.id, "paused", reason="Nghỉ giải lao", user=clerk1, now=at())
        job = models.PrintJob.select().order_by(models.PrintJob.id).first()
        job.state, job.attempts, job.printed_at = "done", 1, at()
        job.save()


def literal(value, field, dialect: str) -> str:
    """One value as an SQL literal of ``dialect``, typed by the release's model field."""
    if value is None:
        return "NULL"
    kind = type(field).__name__ if field is not None else ""
    if kind == "BooleanField":
        return ("TRUE" if value else "FALSE") if dialect == "postgres" else ("1" if value else "0")
    if isinstance(value, (bytes, memoryview)):
        data = bytes(value).hex()
        return f"X'{data}'" if dialect == "sqlite" else f"'\\x{data}'::bytea"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def dump_rows(models, dialect: str) -> list[str]:
    """Every row of every table as INSERT statements, then (PostgreSQL) the sequences moved past them."""
    by_table = {m._meta.table_name: m for m in models.ALL_MODELS}
    assert sorted(by_table) == sorted(TABLE_ORDER)
    statements = []
    for table in TABLE_ORDER:
        model = by_table[table]
        fields = {f.column_name: f for f in model._meta.sorted_fields}
        cursor = models.db.execute_sql(f'SELECT * FROM "{table}" ORDER BY id')
        names = [c[0] for c in cursor.description]
        for row in cursor.fetchall():
            values = ", ".join(literal(v, fields.get(n), dialect) for n, v in zip(names, row, strict=True))
            columns = ", ".join(f'"{n}"' for n in names)
            statements.append(f'INSERT INTO "{table}" ({columns}) VALUES ({values})')
        if dialect == "postgres":
            statements.append(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                              f'COALESCE((SELECT MAX(id) FROM "{table}"), 1))')
    return statements


def write(dialect: str, ddl: list[str], rows: list[str]) -> None:
    """Write one dialect's fixture: a header line, then one statement per ';\\n'."""
    header = (f"-- Schema version 4 (commit {COMMIT}) with a day of data, as that release made it on {dialect}; "
              "see make_v4_fixture.py.\n")
    (HERE / f"v4.{dialect}.sql").write_text(header + ";\n".join(ddl + rows) + ";\n")


if __name__ == "__main__":
    import tempfile
    import uuid

    import psycopg2
    from peewee import PostgresqlDatabase

    mods = load_release(sys.argv[1])
    models = mods["models"]
    with tempfile.TemporaryDirectory() as tmp:
        sqlite_ddl = record_ddl(models, models.make_database(f"sqlite:///{tmp}/ddl.db"))
        models.db.initialize(models.make_database(f"sqlite:///{tmp}/v4.db"))
        run_a_day(mods, pathlib.Path(tmp))
        with models.connection():
            write("sqlite", sqlite_ddl, dump_rows(models, "sqlite"))
            pg_rows = dump_rows(models, "postgres")
    name = f"motcua_v4_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect("postgresql://postgres@127.0.0.1:5432/test")
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    pg = PostgresqlDatabase(name, user="postgres", host="127.0.0.1")
    write("postgres", record_ddl(models, pg), pg_rows)
    pg.close()
    admin.cursor().execute(f'DROP DATABASE "{name}"')
