"""Hot SQL room: the statements the live queue runs on every request, by name, with named parameters.

Each statement is written once, in portable SQL with ``:name`` parameters, and converted once per
dialect (SQLite ``?``, psycopg2 ``%s``). Callers pass values by name; a missing or an extra name
raises ``TypeError`` before anything runs, so two parameters cannot be swapped by position.
Everything that differs between SQLite and PostgreSQL lives here and nowhere else:

- ``write_transaction``: ``BEGIN IMMEDIATE`` on SQLite (take the write lock up front);
- ``FOR UPDATE SKIP LOCKED`` on PostgreSQL for "take the next ticket" (``lock=True``); SQLite
  already holds the write lock;
- ``serialize``: a transaction-level advisory lock on PostgreSQL (SQLite's write lock already is one);
- value adaptation: dates and datetimes as the ISO text peewee stores on SQLite, objects for
  psycopg2; dicts and lists as JSON text (``models.JSONField``) on both;
- ``RETURNING`` is used alike on both (SQLite >= 3.35).

Only measurably hot statements live here (issue, call-next pick and take, transitions, the
active ticket, people ahead, waiting counts, open counters per field, rows by id, the event
sequence, the device, session and counter-assignment reads every request makes, the first
kiosk and the booking settings every issue reads); everything else is plain peewee. This module imports no project module: models.py
hands it the database and the model classes with :func:`use`, so models can re-export
``fetch_by_id``, ``write_transaction`` and ``is_sqlite`` from here without an import cycle.

Public API: ``Statement``, ``STATEMENTS``, ``use``, ``dialect``, ``is_sqlite``,
``write_transaction``, ``serialize``, ``execute``, ``rows``, ``scalar``, ``one``, ``fetch_by_id``,
``rows_atomically``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections.abc import Mapping

from peewee import SqliteDatabase

DIALECTS = ("sqlite", "postgresql")

# A parameter is ``:name`` outside quotes, not part of a ``::`` cast.
_TOKENS = re.compile(r"('(?:[^']|'')*')|(?<![:\w]):([A-Za-z_]\w*)")


@dataclasses.dataclass(frozen=True)
class Statement:
    """One named SQL statement: its portable text, its parameters and what its rows are."""

    name: str
    sql: str
    returns: str | None = None  # table whose model its rows become (``one``), else plain tuples
    lock: bool = False  # PostgreSQL: FOR UPDATE SKIP LOCKED (the rows are taken by this transaction)
    params: frozenset = frozenset()  # declared names: every ``:name`` in ``sql``
    texts: dict = dataclasses.field(default_factory=dict, compare=False)  # dialect -> (sql, names in order)

    def text(self, dialect_name: str) -> str:
        """The statement's SQL for a dialect."""
        return self.texts[dialect_name][0]

    def bind(self, values: Mapping, dialect_name: str) -> tuple:
        """Positional values for a dialect's placeholders; refuses a missing or an extra name."""
        if values.keys() != self.params:
            missing = sorted(self.params - values.keys())
            extra = sorted(values.keys() - self.params)
            raise TypeError(f"statement {self.name!r}: missing parameters {missing}, unknown parameters {extra}")
        adapt = _ADAPT[dialect_name]
        return tuple(adapt(values[name]) for name in self.texts[dialect_name][1])


def _convert(sql: str, dialect_name: str) -> tuple[str, tuple]:
    """SQL with ``:name`` turned into the dialect's placeholder, and the names in their order."""
    order = []
    placeholder = "?" if dialect_name == "sqlite" else "%s"

    def swap(match):
        if match.group(1):  # a quoted literal stays as it is
            return match.group(1) if dialect_name == "sqlite" else match.group(1).replace("%", "%%")
        order.append(match.group(2))
        return placeholder

    parts, last = [], 0
    for match in _TOKENS.finditer(sql):
        between = sql[last:match.start()]
        parts.append(between if dialect_name == "sqlite" else between.replace("%", "%%"))
        parts.append(swap(match))
        last = match.end()
    tail = sql[last:]
    parts.append(tail if dialect_name == "sqlite" else tail.replace("%", "%%"))
    return "".join(parts), tuple(order)


def _sqlite_value(value):
    """A value as SQLite stores it for peewee (ISO text for dates and datetimes, JSON text)."""
    if isinstance(value, dt.datetime):
        return value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return value


def _postgres_value(value):
    """A value for psycopg2 (it adapts dates itself; JSON columns are text)."""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return value


_ADAPT = {"sqlite": _sqlite_value, "postgresql": _postgres_value}

STATEMENTS: dict[str, Statement] = {}


