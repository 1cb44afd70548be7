"""Live protocol v2, snapshots: each role gets what it needs and no more, and a snapshot costs
the same number of queries with 5 or 200 people waiting (a counting wrapper around the database's
``execute_sql``, which every peewee query goes through)."""

import contextlib

import pytest

import models
import realtime
from conftest import make_device, make_ticket
from models import Office


@contextlib.contextmanager
def counting_queries():
    """Count the SQL statements run inside the block: ``with counting_queries() as n: ...; n[0]``."""
    database = models.db.obj
    original = database.execute_sql
    count = [0]

    def counted(sql, params=None, *args, **kwargs):
        count[0] += 1
        return original(sql, params, *args, **kwargs)

    database.execute_sql = counted
    try:
        yield count
    finally:
        database.execute_sql = original


def busy(office, waiting: int, api):
    """``waiting`` tickets in both fields (every 7th a priority one), one served per counter."""
    for i in range(waiting):
        make_ticket(office.f1 if i % 2 else office.f2, priority="cao_tuoi" if i % 7 == 0 else None)
    for counter in (office.c1, office.c2):
        api("canbo1" if counter == office.c1 else "canbo2").post(f"/api/counters/{counter.id}/call-next")


ROLES = ("staff", "leaders", "display", "kiosk", "public")


@pytest.mark.parametrize("role", ROLES + ("tablet",))
def test_a_snapshot_costs_the_same_queries_with_5_or_200_waiting(app, office, api, role):
    busy(office, 5, api)
    with counting_queries() as few:
        small = realtime.snapshot(office.office.id, role, office.c1.id)
    busy(office, 195, api)
    with counting_queries() as many:
        large = realtime.snapshot(office.office.id, role, office.c1.id)
    assert many[0] == few[0] <= 20, (few[0], many[0])
    if role in ("staff", "leaders"):
        assert (len(small["waiting"]), len(large["waiting"])) == (3, 198)


def test_the_staff_snapshot_was_built_one_ticket_at_a_time_before(app, office, api):
    """The bound above is not loose: building the waiting list without preloaded rows costs a
    query per ticket (the field, and the category of each priority ticket)."""
    busy(office, 200, api)
    office_row = Office.get_by_id(office.office.id)
    with counting_queries() as naive:
        [realtime.ticket_payload(t) for t in models.Ticket.select().where(models.Ticket.state == "waiting")]
    with counting_queries() as snap:
        realtime.snapshot(office_row.id, "staff")
    assert naive[0] >= 198 > 20 >= snap[0]


def test_each_role_gets_its_own_parts(app, office, api):
    busy(office, 3, api)
    keys = {role: set(realtime.snapshot(office.office.id, role, office.c1.id)) for role in ROLES + ("tablet",)}
    base = {"seq", "role", "office"}
    assert keys["kiosk"] == base | {"fields", "opening", "categories"}
    assert keys["tablet"] == base | {"counters", "pending"}
    assert keys["display"] == base | {"fields", "counters", "recent_calls", "voice"}
    assert keys["public"] == base | {"fields", "counters", "recent_calls"}
    assert keys["staff"] == keys["leaders"] == base | {"fields", "opening", "counters", "waiting", "printers"}


def test_the_kiosk_gets_the_priority_categories_so_it_needs_no_second_request(app, office):
    snap = realtime.snapshot(office.office.id, "kiosk")
    assert snap["categories"] == [{"code": "cao_tuoi", "name": "Người cao tuổi", "name_en": "", "icon": ""}]


def test_a_tablet_gets_only_its_counter_and_the_rating_it_should_ask(app, office, api):
    ticket = make_ticket(office.f1)
    clerk = api("canbo1")
    assert clerk.post(f"/api/counters/{office.c1.id}/open").status_code == 200  # the clerk takes the counter
    clerk.post(f"/api/counters/{office.c1.id}/call-next")
    clerk.post(f"/api/tickets/{ticket.id}/finish")
    snap = realtime.snapshot(office.office.id, "tablet", office.c1.id)
    [counter] = snap["counters"]
    assert (counter["id"], counter["clerk_name"]) == (office.c1.id, "Trần Thị Hoa")
    assert (snap["pending"]["ticket_id"], snap["pending"]["counter_id"]) == (ticket.id, office.c1.id)
    other = realtime.snapshot(office.office.id, "tablet", office.c2.id)
    assert other["pending"] is None and [c["id"] for c in other["counters"]] == [office.c2.id]


def test_the_staff_snapshot_matches_the_payloads_built_one_by_one(app, office, api):
    busy(office, 12, api)
    clerk = api("canbo1")
    ticket = clerk.get("/api/tickets?state=waiting").get_json()["tickets"][0]
    clerk.post(f"/api/tickets/{ticket['id']}/transfer", json={"counter": office.c2.id, "note": "Ghi chú"})
    snap = realtime.snapshot(office.office.id, "staff")
    waiting = (
        models.Ticket.select()
        .where(models.Ticket.state == "waiting")
        .order_by(models.Ticket.priority.is_null(), models.Ticket.arrival_at, models.Ticket.id)
    )
    assert snap["waiting"] == [realtime.ticket_payload(t) for t in waiting]
    counters = models.Counter.select().where(models.Counter.office == office.office.id).order_by(models.Counter.number)
    assert snap["counters"] == [realtime.counter_payload(c) for c in counters]


def test_the_api_snapshot_answers_a_device_with_its_roles_snapshot(app, office, api):
    make_ticket(office.f1)
    kiosk = api(device=office.kiosk_token).get("/api/snapshot").get_json()
    assert kiosk["role"] == "kiosk" and "waiting" not in kiosk
    display = api(device=office.display_token).get("/api/snapshot").get_json()
    assert display["role"] == "display" and "waiting" not in display
    _, tablet_token = make_device(office.office, "tablet", counter=office.c2)
    tablet = api(device=tablet_token).get("/api/snapshot").get_json()
    assert [c["id"] for c in tablet["counters"]] == [office.c2.id]
    staff = api("canbo1").get("/api/snapshot").get_json()
    assert staff["role"] == "staff" and [t["number"] for t in staff["waiting"]] == ["1001"]


def test_every_snapshot_names_the_offices_time_zone(app, office):
    """Screens show times in the office's zone whatever the PC's: the zone comes with the office."""
    Office.update(timezone="Asia/Tokyo").where(Office.id == office.office.id).execute()
    for role in ("staff", "leaders", "display", "kiosk", "tablet", "public"):
        assert realtime.snapshot(office.office.id, role, office.c1.id)["office"]["timezone"] == "Asia/Tokyo", role
