"""Migrations room: versioned schema steps that work on SQLite and PostgreSQL.

The server, the CLI and the tests call :func:`upgrade` (models knows nothing of this module, so
the two do not import each other). A fresh database gets every table at
``models.SCHEMA_VERSION``. An existing one runs each step numbered above its recorded version,
in order, inside one transaction and under a lock, so several server processes starting at the
same moment upgrade once and a failed step leaves the database as it was (DDL is transactional
on both engines). Each applied step appends a ``schema_version`` row (the history).

Adding a column to a model = bump ``models.SCHEMA_VERSION`` and add a step here; the tests in
tests/migrations check that an upgraded database has exactly the columns of a fresh one.
"""

from __future__ import annotations

import contextlib
import logging

from peewee import CharField, FloatField, IntegerField, fn
from playhouse.migrate import SchemaMigrator, migrate

import models
import statements
from models import ALL_MODELS, SCHEMA_VERSION, DateTimeField, SchemaVersion, db

log = logging.getLogger(__name__)

# Key of the transaction-level advisory lock that serialises upgrades on PostgreSQL ("motcua").
UPGRADE_LOCK_KEY = 0x6D6F74637561


def _columns(table: str) -> set[str]:
    """Column names of a table."""
    return {column.name for column in db.get_columns(table)}


def _indexes(table: str) -> set[str]:
    """Index names of a table."""
    return {index.name for index in db.get_indexes(table)}


def add_column(migrator: SchemaMigrator, table: str, name: str, field, sqlite_ddl: str) -> None:
    """Add a NOT NULL column with a default, keeping every row.

    On SQLite, playhouse's add_column would rebuild the table to add NOT NULL, and with
    foreign keys on, dropping the old ``office`` table cascades into every child table. SQLite
    accepts NOT NULL with a constant default in a plain ALTER TABLE, so that is used instead.
    """
    if name in _columns(table):
        return
    if statements.is_sqlite():
        db.execute_sql(f'ALTER TABLE "{table}" ADD COLUMN "{name}" {sqlite_ddl}')
    else:
        migrate(migrator.add_column(table, name, field))


def add_nullable_columns(migrator: SchemaMigrator, table: str, columns) -> None:
    """Add NULL-able columns ``(name, field, sqlite type)`` that the table lacks, keeping every row."""
    existing = _columns(table)
    for name, field, ddl in columns:
        if name in existing:
            continue
        if statements.is_sqlite():
            db.execute_sql(f'ALTER TABLE "{table}" ADD COLUMN "{name}" {ddl}')
        else:
            migrate(migrator.add_column(table, name, field))


# --------------------------------------------------------------------------- steps


def step_2_office_code(migrator: SchemaMigrator) -> None:
    """Office.code: the office's administrative unit code (mã đơn vị).

    It names an office across databases (moving SQLite -> PostgreSQL) and in province reports.
    """
    add_column(migrator, "office", "code", CharField(max_length=16, default=""),
               "VARCHAR(16) NOT NULL DEFAULT ''")


def step_3_rating_office_index(migrator: SchemaMigrator) -> None:
    """Index rating(office_id, created_at): daily and province satisfaction figures read by it."""
    if "rating_office_id_created_at" not in _indexes("rating"):
        migrate(migrator.add_index("rating", ("office_id", "created_at"), False))


def step_4_queue_indexes(migrator: SchemaMigrator) -> None:
    """Ticket indexes that cover the live queue's reads; redundant single-column indexes dropped.

    With thousands waiting, call-next sorted the whole list and each issue counted it through the
    table; these two indexes answer both from the index alone and replace the two they extend.
    """
    existing = _indexes("ticket")
    for old in ("ticket_office_id_day_state", "ticket_field_id_state_arrival_at"):
        if old in existing:
            migrate(migrator.drop_index("ticket", old))
    # Single-column indexes a composite index already leads with, or that only a rare admin delete
    # reads: every issue wrote 9 of them.
    for table, names in (("ticket", ("ticket_office_id", "ticket_field_id", "ticket_issued_field_id", "ticket_kiosk_id",
                                    "ticket_priority_id", "ticket_target_counter_id")),
                         ("ticket_event", ("ticket_event_office_id", "ticket_event_counter_id")),
                         ("daily_sequence", ("daily_sequence_field_id",))):
        present = _indexes(table)
        for name in names:
            if name in present:
                migrate(migrator.drop_index(table, name))
    for name, columns in models.QUEUE_INDEXES.items():
        if name not in existing:
            db.execute_sql(f'CREATE INDEX "{name}" ON "ticket" ({", ".join(columns)})')


