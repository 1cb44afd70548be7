"""Ratings room tests: the national index by dossier (QĐ 766) over a generated quarter, checked
against a brute-force count of the stored rows, per office, field, clerk and month; visits just
outside the quarter must not count."""

import datetime as dt
import random

import pytest

import ticketing
from models import Dossier, DossierRating, Office, RatingSettings
from reports import compute, dossier_index
from tests.conftest import make_ticket

QUARTER = compute.quarter_period(2025, 3)  # July - September 2025
BAD_WORDS = ("Không hài lòng", "Rất không hài lòng")  # the Không hài lòng group on the 5-level scale
WORDS = ("Rất không hài lòng", "Không hài lòng", "Bình thường", "Hài lòng", "Rất hài lòng")  # levels 1..5


def local_noon(office, day):
    """Naive UTC of 09:00 on ``day`` in the office's zone (mid-morning: a visit of that business day)."""
    return ticketing.day_start_utc(office, day) + dt.timedelta(hours=9)


def visit(office, bag, day, rng, codes_seen, minute):
    """One visit on ``day``: 0-3 codes (some returned from earlier visits), rated or not."""
    at = local_noon(office, day) + dt.timedelta(minutes=minute)
    field, counter, clerk = rng.choice([(bag.f1, bag.c1, bag.clerk1), (bag.f2, bag.c2, bag.clerk2),
                                        (bag.f1, bag.c2, bag.clerk2)])
    ticket = make_ticket(field, now=at)
    ticketing.call_ticket(counter.id, ticket.id, user=clerk, now=at + dt.timedelta(seconds=30))
    for n in range(rng.choice((0, 1, 1, 2, 3))):
        if codes_seen and rng.random() < 0.15:
            code, kind = rng.choice(codes_seen), "return"  # a dossier whose result comes back later
        else:
            code, kind = f"000.00.15.H42-{day:%y%m%d}-{len(codes_seen) + 1:04d}", "receive"
            codes_seen.append(code)
        ticketing.add_dossier(ticket.id, code, kind, user=clerk, now=at + dt.timedelta(seconds=60 + n))
    ticketing.finish(ticket.id, user=clerk, now=at + dt.timedelta(seconds=300))
    if rng.random() < 0.7:
        level = rng.choice((1, 2, 3, 4, 4, 5, 5, 5))
        ticketing.rate(ticket.id, level, ["Khác"] if level <= 2 else [], counter_id=counter.id,
                       now=at + dt.timedelta(seconds=320))


@pytest.fixture
def quarter(office):
    """A generated quarter (and a few visits just before and after it, on the same codes)."""
    Office.update(rating_levels=5).where(Office.id == office.office.id).execute()
    RatingSettings.create(office=office.office.id, rate_later_days=0)
    o = Office.get_by_id(office.office.id)
    rng = random.Random(15)
    codes_seen = []
    day = QUARTER.start - dt.timedelta(days=2)
    while day <= QUARTER.end + dt.timedelta(days=2):
        for minute in range(0, 30 * rng.randint(1, 4), 30):
            visit(o, office, day, rng, codes_seen, minute)
        day += dt.timedelta(days=1)
    return o


def brute_force(rows) -> dict:
    """(dossiers, against, index %) from a list of (code, bad) pairs, counted by hand."""
    codes = {code for code, _bad in rows}
    against = {code for code, bad in rows if bad}
    return {"dossiers": len(codes), "against": len(against),
            "index_pct": round((len(codes) - len(against)) / len(codes) * 100, 2) if codes else None}


def test_the_index_matches_a_brute_force_count_over_the_quarter(quarter, office):
    rated = {r.dossier_id: WORDS[r.level - 1] in BAD_WORDS for r in DossierRating.select()}
    rows = [d for d in Dossier.select() if QUARTER.start <= d.day <= QUARTER.end]
    outside = [d for d in Dossier.select() if not QUARTER.start <= d.day <= QUARTER.end]
    assert len(rows) > 300 and outside and any(rated.values())  # a real quarter, with visits around it
    figures = dossier_index.index(quarter, QUARTER)

    def check(got, chosen):
        want = brute_force([(d.code, rated.get(d.id, False)) for d in chosen])
        assert {k: got[k] for k in want} == want

    check(figures["total"], rows)
    for field in (office.f1, office.f2):
        check(figures["field"][field.id], [d for d in rows if d.field_id == field.id])
    for clerk in (office.clerk1, office.clerk2):
        check(figures["clerk"][clerk.id], [d for d in rows if d.clerk_id == clerk.id])
    for month in (7, 8, 9):
        check(figures["month"][f"2025-{month:02d}"], [d for d in rows if d.day.month == month])


def test_an_unrated_dossier_counts_as_satisfied_and_only_bad_verdicts_subtract(quarter):
    figures = dossier_index.index(quarter, QUARTER)["total"]
    assert figures["unrated"] > 0 and figures["against"] > 0
    assert figures["index_pct"] == round((figures["dossiers"] - figures["against"]) / figures["dossiers"] * 100, 2)


def test_the_report_shows_the_index_beside_the_three_level_figures(quarter, office):
    report = compute.build_report(quarter, QUARTER)
    built = dossier_index.build(quarter, QUARTER, report)
    assert built["total"]["ratings"] == report["summary"]["ratings"]
    assert [row["name"] for row in built["by_clerk"]] == ["Lê Văn Bình", "Trần Thị Hoa"]  # the office's order
    assert [m["month"] for m in built["by_month"]] == ["2025-07", "2025-08", "2025-09"]
    assert sum(c["count"] for c in built["channels"]) == report["summary"]["ratings"]
    assert built["alerts"]["raised"] == built["alerts"]["open"] > 0
