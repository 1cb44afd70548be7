"""Engine room, hot SQL: every named statement binds exactly the parameters it declares, and each
parameter decides the result, on SQLite and on PostgreSQL.

One database per dialect is seeded once with rows whose ids fall in distinct ranges (offices 11-,
fields 21-, counters 31-, users 41-, devices 51-, categories 61-, tickets 101-, events 201-), so no
two parameters share a value. For every statement a case gives good parameters, the result they
must give, and for each parameter another valid value. The test runs the statement in a
transaction it rolls back and compares what it returned and what it left in the tables:
- the good parameters give the expected result;
- each parameter changed alone gives a different outcome (a parameter the SQL ignores fails);
- each pair of parameters swapped gives a different outcome or a refusal by the database (what a
  placeholder bound to the wrong value does: the bug where call-next answered queue_empty);
- a missing or an extra name is refused before anything runs.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import itertools

import peewee
import pytest

import migrations
import models
import statements
from conftest import fresh_pg_database
from models import (Counter, CounterField, DailySequence, Device, Field, Office, PriorityCategory, Ticket, TicketEvent,
                    User, UserCounter, StaffSession, BookingSettings)

D = dt.date(2026, 11, 27)  # the business day of the seeded queue
D0 = D - dt.timedelta(days=1)
D1 = D + dt.timedelta(days=1)  # a day of appointments (rules.mixing's lanes), apart from the queue of D
T = dt.datetime(2026, 11, 27, 2, 0)  # 09:00 in Hà Nội


def m(minutes: float) -> dt.datetime:
    """T plus some minutes."""
    return T + dt.timedelta(minutes=minutes)


def _ticket(tid, field, office=11, state="waiting", day=D, arrival=0.0, priority=None, counter=None, target=None,
            kiosk=None, client_ref=None, called=None, started=None, clerk=None, booked=None):
    """One seeded ticket with an explicit id (``booked``: an on-time appointment's slot, in minutes)."""
    Ticket.create(id=tid, office=office, field=field, issued_field=field, day=day, number=tid, display_number=str(tid),
                  priority=priority, state=state, public_token=f"tok-{tid}", arrival_at=m(arrival), issued_at=m(arrival),
                  counter=counter, target_counter=target, kiosk=kiosk, client_ref=client_ref,
                  called_at=m(called) if called is not None else None,
                  started_at=m(started) if started is not None else None, clerk=clerk,
                  booked_slot=m(booked) if booked is not None else None)


def seed() -> None:
    """Two offices, their fields, counters, people, devices, categories, a queue and call events."""
    Office.create(id=11, name="UBND xã Một", event_seq=5)
    Office.create(id=12, name="UBND xã Hai", event_seq=9)
    Field.create(id=21, office=11, name="Hộ tịch", code="HT", number_start=1001)
    Field.create(id=22, office=11, name="Chứng thực", code="CT", number_start=2001)
    Field.create(id=23, office=12, name="Đất đai", code="DD", number_start=3001)
    for cid, office, state, field, cf in ((31, 11, "open", 21, 71), (32, 11, "open", 22, 72),
                                          (33, 11, "open", 21, 73), (34, 12, "open", 23, 74),
                                          (35, 11, "closed", 22, 75)):
        Counter.create(id=cid, office=office, number=cid, state=state)
        CounterField.create(id=cf, counter=cid, field=field)
    User.create(id=41, office=11, username="canbo41", role="clerk", password_hash="x")
    User.create(id=42, office=11, username="canbo42", role="clerk", password_hash="x")
    Device.create(id=51, office=11, kind="kiosk", token_hash="h51")
    Device.create(id=52, office=11, kind="kiosk", token_hash="h52")
    Device.create(id=53, office=11, kind="kiosk", token_hash="h53", revoked_at=m(-60))
    UserCounter.create(id=91, user=41, counter=31)
    Device.create(id=54, office=12, kind="display", token_hash="h54")
    StaffSession.create(id=92, user=41, key_hash="k41", password_fp="fp41", source="test", last_seen=m(0))
    StaffSession.create(id=93, user=42, key_hash="k42", password_fp="fp42", source="test", last_seen=m(0))
    BookingSettings.create(id=94, office=11, join_daily_limit=3)
    PriorityCategory.create(id=61, office=11, code="cao_tuoi", name="Người cao tuổi")
    PriorityCategory.create(id=62, office=11, code="khuyet_tat", name="Người khuyết tật")
    _ticket(101, 21, arrival=1, kiosk=51, client_ref="ref-a")
    _ticket(102, 21, arrival=2, priority=61, kiosk=52, client_ref="ref-a")
    _ticket(103, 21, arrival=3, kiosk=51, client_ref="ref-b")
    _ticket(104, 22, arrival=0)
    _ticket(105, 21, arrival=0.5, target=32)
    _ticket(106, 21, day=D0, arrival=-1440)
    _ticket(107, 23, office=12, arrival=0)
    _ticket(108, 21, state="called", counter=31, called=10, clerk=41, arrival=-5)
    _ticket(109, 21, state="serving", counter=33, called=8, started=9, arrival=-6)
    _ticket(110, 21, state="no_show", counter=31, called=7, arrival=-7)
    _ticket(111, 21, state="done", counter=31, called=6, started=6, arrival=-8)
    _ticket(112, 21, arrival=3)
    _ticket(113, 22, arrival=0.7, target=31)
    _ticket(114, 21, day=D0, arrival=-1439, priority=61)
    _ticket(115, 22, arrival=4, priority=61)
    _ticket(116, 21, arrival=6)
    _ticket(117, 21, arrival=5, priority=62)
    _ticket(118, 21, arrival=5, priority=61)
    # Day D1: appointments checked in on time (slot in minutes), walk-ins and priority tickets.
    _ticket(121, 21, day=D1, arrival=50, booked=60)
    _ticket(122, 21, day=D1, arrival=55, booked=30)
    _ticket(123, 21, day=D1, arrival=40)
    _ticket(124, 21, day=D1, arrival=35, priority=61)
    _ticket(125, 22, day=D1, arrival=30, booked=20)
    _ticket(126, 21, day=D1, arrival=45, priority=62)
    _ticket(127, 21, day=D1, arrival=50, booked=60)
    _ticket(128, 21, day=D1, arrival=40, booked=55)
    _ticket(129, 21, day=D1, arrival=48, booked=60)
    DailySequence.create(id=81, field=21, day=D, last_number=1012)
    DailySequence.create(id=82, field=22, day=D0, last_number=2007)
    for eid, ticket, counter, kind, minute in ((201, 114, 31, "call", 1), (202, 101, 31, "call", 2),
                                               (203, 102, 31, "call", 4), (204, 103, 31, "call", 5),
                                               (205, 103, 31, "recall", 6), (206, 104, 32, "call", 3),
                                               (207, 122, 31, "call", 5.5)):
        TicketEvent.create(id=eid, ticket=ticket, office=11, kind=kind, from_state="waiting", to_state="called",
                           counter=counter, at=m(minute))


@dataclasses.dataclass
class Case:
    """Good parameters, the check their outcome must pass, and another valid value per parameter."""

    params: dict
    expect: object  # callable(returned rows, tables after) -> bool
    other: dict


def returned_ids(rows):
    """The first column of every returned row."""
    return [row[0] for row in rows]


def ticket_row(tables, tid):
    """The ticket table's row of an id, as a dict, after the statement."""
    return tables["ticket"].get(tid)


CASES = {
    "office_by_id": Case({"id": 11}, lambda r, t: returned_ids(r) == [11], {"id": 12}),
    "field_by_id": Case({"id": 21}, lambda r, t: returned_ids(r) == [21], {"id": 22}),
    "counter_by_id": Case({"id": 31}, lambda r, t: returned_ids(r) == [31], {"id": 32}),
    "ticket_by_id": Case({"id": 101}, lambda r, t: returned_ids(r) == [101], {"id": 102}),
    "user_by_id": Case({"id": 41}, lambda r, t: returned_ids(r) == [41], {"id": 42}),
    "priority_category_by_id": Case({"id": 61}, lambda r, t: returned_ids(r) == [61], {"id": 62}),
    "counter_field_ids": Case({"counter_id": 31}, lambda r, t: r == [(21,)], {"counter_id": 32}),
    "bump_event_seq": Case(
        {"office_id": 11, "count": 3},
        lambda r, t: r == [(8,)] and t["office"][11]["event_seq"] == 8 and t["office"][12]["event_seq"] == 9,
        {"office_id": 12, "count": 4},
    ),
    "device_by_token": Case({"token_hash": "h51"}, lambda r, t: returned_ids(r) == [51], {"token_hash": "h52"}),
    "staff_session_by_key": Case(
        {"key_hash": "k41", "user_id": 41}, lambda r, t: returned_ids(r) == [92], {"key_hash": "k42", "user_id": 42},
    ),
    "first_device_of_kind": Case({"kind": "kiosk"}, lambda r, t: r == [(51,)], {"kind": "display"}),
    "booking_settings_of_office": Case({"office_id": 11}, lambda r, t: returned_ids(r) == [94], {"office_id": 12}),
    "user_counters_and_fields": Case({"user_id": 41}, lambda r, t: r == [(31, 21)], {"user_id": 42}),
    "user_counter_exists": Case(
        {"user_id": 41, "counter_id": 31}, lambda r, t: r == [(91,)], {"user_id": 42, "counter_id": 33},
    ),
    "ticket_by_client_ref": Case(
        {"kiosk_id": 51, "client_ref": "ref-a"}, lambda r, t: returned_ids(r) == [101],
        {"kiosk_id": 52, "client_ref": "ref-b"},
    ),
    "next_number": Case(
        {"field_id": 22, "day": D, "number_start": 2001},
        lambda r, t: r == [(2001,)] and sum(1 for s in t["daily_sequence"].values() if s["last_number"] == 2001) == 1,
        {"field_id": 21, "day": D0, "number_start": 5001},
    ),
    "insert_ticket": Case(
        {"office_id": 11, "field_id": 21, "day": D, "number": 1099, "display_number": "A099", "priority_id": 61,
         "public_token": "tok-new", "now": m(20), "kiosk_id": 51, "client_ref": "ref-new", "channel": "phone",
         "holder": "holder-1", "booked_slot": m(25)},
        lambda r, t: len(r) == 1 and {k: v for k, v in ticket_row(t, r[0][0]).items() if k in (
            "office_id", "field_id", "issued_field_id", "number", "display_number", "priority_id", "state",
            "public_token", "kiosk_id", "client_ref", "counter_id", "channel", "holder")} == {
            "office_id": 11, "field_id": 21, "issued_field_id": 21, "number": 1099, "display_number": "A099",
            "priority_id": 61, "state": "waiting", "public_token": "tok-new", "kiosk_id": 51,
            "client_ref": "ref-new", "counter_id": None, "channel": "phone", "holder": "holder-1"}
        and ticket_row(t, r[0][0])["booked_slot"] is not None,
        {"office_id": 12, "field_id": 22, "day": D0, "number": 1098, "display_number": "A098", "priority_id": 62,
         "public_token": "tok-other", "now": m(21), "kiosk_id": 52, "client_ref": "ref-other",
         "channel": "appointment", "holder": "holder-2", "booked_slot": m(26)},
    ),
    "insert_ticket_event": Case(
        {"ticket_id": 101, "office_id": 11, "kind": "call", "from_state": "waiting", "to_state": "called",
         "counter_id": 31, "user_id": 41, "device_id": 51, "at": m(30), "detail": {"chosen": True}},
        lambda r, t: len(t["ticket_event"]) == 8 and [
            (e["ticket_id"], e["office_id"], e["kind"], e["from_state"], e["to_state"], e["counter_id"],
             e["user_id"], e["device_id"]) for e in t["ticket_event"].values() if e["id"] not in range(201, 208)
        ] == [(101, 11, "call", "waiting", "called", 31, 41, 51)],
        {"ticket_id": 102, "office_id": 12, "kind": "recall", "from_state": "called", "to_state": "serving",
         "counter_id": 32, "user_id": 42, "device_id": 52, "at": m(31), "detail": {"chosen": False}},
    ),
    # Newest first since 09:01:30: the calls at :05:30 (an on-time appointment), :05 (ordinary), :04 (priority).
    "recent_call_lanes": Case(
        {"counter_id": 31, "since": m(1.5), "limit": 3},
        lambda r, t: [(p, s is not None) for p, s in r] == [(None, True), (None, False), (61, False)],
        {"counter_id": 32, "since": m(4.5), "limit": 2},
    ),
    # Counter 31 serves field 21 and was sent 113 (field 22) by name; 105 was sent to counter 32.
    "pick_next_any": Case(
        {"office_id": 11, "day": D, "counter_id": 31}, lambda r, t: returned_ids(r) == [113],
        {"office_id": 12, "day": D0, "counter_id": 32},
    ),
    "pick_next_priority": Case(
        {"office_id": 11, "day": D, "counter_id": 31}, lambda r, t: returned_ids(r) == [102],
        {"office_id": 12, "day": D0, "counter_id": 32},
    ),
    "pick_next_ordinary": Case(
        {"office_id": 11, "day": D, "counter_id": 31}, lambda r, t: returned_ids(r) == [113],
        {"office_id": 12, "day": D0, "counter_id": 33},
    ),
    # Day D1, counter 31 (field 21): appointments by slot (122 at :30 before 128 at :55 and 121, 127 at 10:00),
    # walk-ins without priority (123), everyone but those appointments (124 arrived first); 125 is field 22's.
    **{name: Case({"office_id": 11, "day": D1, "counter_id": 31}, lambda r, t, first=first: returned_ids(r) == [first],
                  {"office_id": 12, "day": D, "counter_id": 32})
       for name, first in (("pick_next_booked", 122), ("pick_next_walkin", 123), ("pick_next_unbooked", 124))},
    "take_ticket": Case(
        {"ticket_id": 101, "counter_id": 31, "clerk_id": 41, "now": m(40)},
        lambda r, t: returned_ids(r) == [101] and (ticket_row(t, 101)["state"], ticket_row(t, 101)["counter_id"],
                                                   ticket_row(t, 101)["clerk_id"]) == ("called", 31, 41),
        {"ticket_id": 108, "counter_id": 32, "clerk_id": 42, "now": m(41)},
    ),
    "counter_active_ticket": Case({"counter_id": 31}, lambda r, t: returned_ids(r) == [108], {"counter_id": 33}),
    "start_ticket": Case(
        {"ticket_id": 108, "now": m(50)},
        lambda r, t: returned_ids(r) == [108] and ticket_row(t, 108)["state"] == "serving",
        {"ticket_id": 109, "now": m(51)},
    ),
    "finish_ticket": Case(
        {"ticket_id": 109, "now": m(60), "clerk_id": 41},
        lambda r, t: returned_ids(r) == [109] and (ticket_row(t, 109)["state"], ticket_row(t, 109)["clerk_id"]) == (
            "done", 41),
        {"ticket_id": 101, "now": m(61), "clerk_id": 42},
    ),
    "no_show_ticket": Case({"ticket_id": 108}, lambda r, t: ticket_row(t, 108)["state"] == "no_show",
                           {"ticket_id": 109}),
    "cancel_ticket": Case({"ticket_id": 101}, lambda r, t: ticket_row(t, 101)["state"] == "cancelled",
                          {"ticket_id": 111}),
    "reactivate_ticket": Case({"ticket_id": 110}, lambda r, t: (ticket_row(t, 110)["state"],
                                                                ticket_row(t, 110)["counter_id"]) == ("waiting", None),
                              {"ticket_id": 101}),
    # Field 21 on day D: 101, 102, 103, 105, 112, 116, 117, 118 wait.
    "field_waiting": Case({"field_id": 21, "day": D}, lambda r, t: r == [(8,)], {"field_id": 22, "day": D0}),
    # Ordinary tickets of field 21 behind 103 (09:03): 112 (same minute, higher id) and 116.
    "field_waiting_behind": Case(
        {"field_id": 21, "day": D, "arrival_at": m(3), "ticket_id": 103}, lambda r, t: r == [(2,)],
        {"field_id": 22, "day": D0, "arrival_at": m(1), "ticket_id": 112},
    ),
    # Priority tickets of field 21 ahead of 118 (09:05): 102 and 117 (same minute, lower id).
    "priority_ahead": Case(
        {"field_id": 21, "day": D, "arrival_at": m(5), "ticket_id": 118}, lambda r, t: r == [(2,)],
        {"field_id": 22, "day": D0, "arrival_at": m(3), "ticket_id": 117},
    ),
    # Ahead of appointment 121 (slot 10:00, came 09:50): priority 124 and 126, appointments 122 (:30),
    # 128 (:55) and 129 (10:00, came 09:48); 127 has the same slot and arrival but a higher id.
    "booked_ahead": Case(
        {"field_id": 21, "day": D1, "booked_slot": m(60), "arrival_at": m(50), "ticket_id": 121},
        lambda r, t: r == [(5,)],
        {"field_id": 22, "day": D, "booked_slot": m(30), "arrival_at": m(51), "ticket_id": 130},
    ),
    "waiting_counts": Case({"office_id": 11, "day": D}, lambda r, t: sorted(r) == [(21, 8), (22, 3)],
                           {"office_id": 12, "day": D0}),
    # Counters 31 and 33 serve field 21, 32 serves 22 (35 is closed).
    "open_counters_by_field": Case({"office_id": 11}, lambda r, t: sorted(r) == [(21, 2), (22, 1)],
                                   {"office_id": 12}),
}

SNAPSHOT = ("ticket", "ticket_event", "daily_sequence", "office")  # the tables a statement may write


def tables_now() -> dict:
    """Every row of the tables a statement may write, by table and id, as plain dicts."""
    found = {}
    for table in SNAPSHOT:
        cursor = models.db.execute_sql(f'SELECT * FROM "{table}" ORDER BY "id"')
        names = [c[0] for c in cursor.description]
        found[table] = {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}
    return found


def outcome(name: str, params: dict):
    """What a statement returns and leaves in the tables, or how the database refused it; rolled back."""
    if not statements.is_sqlite():
        # Sequences do not roll back: start them at the same value before every run, so a new
        # row's id is the same in every outcome compared.
        for table in ("ticket", "ticket_event", "daily_sequence"):
            models.db.execute_sql(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), 1000, false)")
    try:
        with models.db.atomic() as txn:
            cursor = statements.execute(name, **params)
            returned = cursor.fetchall() if cursor.description else []
            after = tables_now()
            txn.rollback()
    except peewee.PeeweeException as exc:
        return ("refused", type(exc).__name__)
    return returned, after


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def seeded(request, tmp_path_factory):
    """A database of each dialect with the rows above (module scope: every case reads the same rows)."""
    previous = models.db.obj
    with contextlib.ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path_factory.mktemp('statements') / 'seeded.db'}"
        else:
            url = stack.enter_context(fresh_pg_database())
        database = models.make_database(url)
        models.db.initialize(database)
        migrations.upgrade()
        with models.connection():
            seed()
        yield database
        models.db.initialize(database)
        database.close_all()
    models.db.initialize(previous)