def define(name: str, sql: str, returns: str | None = None, lock: bool = False) -> Statement:
    """Register a named statement (converted for every dialect now, once)."""
    sql = " ".join(sql.split())
    texts = {}
    for dialect_name in DIALECTS:
        text, order = _convert(sql, dialect_name)
        if lock and dialect_name == "postgresql":
            text += " FOR UPDATE SKIP LOCKED"
        texts[dialect_name] = (text, order)
    statement = Statement(name, sql, returns, lock, frozenset(texts["sqlite"][1]), texts)
    if name in STATEMENTS:
        raise ValueError(f"statement {name!r} defined twice")
    STATEMENTS[name] = statement
    return statement


# --------------------------------------------------------------------------- the database

_STATE: dict = {"db": None, "models": {}}


def use(database, model_classes) -> None:
    """Called once by models.py: the database proxy to run on, the models rows are read into."""
    _STATE["db"] = database
    _STATE["models"] = {model._meta.table_name: model for model in model_classes}


def dialect() -> str:
    """The bound database's dialect: "sqlite" or "postgresql"."""
    return "sqlite" if isinstance(_STATE["db"].obj, SqliteDatabase) else "postgresql"


def is_sqlite() -> bool:
    """True when the bound database is SQLite."""
    return dialect() == "sqlite"


def write_transaction():
    """A write transaction: BEGIN IMMEDIATE on SQLite (take the write lock up front)."""
    db = _STATE["db"]
    return db.atomic("IMMEDIATE") if is_sqlite() else db.atomic()


def serialize(key: int) -> None:
    """Inside a write transaction: writers with the same ``key`` take turns until it ends.

    PostgreSQL: a transaction-level advisory lock (rare writes that check then insert, e.g. a
    booking's capacity and limits); SQLite: nothing to do, BEGIN IMMEDIATE already serialises.
    """
    if not is_sqlite():
        _STATE["db"].execute_sql("SELECT pg_advisory_xact_lock(%s)", (key,))


def execute(name: str, /, **values):
    """Run a statement with its parameters by name; the cursor (rows not read)."""
    statement = STATEMENTS[name]
    dialect_name = dialect()
    return _STATE["db"].execute_sql(statement.texts[dialect_name][0], statement.bind(values, dialect_name))


def rows(name: str, /, **values) -> list[tuple]:
    """Every row of a statement, as tuples (read to the end: a SQLite statement left unfinished
    would keep its lock)."""
    return execute(name, **values).fetchall()


def scalar(name: str, /, **values):
    """The first column of a statement's first row, or None."""
    found = rows(name, **values)
    return found[0][0] if found else None


def one(name: str, /, **values):
    """A statement's first row as an instance of its model, or None."""
    cursor = execute(name, **values)
    found = cursor.fetchall()
    if not found:
        return None
    model = _STATE["models"][STATEMENTS[name].returns]
    return _instance(model, tuple(column[0] for column in cursor.description), found[0])


_READERS: dict = {}


def _instance(model, columns: tuple, row: tuple):
    """A model instance from a row read by column name (as peewee's own cursor wrapper does)."""
    readers = _READERS.get((model, columns))
    if readers is None:
        by_column = {field.column_name: field for field in model._meta.sorted_fields}
        readers = _READERS[(model, columns)] = [
            (by_column[c].name, by_column[c].python_value) if c in by_column else (None, None) for c in columns
        ]
    instance = model(__no_default__=1)
    instance.__data__ = {name: read(value) for (name, read), value in zip(readers, row, strict=True) if name is not None}
    return instance


def rows_atomically(name: str, /, **values) -> list[tuple]:
    """Every row of a write statement run as its own transaction (joining the caller's if any).

    On SQLite, outside a transaction, one statement already is its own atomic transaction and
    reading every row finishes it; elsewhere it is wrapped in a write transaction.
    """
    if is_sqlite() and not _STATE["db"].in_transaction():
        return rows(name, **values)
    with write_transaction():
        return rows(name, **values)


def fetch_by_id(model, row_id):
    """One row by primary key (or None), through the table's ``<table>_by_id`` statement."""
    return one(f"{model._meta.table_name}_by_id", id=row_id)


# --------------------------------------------------------------------------- rows by id

for _table in ("office", "field", "counter", "ticket", "user", "priority_category"):
    define(f"{_table}_by_id", f'SELECT * FROM "{_table}" WHERE "id" = :id', returns=_table)

define("counter_field_ids", 'SELECT "field_id" FROM "counter_field" WHERE "counter_id" = :counter_id ORDER BY "id"')

# --------------------------------------------------------------------------- every request (security.py)

define(
    "device_by_token",
    'SELECT * FROM "device" WHERE "token_hash" = :token_hash AND "revoked_at" IS NULL LIMIT 1',
    returns="device",
)

# The staff session behind a cookie (security.session_user): its key and its person must both match.
define(
    "staff_session_by_key",
    'SELECT * FROM "staff_session" WHERE "key_hash" = :key_hash AND "user_id" = :user_id LIMIT 1',
    returns="staff_session",
)

