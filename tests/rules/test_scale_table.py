"""Rules room: the scale table test. Every screen, report, export and the province view agree
with ``rules.rating`` on every level of every scale (2, 3, 4 and 5 levels).

For each scale one office is rated today: level L by its own clerk, 5 x 2^(L-1) times (whole
batches of 5 reach a clerk's own figures; powers of two keep any wrong level visible in a
total). Then each surface is read the way its user reads it, over HTTP: the phone page's
config and buttons, the tablet's boot data and pending request, each clerk's own figures, the
report (JSON), the monitor, the Excel export read back with openpyxl, and the province view.
One test per scale reads every surface (building the day once); each check names its surface.
"""

import io
import json
import re

import openpyxl
import pytest

import ticketing
from conftest import make_counter, make_device, make_field, make_office, make_ticket, make_user
from models import Office
from rules import rating

BATCH = 5


def count_of(level: int) -> int:
    """How many ratings level ``level`` gets (a whole batch times a power of two)."""
    return BATCH * 2 ** (level - 1)


def page_json(response, element_id: str):
    """The JSON a page hands its script in <script type="application/json" id=...>."""
    html = response.get_data(as_text=True)
    match = re.search(rf'<script type="application/json" id="{element_id}">(.*?)</script>', html, re.S)
    assert match, html[:300]
    return json.loads(match.group(1))


def expected_levels(scale: int) -> list[tuple]:
    """(level, word, English word, group, low) best first, straight from the rules table."""
    return [(n, rating.word(n, scale), rating.word_en(n, scale), rating.group(n, scale), rating.is_low(n, scale))
            for n in range(scale, 0, -1)]


def as_tuples(levels: list[dict]) -> list[tuple]:
    """A surface's level list in the shape of expected_levels."""
    return [(lv["level"], lv["label"], lv["label_en"], lv["group"], lv["low"]) for lv in levels]


def rate_a_day(scale: int) -> dict:
    """An office on ``scale`` with today's ratings: level L by clerk L, count_of(L) times."""
    office = make_office(rating_levels=scale, rating_reasons=["Khác"])
    field = make_field(office)
    counter = make_counter(office, [field], number=1)
    clerks = {level: make_user(office, "clerk", [counter], username=f"muc{scale}_{level}",
                               full_name=f"Cán bộ mức {level}") for level in range(1, scale + 1)}
    for level, clerk in clerks.items():
        for _ in range(count_of(level)):
            ticket = make_ticket(field)
            ticketing.call_ticket(counter.id, ticket.id, user=clerk)
            ticketing.finish(ticket.id, user=clerk)
            ticketing.rate(ticket.id, level, source="phone")
    make_user(office, "admin", username=f"quantri{scale}")
    make_user(None, "province", username=f"tinh{scale}")
    return {"scale": scale, "office": Office.get_by_id(office.id), "field": field, "counter": counter,
            "clerks": clerks, "day": ticketing.business_day(office).isoformat()}


def satisfied_total(scale: int) -> int:
    """Ratings of the fixture that the rules call satisfied."""
    return sum(count_of(n) for n in range(1, scale + 1) if rating.is_satisfied(n, scale))


def check_phone_page(rated, client):
    """The citizen's phone page: its config and its buttons (words, low flag) follow the table."""
    ticket = make_ticket(rated["field"])
    response = client.get(f"/t/{ticket.public_token}")
    config = page_json(response, "phone-config")["rating"]
    assert config["scale"] == rated["scale"]
    assert as_tuples(config["levels"]) == expected_levels(rated["scale"])
    buttons = re.findall(r'data-level="(\d+)" data-low="([01])"[^>]*>([^<]+)</button>', response.get_data(as_text=True))
    assert [(int(n), low == "1", word) for n, low, word in buttons] == [
        (n, low, word) for n, word, _en, _group, low in expected_levels(rated["scale"])]


def check_tablet(rated, client, api):
    """The tablet's boot data has every scale as the table says; its pending request names the scale."""
    _device, token = make_device(rated["office"], "tablet", counter=rated["counter"])
    client.set_cookie("motcua_device", token)
    boot = page_json(client.get("/rating"), "rating-boot")
    assert boot["levels"] == rated["scale"]
    for scale in rating.SCALES:
        assert as_tuples(boot["scales"][str(scale)]) == expected_levels(scale)
    ticket = make_ticket(rated["field"])
    clerk = rated["clerks"][1]
    ticketing.call_ticket(rated["counter"].id, ticket.id, user=clerk)
    ticketing.finish(ticket.id, user=clerk)
    pending = api(device=token).get("/api/ratings/pending").get_json()["pending"]
    assert (pending["ticket_id"], pending["levels"]) == (ticket.id, rated["scale"])