@pytest.fixture
def on(seeded):
    """The seeded database bound and connected for one test."""
    models.db.initialize(seeded)
    with models.connection():
        yield seeded


def test_every_statement_has_a_case_naming_exactly_its_parameters():
    assert sorted(CASES) == sorted(statements.STATEMENTS)
    for name, case in CASES.items():
        assert set(case.params) == statements.STATEMENTS[name].params == set(case.other), name


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_missing_or_an_extra_name_is_refused_before_anything_runs(name):
    statement = statements.STATEMENTS[name]
    params = CASES[name].params
    for dialect in statements.DIALECTS:
        text = statement.text(dialect)
        placeholder = "?" if dialect == "sqlite" else "%s"
        assert text.count(placeholder) == len(statement.bind(params, dialect)), (name, dialect)
        for missing in params:
            with pytest.raises(TypeError, match=missing):
                statement.bind({k: v for k, v in params.items() if k != missing}, dialect)
        with pytest.raises(TypeError, match="surplus"):
            statement.bind({**params, "surplus": 1}, dialect)


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_parameter_decides_the_result(on, name):
    case = CASES[name]
    good = outcome(name, case.params)
    assert good[0] != "refused", good
    assert case.expect(*good), (name, good[0])
    for param, value in case.other.items():
        changed = outcome(name, {**case.params, param: value})
        assert changed != good, f"{name}: changing {param} alone did not change the outcome"
    for a, b in itertools.combinations(sorted(case.params), 2):
        swapped = outcome(name, {**case.params, a: case.params[b], b: case.params[a]})
        assert swapped != good, f"{name}: swapping {a} and {b} did not change the outcome"