# The server's first kiosk: the one the PRINTER setting belongs to (kiosk.printers).
define("first_device_of_kind", 'SELECT MIN("id") FROM "device" WHERE "kind" = :kind AND "revoked_at" IS NULL')

# An office's booking settings (read on every ticket status: "your turn is near").
define(
    "booking_settings_of_office",
    'SELECT * FROM "booking_settings" WHERE "office_id" = :office_id',
    returns="booking_settings",
)

# A person's counters and the fields each serves (security: what a clerk may touch).
define(
    "user_counters_and_fields",
    """SELECT "user_counter"."counter_id", "counter_field"."field_id" FROM "user_counter"
       LEFT OUTER JOIN "counter_field" ON "counter_field"."counter_id" = "user_counter"."counter_id"
       WHERE "user_counter"."user_id" = :user_id ORDER BY "user_counter"."id", "counter_field"."id" """,
)

define(
    "user_counter_exists",
    'SELECT "id" FROM "user_counter" WHERE "user_id" = :user_id AND "counter_id" = :counter_id LIMIT 1',
)

define(
    "bump_event_seq",
    'UPDATE "office" SET "event_seq" = "event_seq" + :count WHERE "id" = :office_id RETURNING "event_seq"',
)

# --------------------------------------------------------------------------- issuing

define(
    "ticket_by_client_ref",
    'SELECT * FROM "ticket" WHERE "kiosk_id" = :kiosk_id AND "client_ref" = :client_ref',
    returns="ticket",
)

# The next number of a field for a day: an atomic upsert in the caller's transaction.
define(
    "next_number",
    """INSERT INTO "daily_sequence" ("field_id", "day", "last_number") VALUES (:field_id, :day, :number_start)
       ON CONFLICT ("field_id", "day") DO UPDATE SET "last_number" = "daily_sequence"."last_number" + 1
       RETURNING "last_number" """,
)

define(
    "insert_ticket",
    """INSERT INTO "ticket" ("office_id", "field_id", "issued_field_id", "day", "number", "display_number",
       "priority_id", "state", "public_token", "arrival_at", "issued_at", "kiosk_id", "client_ref",
       "recall_count", "transfer_count", "note", "channel", "holder", "booked_slot")
       VALUES (:office_id, :field_id, :field_id, :day, :number, :display_number,
       :priority_id, 'waiting', :public_token, :now, :now, :kiosk_id, :client_ref, 0, 0, '',
       :channel, :holder, :booked_slot)
       RETURNING "id" """,
)

define(
    "insert_ticket_event",
    """INSERT INTO "ticket_event" ("ticket_id", "office_id", "kind", "from_state", "to_state", "counter_id",
       "user_id", "device_id", "at", "detail")
       VALUES (:ticket_id, :office_id, :kind, :from_state, :to_state, :counter_id, :user_id, :device_id, :at, :detail)""",
)

# --------------------------------------------------------------------------- calling

# What a counter's latest calls since a moment were (priority category, appointment slot), newest first:
# the runs rules.mixing counts.
define(
    "recent_call_lanes",
    """SELECT "ticket"."priority_id", "ticket"."booked_slot" FROM "ticket_event"
       JOIN "ticket" ON "ticket"."id" = "ticket_event"."ticket_id"
       WHERE "ticket_event"."counter_id" = :counter_id AND "ticket_event"."kind" = 'call'
       AND "ticket_event"."at" >= :since
       ORDER BY "ticket_event"."id" DESC LIMIT :limit""",
)

# The oldest waiting ticket a counter may call: of its fields (not sent to a named counter), or
# sent to it by name. Arrival order (then id) is the order of the index ticket_waiting_order, so
# the database walks the index and stops at the first match instead of sorting the list.
_WAITING_FOR_COUNTER = """SELECT * FROM "ticket" WHERE "office_id" = :office_id AND "day" = :day
    AND "state" = 'waiting'
    AND (("field_id" IN (SELECT "field_id" FROM "counter_field" WHERE "counter_id" = :counter_id)
          AND "target_counter_id" IS NULL) OR "target_counter_id" = :counter_id)"""
_ORDER = ' ORDER BY "arrival_at", "id" LIMIT 1'
define("pick_next_any", _WAITING_FOR_COUNTER + _ORDER, returns="ticket", lock=True)
define("pick_next_priority", _WAITING_FOR_COUNTER + ' AND "priority_id" IS NOT NULL' + _ORDER, returns="ticket",
       lock=True)
define("pick_next_ordinary", _WAITING_FOR_COUNTER + ' AND "priority_id" IS NULL' + _ORDER, returns="ticket",
       lock=True)
