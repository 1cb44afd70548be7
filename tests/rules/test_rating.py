"""Rules room, rating: the decided table of words, groups, low levels and satisfied ratings."""

import datetime as dt
from types import SimpleNamespace

import pytest

from rules import rating

# The lead's decision, written out once more on purpose: the module must say exactly this.
DECIDED = {
    2: ["Không hài lòng", "Hài lòng"],
    3: ["Không hài lòng", "Hài lòng", "Rất hài lòng"],
    4: ["Rất không hài lòng", "Không hài lòng", "Hài lòng", "Rất hài lòng"],
    5: ["Rất không hài lòng", "Không hài lòng", "Bình thường", "Hài lòng", "Rất hài lòng"],
}
GROUP_OF_WORD = {
    "Rất hài lòng": "very_satisfied",
    "Hài lòng": "satisfied",
    "Bình thường": "satisfied",
    "Không hài lòng": "dissatisfied",
    "Rất không hài lòng": "dissatisfied",
}


def test_scales_are_two_to_five_levels():
    """Offices choose among 2, 3, 4 and 5 levels."""
    assert rating.SCALES == (2, 3, 4, 5)


@pytest.mark.parametrize("scale", sorted(DECIDED))
def test_words_worst_first(scale):
    """Each scale has the decided words, level 1 = worst."""
    assert rating.words(scale) == DECIDED[scale]
    assert [rating.word(n, scale) for n in range(1, scale + 1)] == DECIDED[scale]


@pytest.mark.parametrize("scale", sorted(DECIDED))
def test_the_word_decides_group_low_and_satisfied(scale):
    """Group from the word; low exactly in Không hài lòng; satisfied exactly outside it."""
    for level, word in enumerate(DECIDED[scale], start=1):
        group = GROUP_OF_WORD[word]
        assert rating.group(level, scale) == group
        assert rating.is_low(level, scale) is (group == "dissatisfied")
        assert rating.is_satisfied(level, scale) is (group != "dissatisfied")
        assert rating.counts_against_index(level, scale) is (group == "dissatisfied")


def test_neutral_is_satisfied_not_low():
    """Level 3 of 5 ("Bình thường") is no complaint: not low, satisfied, Hài lòng group."""
    assert (rating.word(3, 5), rating.group(3, 5), rating.is_low(3, 5), rating.is_satisfied(3, 5)) == (
        "Bình thường", "satisfied", False, True)


@pytest.mark.parametrize("scale", sorted(DECIDED))
def test_levels_for_a_screen_best_first(scale):
    """A screen lists levels best first with both languages, the group and the low flag."""
    levels = rating.levels(scale)
    assert [lv["level"] for lv in levels] == list(range(scale, 0, -1))
    assert [lv["label"] for lv in levels] == DECIDED[scale][::-1]
    assert all(lv["label_en"] and lv["label_en"] != lv["label"] for lv in levels)
    assert [lv["low"] for lv in levels] == [GROUP_OF_WORD[w] == "dissatisfied" for w in DECIDED[scale][::-1]]


def test_english_words():
    """English words stand beside the Vietnamese ones."""
    assert [lv["label_en"] for lv in rating.levels(5)] == [
        "Very satisfied", "Satisfied", "Neutral", "Dissatisfied", "Very dissatisfied"]


def test_grouping_note_describes_every_scale():
    """The note printed under reports is written from the table."""
    assert rating.grouping_note() == (
        "thang 2 mức: 2 = Hài lòng, 1 = Không hài lòng; "
        "thang 3 mức: 3 = Rất hài lòng, 2 = Hài lòng, 1 = Không hài lòng; "
        "thang 4 mức: 4 = Rất hài lòng, 3 = Hài lòng, 1-2 = Không hài lòng; "
        'thang 5 mức: 5 = Rất hài lòng, 3-4 = Hài lòng (mức 3 "Bình thường" không phải phàn nàn), '
        "1-2 = Không hài lòng.")


def test_a_stored_scale_outside_the_table_is_read_by_position():
    """A report never fails on an odd stored scale: top = very satisfied, lower half dissatisfied."""
    assert [rating.group(n, 7) for n in range(1, 8)] == ["dissatisfied"] * 3 + ["satisfied"] * 3 + ["very_satisfied"]
    assert rating.word(2, 7) == "Mức 2/7" and rating.words(7)[0] == "Mức 1/7"


def test_rating_request_carries_the_window_left():
    """The tablet's request: ticket, scale, reasons and the seconds left to rate."""
    finished = dt.datetime(2026, 3, 2, 2, 0, 0)
    ticket = SimpleNamespace(id=7, display_number="1012", counter_id=3, finished_at=finished)
    office = SimpleNamespace(rating_window_s=60, rating_levels=5, rating_reasons=["Khác"])
    request = rating.rating_request(ticket, office, "Trần Thị Hoa", finished + dt.timedelta(seconds=15))
    assert request == {"ticket_id": 7, "number": "1012", "counter_id": 3, "clerk_name": "Trần Thị Hoa",
                       "window_s": 60, "remaining_s": 45, "levels": 5, "reasons": ["Khác"],
                       "finished_at": "2026-03-02T02:00:00Z"}
    late = rating.rating_request(ticket, office, None, finished + dt.timedelta(minutes=5))
    assert late["remaining_s"] == 0