def check_clerks_own_figures(rated, api):
    """Each clerk sees their ratings at their level, satisfied exactly when the rules say so."""
    scale = rated["scale"]
    for level, clerk in rated["clerks"].items():
        figures = api(clerk.username).get("/api/me/today").get_json()["ratings"]
        n = count_of(level)
        assert (figures["count"], figures["satisfied"]) == (n, n if rating.is_satisfied(level, scale) else 0), level
        assert figures["satisfied_pct"] == (100 if rating.is_satisfied(level, scale) else 0)
        assert [(lv["level"], lv["label"], lv["low"], lv["count"]) for lv in figures["levels"]] == [
            (m, word, low, n if m == level else 0) for m, word, _en, _g, low in expected_levels(scale)]


def check_report_and_monitor(rated, api):
    """The report's levels, groups, per-clerk rows and satisfied share, and the monitor's share."""
    scale = rated["scale"]
    admin = api(f"quantri{scale}")
    report = admin.get(f"/api/reports?period=day&date={rated['day']}").get_json()
    sat = report["satisfaction"]
    assert [(lv["scale"], lv["level"], lv["label"], lv["label_en"], lv["group"], lv["count"]) for lv in sat["levels"]] == [
        (scale, n, word, en, group, count_of(n)) for n, word, en, group, _low in expected_levels(scale)]
    for g in sat["groups"]:
        assert g["count"] == sum(count_of(n) for n in range(1, scale + 1) if rating.group(n, scale) == g["key"])
        assert g["label"] == rating.GROUP_WORDS[g["key"]]
    total = sum(count_of(n) for n in range(1, scale + 1))
    assert (report["summary"]["satisfied"], sat["ratings"]) == (satisfied_total(scale), total)
    rows = {row["name"]: row for row in report["by_clerk"]}
    for level in range(1, scale + 1):
        row = rows[f"Cán bộ mức {level}"]
        assert row["satisfaction"][rating.group(level, scale)]["count"] == count_of(level)
        assert row["satisfied_share"] == (1.0 if rating.is_satisfied(level, scale) else 0.0)
    today = admin.get("/api/reports/today").get_json()
    assert today["satisfied_share"] == pytest.approx(satisfied_total(scale) / total)


def check_excel_export(rated, api):
    """The Excel cells, read back: each level's word and group, each clerk's group counts."""
    scale = rated["scale"]
    admin = api(f"quantri{scale}")
    response = admin.get(f"/admin/reports/export.xlsx?period=day&date={rated['day']}")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    cells = [row for row in book["Mức đánh giá"].iter_rows(values_only=True) if row and isinstance(row[0], int)]
    assert [row[:5] for row in cells] == [
        (scale, n, word, rating.GROUP_WORDS[group], count_of(n)) for n, word, _en, group, _low in expected_levels(scale)]
    rows = {row[0]: row for row in book["Hài lòng"].iter_rows(values_only=True) if row and row[0]}
    for level in range(1, scale + 1):
        counts = rows[f"Cán bộ mức {level}"][2::2]  # count columns: very satisfied, satisfied, dissatisfied
        assert list(counts) == [count_of(level) if g == rating.group(level, scale) else 0 for g in rating.GROUPS]


def check_province_view(rated, api):
    """The province leader's figure for the office counts satisfied ratings as the rules do."""
    body = api(f"tinh{rated['scale']}").get("/api/province/summary").get_json()
    office = next(o for o in body["offices"] if o["id"] == rated["office"].id)
    total = sum(count_of(n) for n in range(1, rated["scale"] + 1))
    assert (office["rated"], office["satisfied"]) == (total, satisfied_total(rated["scale"]))


@pytest.mark.parametrize("scale", rating.SCALES, ids=lambda n: f"{n}-levels")
def test_every_surface_agrees_with_the_rules(scale, app, client, api):
    """Phone page, tablet, clerk figures, report and monitor, Excel and province view, in turn."""
    rated = rate_a_day(scale)
    check_phone_page(rated, client)
    check_tablet(rated, client, api)
    check_clerks_own_figures(rated, api)
    check_report_and_monitor(rated, api)
    check_excel_export(rated, api)
    check_province_view(rated, api)