# The lanes of rules.mixing: appointments checked in on time (by slot, then arrival), walk-ins without
# a priority category, and everyone but those appointments (priority turned off).
define("pick_next_booked", _WAITING_FOR_COUNTER + ' AND "booked_slot" IS NOT NULL'
       ' ORDER BY "booked_slot", "arrival_at", "id" LIMIT 1', returns="ticket", lock=True)
define("pick_next_walkin", _WAITING_FOR_COUNTER + ' AND "priority_id" IS NULL AND "booked_slot" IS NULL' + _ORDER,
       returns="ticket", lock=True)
define("pick_next_unbooked", _WAITING_FOR_COUNTER + ' AND "booked_slot" IS NULL' + _ORDER, returns="ticket",
       lock=True)

# Take a waiting ticket for a counter; no row when another counter took it first.
define(
    "take_ticket",
    """UPDATE "ticket" SET "state" = 'called', "counter_id" = :counter_id, "called_at" = :now,
       "clerk_id" = :clerk_id, "target_counter_id" = NULL
       WHERE "id" = :ticket_id AND "state" = 'waiting' RETURNING *""",
    returns="ticket",
)

define(
    "counter_active_ticket",
    """SELECT * FROM "ticket" WHERE "counter_id" = :counter_id AND "state" IN ('called', 'serving')
       ORDER BY "called_at" DESC LIMIT 1""",
    returns="ticket",
)

# --------------------------------------------------------------------------- transitions
# Each moves a ticket only from the states it allows (no row otherwise) and returns the new row.

define(
    "start_ticket",
    """UPDATE "ticket" SET "state" = 'serving', "started_at" = :now
       WHERE "id" = :ticket_id AND "state" = 'called' RETURNING *""",
    returns="ticket",
)
define(
    "finish_ticket",
    """UPDATE "ticket" SET "state" = 'done', "started_at" = COALESCE("started_at", "called_at"),
       "finished_at" = :now, "clerk_id" = COALESCE(:clerk_id, "clerk_id")
       WHERE "id" = :ticket_id AND "state" IN ('called', 'serving') RETURNING *""",
    returns="ticket",
)
define(
    "no_show_ticket",
    """UPDATE "ticket" SET "state" = 'no_show' WHERE "id" = :ticket_id AND "state" = 'called' RETURNING *""",
    returns="ticket",
)
define(
    "cancel_ticket",
    """UPDATE "ticket" SET "state" = 'cancelled'
       WHERE "id" = :ticket_id AND "state" IN ('waiting', 'called', 'serving') RETURNING *""",
    returns="ticket",
)
define(
    "reactivate_ticket",
    """UPDATE "ticket" SET "state" = 'waiting', "counter_id" = NULL, "called_at" = NULL
       WHERE "id" = :ticket_id AND "state" = 'no_show' RETURNING *""",
    returns="ticket",
)

# --------------------------------------------------------------------------- figures
# Counts over a field's waiting tickets walk the index ticket_field_waiting (field, state, day, ...).

_FIELD_WAITING = """SELECT COUNT(*) FROM "ticket" WHERE "field_id" = :field_id AND "state" = 'waiting'
    AND "day" = :day"""
define("field_waiting", _FIELD_WAITING)
# The walk-ins of a field (no priority, no on-time appointment) that wait behind a given (arrival, id).
define(
    "field_waiting_behind",
    _FIELD_WAITING + """ AND "priority_id" IS NULL AND "booked_slot" IS NULL
       AND ("arrival_at" > :arrival_at OR ("arrival_at" = :arrival_at AND "id" > :ticket_id))""",
)
# The tickets of a field that wait ahead of an on-time appointment: every priority ticket, and the
# appointments before it by (slot, arrival, id).
define(
    "booked_ahead",
    _FIELD_WAITING + """ AND ("priority_id" IS NOT NULL OR "booked_slot" < :booked_slot
       OR ("booked_slot" = :booked_slot AND ("arrival_at" < :arrival_at
           OR ("arrival_at" = :arrival_at AND "id" < :ticket_id))))""",
)
# The priority tickets of a field that wait ahead of a given (arrival, id).
define(
    "priority_ahead",
    _FIELD_WAITING + """ AND "priority_id" IS NOT NULL
       AND ("arrival_at" < :arrival_at OR ("arrival_at" = :arrival_at AND "id" < :ticket_id))""",
)
define(
    "waiting_counts",
    """SELECT "field_id", COUNT(*) FROM "ticket" WHERE "office_id" = :office_id AND "day" = :day
       AND "state" = 'waiting' GROUP BY "field_id" """,
)
define(
    "open_counters_by_field",
    """SELECT "counter_field"."field_id", COUNT(*) FROM "counter_field"
       JOIN "counter" ON "counter"."id" = "counter_field"."counter_id"
       WHERE "counter"."office_id" = :office_id AND "counter"."state" = 'open'
       GROUP BY "counter_field"."field_id" """,
)