def step_5_device_clocks(migrator: SchemaMigrator) -> None:
    """Device.clock_*: a screen's reported clock, on its row so every process's status page sees it.

    The tables of sessions and throttles (issue 13) are new and created whole after the steps.
    """
    add_nullable_columns(migrator, "device", (("clock_offset_s", FloatField(null=True), "REAL"),
                                              ("clock_tz_min", IntegerField(null=True), "INTEGER"),
                                              ("clock_at", DateTimeField(null=True), "DATETIME")))


def step_6_booking(migrator: SchemaMigrator) -> None:
    """Ticket.channel, booked_slot, holder and Office.appointment_ratio: numbers from the phone and
    appointments (issue 16).

    Tickets issued before have no record of their channel: those without a kiosk were issued by
    staff, the rest at a kiosk. The tables of bookings, their settings and the notifier's outbox
    are new and created whole after the steps.
    """
    if "channel" not in _columns("ticket"):
        add_column(migrator, "ticket", "channel", CharField(max_length=12, default="kiosk"),
                   "VARCHAR(12) NOT NULL DEFAULT 'kiosk'")
        db.execute_sql("""UPDATE "ticket" SET "channel" = 'staff' WHERE "kiosk_id" IS NULL""")
    add_nullable_columns(migrator, "ticket", (("booked_slot", DateTimeField(null=True), "DATETIME"),
                                              ("holder", CharField(max_length=32, null=True), "VARCHAR(32)")))
    add_column(migrator, "office", "appointment_ratio", IntegerField(default=2), "INTEGER NOT NULL DEFAULT 2")
    name, columns = models.BOOKED_INDEX
    if name not in _indexes("ticket"):
        db.execute_sql(f'CREATE INDEX "{name}" ON "ticket" ({", ".join(columns)}) WHERE "booked_slot" IS NOT NULL')


def step_7_ratings(migrator: SchemaMigrator) -> None:
    """Dossier codes, per-dossier ratings, rating alerts, rating settings and the outbox (issue 15).

    New tables only, created whole; nothing existing changes, so the step is independent of the
    others and safe to run again.
    """
    db.create_tables([models.Dossier, models.DossierRating, models.RatingAlert, models.RatingSettings,
                      models.OutboxItem, models.OutboxSeq], safe=True)


STEPS = [
    (2, step_2_office_code),
    (3, step_3_rating_office_index),
    (4, step_4_queue_indexes),
    (5, step_5_device_clocks),
    (6, step_6_booking),
    (7, step_7_ratings),
]


# --------------------------------------------------------------------------- running


@contextlib.contextmanager
def _upgrade_lock():
    """One transaction holding the upgrade lock: advisory lock on PostgreSQL, the write lock on SQLite."""
    if statements.is_sqlite():
        with statements.write_transaction():
            yield
    else:
        with db.atomic():
            db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (UPGRADE_LOCK_KEY,))
            yield


def current_version() -> int:
    """The schema version recorded in the database (0 for an empty database)."""
    tables = set(db.get_tables())
    if "office" not in tables:
        return 0
    if "schema_version" not in tables:
        return 1  # version 1 created every table at once; nothing older was ever released
    return SchemaVersion.select(fn.MAX(SchemaVersion.version)).scalar() or 1


def upgrade() -> int:
    """Create or upgrade the schema to ``models.SCHEMA_VERSION``; returns the version reached."""
    assert [n for n, _ in STEPS] == list(range(2, SCHEMA_VERSION + 1)), "steps must be 2..SCHEMA_VERSION"
    with models.connection(), _upgrade_lock():
        version = current_version()
        if version == 0:
            db.create_tables(ALL_MODELS)
            SchemaVersion.create(version=SCHEMA_VERSION)
            return SCHEMA_VERSION
        if version > SCHEMA_VERSION:
            raise RuntimeError(
                f"Database schema is version {version}, newer than this code ({SCHEMA_VERSION}): "
                "update the program before serving this database."
            )
        migrator = SchemaMigrator.from_database(db.obj)
        for number, step in STEPS:
            if number > version:
                log.info("Schema upgrade step %s: %s", number, step.__doc__.splitlines()[0])
                step(migrator)
                SchemaVersion.create(version=number)
        # Tables added since (new models) are created whole; existing ones are left alone.
        db.create_tables(ALL_MODELS, safe=True)
        if not SchemaVersion.select().exists():
            SchemaVersion.create(version=SCHEMA_VERSION)
    return SCHEMA_VERSION
