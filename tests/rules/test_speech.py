"""Rules room, speech: Vietnamese number words, the call sentence and its clip keys."""

import pytest

from rules import speech

NORTH = [
    (0, "không"),
    (4, "bốn"),
    (10, "mười"),
    (11, "mười một"),
    (14, "mười bốn"),
    (15, "mười lăm"),
    (20, "hai mươi"),
    (21, "hai mươi mốt"),
    (24, "hai mươi tư"),
    (25, "hai mươi lăm"),
    (31, "ba mươi mốt"),
    (100, "một trăm"),
    (104, "một trăm linh bốn"),
    (105, "một trăm linh năm"),
    (111, "một trăm mười một"),
    (115, "một trăm mười lăm"),
    (1000, "một nghìn"),
    (1001, "một nghìn không trăm linh một"),
    (1012, "một nghìn không trăm mười hai"),
    (1015, "một nghìn không trăm mười lăm"),
    (1021, "một nghìn không trăm hai mươi mốt"),
    (1100, "một nghìn một trăm"),
    (1105, "một nghìn một trăm linh năm"),
    (2024, "hai nghìn không trăm hai mươi tư"),
    (10005, "mười nghìn không trăm linh năm"),
    (21000, "hai mươi mốt nghìn"),
    (100000, "một trăm nghìn"),
    (999999, "chín trăm chín mươi chín nghìn chín trăm chín mươi chín"),
    (1000000, "một triệu"),
    (1000005, "một triệu không trăm linh năm"),
    (1005000, "một triệu không trăm linh năm nghìn"),
    (2000000000, "hai tỷ"),
]

SOUTH = [
    (24, "hai mươi bốn"),
    (105, "một trăm lẻ năm"),
    (1000, "một ngàn"),
    (1001, "một ngàn không trăm lẻ một"),
    (1012, "một ngàn không trăm mười hai"),
    (1021, "một ngàn không trăm hai mươi mốt"),
    (2024, "hai ngàn không trăm hai mươi bốn"),
    (10005, "mười ngàn không trăm lẻ năm"),
]


@pytest.mark.parametrize(("n", "words"), NORTH)
def test_number_to_words_north(n, words):
    """Northern reading follows DOMAIN.md."""
    assert speech.number_to_words(n) == words


@pytest.mark.parametrize(("n", "words"), SOUTH)
def test_number_to_words_south(n, words):
    """Southern reading says "ngàn", "lẻ" and "bốn" after "mươi"."""
    assert speech.number_to_words(n, "south") == words


@pytest.mark.parametrize("bad", [-1, speech.MAX_NUMBER + 1])
def test_number_out_of_range_is_refused(bad):
    """Numbers outside 0..MAX_NUMBER raise ValueError instead of being misread."""
    with pytest.raises(ValueError):
        speech.number_to_words(bad)


def test_unknown_region_is_refused():
    """A typo in the office's region setting fails loudly."""
    with pytest.raises(ValueError):
        speech.number_to_words(5, "central")


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("A012", "a mười hai"),
        ("B105", "bê một trăm linh năm"),
        ("C1", "xê một"),
        ("đ007", "đê bảy"),
        ("A000", "a không"),
        ("L-24", "e-lờ hai mươi tư"),
        ("XY 3", "ích-xì i dài ba"),
        ("1012", "một nghìn không trăm mười hai"),
    ],
)
def test_ticket_number_words(code, words):
    """Letters are read by name, digits as one number without leading zeros."""
    assert speech.ticket_number_words(code) == words


@pytest.mark.parametrize("bad", ["", "A?1", "---"])
def test_unreadable_ticket_number_is_refused(bad):
    """A code with nothing readable, or a character with no name, raises ValueError."""
    with pytest.raises(ValueError):
        speech.ticket_number_words(bad)


def test_call_sentence_keeps_digits():
    """The on-screen sentence shows the ticket and counter as printed."""
    assert speech.call_sentence("A012", 2) == "Mời công dân có số thứ tự A012 đến quầy số 2"
    assert speech.call_sentence(1012, "2") == "Mời công dân có số thứ tự 1012 đến quầy số 2"


def test_call_announcement_carries_text_words_and_clips():
    """One call gives the sentence, the same sentence in words, and the clips to play."""
    call = speech.call_announcement("1001", 14, "south")
    assert call == {
        "text": "Mời công dân có số thứ tự 1001 đến quầy số 14",
        "words": "Mời công dân có số thứ tự một ngàn không trăm lẻ một đến quầy số mười bốn",
        "clips": speech.announcement_clips("1001", 14, "south"),
        "region": "south",
    }


def test_call_announcement_of_an_unreadable_code_is_shown_silently():
    """A code with a character the voice cannot read is still shown, with nothing to speak."""
    call = speech.call_announcement("A?1", 2)
    assert call["text"] == "Mời công dân có số thứ tự A?1 đến quầy số 2"
    assert call["words"] == "" and call["clips"] == []


def test_announcement_words_north():
    """The spoken sentence reads numbers in words."""
    assert speech.announcement_words("1012", 2) == (
        "Mời công dân có số thứ tự một nghìn không trăm mười hai đến quầy số hai"
    )


def test_announcement_words_south():
    """The southern sentence uses the southern words."""
    assert speech.announcement_words("1001", 14, "south") == (
        "Mời công dân có số thứ tự một ngàn không trăm lẻ một đến quầy số mười bốn"
    )


def test_announcement_clips_order():
    """Clips play chime, phrase, number, phrase, counter."""
    assert speech.announcement_clips("1012", 2) == [
        "chime",
        "moi_cong_dan_co_so_thu_tu",
        "mot",
        "nghin",
        "khong",
        "tram",
        "muoi",
        "hai",
        "den_quay_so",
        "hai",
    ]


@pytest.mark.parametrize("region", speech.REGIONS)
def test_clips_speak_the_same_words_as_the_synthesiser(region):
    """Joining the clip texts gives exactly announcement_words."""
    keys = speech.announcement_clips("B2024", 31, region)[1:]
    spoken = " ".join(speech.clip_text(key, region) for key in keys)
    assert spoken[0].upper() + spoken[1:] == speech.announcement_words(
        "B2024", 31, region
    )