def test_a_revoked_device_token_finds_nothing(on):
    assert statements.one("device_by_token", token_hash="h52").id == 52
    assert statements.one("device_by_token", token_hash="h53") is None


def test_dialect_details_stay_in_the_statement_text():
    pick = statements.STATEMENTS["pick_next_any"]
    assert pick.text("postgresql").endswith("FOR UPDATE SKIP LOCKED")
    assert "FOR UPDATE" not in pick.text("sqlite")
    literal = statements.define("test_literal", "SELECT ':not_a_param', '50%' WHERE 1 = :one")
    try:
        assert literal.params == {"one"}
        assert literal.text("sqlite") == "SELECT ':not_a_param', '50%' WHERE 1 = ?"
        assert literal.text("postgresql") == "SELECT ':not_a_param', '50%%' WHERE 1 = %s"
    finally:
        del statements.STATEMENTS["test_literal"]


def test_dates_and_json_are_adapted_per_dialect():
    insert = statements.STATEMENTS["insert_ticket_event"]
    params = dict(CASES["insert_ticket_event"].params)
    sqlite_values = dict(zip(insert.texts["sqlite"][1], insert.bind(params, "sqlite"), strict=True))
    postgres_values = dict(zip(insert.texts["postgresql"][1], insert.bind(params, "postgresql"), strict=True))
    assert sqlite_values["at"] == "2026-11-27 02:30:00" and postgres_values["at"] == m(30)
    assert sqlite_values["detail"] == postgres_values["detail"] == '{"chosen": true}'
