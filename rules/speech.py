"""Rules room, speech: how a call is read aloud, and the one call sentence.

``call_sentence`` is the only place the sentence "Mời công dân có số thứ tự 1012 đến quầy số 2"
is built; ``call_announcement`` gives a screen everything to show and speak a call (the
sentence, the same sentence with numbers in words, and the clip keys to play).

Pure Python, no Flask, no project imports (realtime and display both use it). One list of
clip keys serves both the spoken words and the recordings: ``number_to_words`` is the clip
texts of ``number_clip_keys`` joined by spaces, so what the screen's speech synthesiser says
and what the clip player plays can never drift apart.

Clip keys are region-neutral ASCII slugs. A key names a position in the sentence, and the
office's region picks the word it speaks: ``nghin`` is "nghìn" in the North and "ngàn" in
the South, ``linh`` is "linh"/"lẻ", ``tu`` (a 4 after "mươi") is "tư"/"bốn". So one key list
serves both regions, and an office recording its own voice records the same keys.

Reading rules (DOMAIN.md, "Calling a number aloud"):
- a zero hundreds digit inside a larger number is "không trăm" (1012: một nghìn không trăm
  mười hai); an all-zero group is skipped (1000005: một triệu không trăm linh năm);
- a zero tens digit before a non-zero unit is "linh"/"lẻ", and the unit keeps its name;
- tens 1 is "mười", then 5 -> "lăm"; tens 2-9 is "<n> mươi", then 1 -> "mốt", 4 -> "tư"
  (North; "bốn" South), 5 -> "lăm".

Ticket numbers: "A012" is read letter by letter, then the digits as one number without
its leading zeros ("a mười hai"): the zeros only pad the printed ticket to a fixed width,
and a citizen listens for the number printed large on the ticket, not for its padding.
"""

import re

REGIONS = ("north", "south")

CHIME = "chime"
PHRASE_CALL = "moi_cong_dan_co_so_thu_tu"
PHRASE_COUNTER = "den_quay_so"

# Largest number read: "nghìn tỷ" and above never appear on a ticket.
MAX_NUMBER = 999_999_999_999

DIGIT_KEYS = ("khong", "mot", "hai", "ba", "bon", "nam", "sau", "bay", "tam", "chin")
_SCALE_KEYS = ("", "nghin", "trieu", "ty")

# Letter names as Vietnamese say them when spelling a code (A-Z plus Đ).
LETTER_NAMES = {
    "A": "a",
    "B": "bê",
    "C": "xê",
    "D": "dê",
    "Đ": "đê",
    "E": "e",
    "F": "ép",
    "G": "giê",
    "H": "hát",
    "I": "i",
    "J": "gi",
    "K": "ca",
    "L": "e-lờ",
    "M": "em-mờ",
    "N": "en-nờ",
    "O": "o",
    "P": "pê",
    "Q": "quy",
    "R": "e-rờ",
    "S": "ét-xì",
    "T": "tê",
    "U": "u",
    "V": "vê",
    "W": "vê kép",
    "X": "ích-xì",
    "Y": "i dài",
    "Z": "dét",
}
LETTER_KEYS = {
    letter: "chu_dd" if letter == "Đ" else "chu_" + letter.lower()
    for letter in LETTER_NAMES
}


def _same(text):
    """Clip text that is the same word in both regions."""
    return {"north": text, "south": text}


CLIP_TEXT = {
    PHRASE_CALL: _same("mời công dân có số thứ tự"),
    PHRASE_COUNTER: _same("đến quầy số"),
    "khong": _same("không"),
    "mot": _same("một"),
    "hai": _same("hai"),
    "ba": _same("ba"),
    "bon": _same("bốn"),
    "nam": _same("năm"),
    "sau": _same("sáu"),
    "bay": _same("bảy"),
    "tam": _same("tám"),
    "chin": _same("chín"),
    "mot_sac": _same("mốt"),  # 1 after "mươi"
    "tu": {"north": "tư", "south": "bốn"},  # 4 after "mươi"
    "lam": _same("lăm"),  # 5 after "mười"/"mươi"
    "muoi": _same("mười"),  # tens digit 1
    "muoi_ngang": _same("mươi"),  # tens digits 2-9 (level tone, hence the name)
    "tram": _same("trăm"),
    "linh": {"north": "linh", "south": "lẻ"},
    "nghin": {"north": "nghìn", "south": "ngàn"},
    "trieu": _same("triệu"),
    "ty": _same("tỷ"),
    **{LETTER_KEYS[letter]: _same(name) for letter, name in LETTER_NAMES.items()},
}

# Characters a printed code may carry between its parts; they are not read.
_SEPARATORS = " -._/"
_TOKEN = re.compile(r"[0-9]+|\S")


def check_region(region):
    """Raise ValueError unless region is "north" or "south"."""
    if region not in REGIONS:
        raise ValueError(f"region must be one of {REGIONS}, not {region!r}")


def clip_text(key, region="north"):
    """Return the Vietnamese words clip `key` speaks in `region`."""
    check_region(region)
    return CLIP_TEXT[key][region]


def all_clip_keys():
    """Return every clip key an announcement can use, the chime first."""
    return [CHIME, *CLIP_TEXT]


def _group_keys(value, full):
    """Clip keys for 0 < value < 1000; `full` reads a zero hundreds digit ("không trăm")."""
    hundreds, rest = divmod(value, 100)
    tens, unit = divmod(rest, 10)
    keys = []
    if full or hundreds:
        keys += [DIGIT_KEYS[hundreds], "tram"]
    if tens == 0:
        if unit and keys:
            keys += ["linh", DIGIT_KEYS[unit]]
        elif unit:
            keys.append(DIGIT_KEYS[unit])
    elif tens == 1:
        keys.append("muoi")
        if unit:
            keys.append("lam" if unit == 5 else DIGIT_KEYS[unit])
    else:
        keys += [DIGIT_KEYS[tens], "muoi_ngang"]
        if unit:
            keys.append({1: "mot_sac", 4: "tu", 5: "lam"}.get(unit, DIGIT_KEYS[unit]))
    return keys


def number_clip_keys(n):
    """Return the clip keys reading the whole number n (0..MAX_NUMBER) aloud."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"n must be an int, not {type(n).__name__}")
    if not 0 <= n <= MAX_NUMBER:
        raise ValueError(f"n must be between 0 and {MAX_NUMBER}, not {n}")
    if n == 0:
        return ["khong"]
    groups = []
    while n:
        n, group = divmod(n, 1000)
        groups.append(group)
    keys = []
    for scale in range(len(groups) - 1, -1, -1):
        group = groups[scale]
        if not group:
            continue
        # Only the leading group may drop its hundreds; later ones say "không trăm".
        keys += _group_keys(group, full=bool(keys))
        if scale:
            keys.append(_SCALE_KEYS[scale])
    return keys


def number_to_words(n: int, region="north") -> str:
    """Return the whole number n (0..MAX_NUMBER) in Vietnamese words for `region`."""
    check_region(region)
    return " ".join(CLIP_TEXT[key][region] for key in number_clip_keys(n))


def ticket_number_clip_keys(display_number):
    """Return the clip keys reading a ticket or counter code such as "A012" or "2"."""
    code = str(display_number).strip().upper()
    keys = []
    for token in _TOKEN.findall(code):
        if "0" <= token[0] <= "9":
            keys += number_clip_keys(int(token))
        elif token in LETTER_KEYS:
            keys.append(LETTER_KEYS[token])
        elif token not in _SEPARATORS:
            raise ValueError(f"cannot read {token!r} in {display_number!r}")
    if not keys:
        raise ValueError(f"nothing to read in {display_number!r}")
    return keys


def ticket_number_words(display_number: str, region="north") -> str:
    """Return a ticket code in words: letters by name, digits as one number ("a mười hai")."""
    check_region(region)
    return " ".join(
        CLIP_TEXT[key][region] for key in ticket_number_clip_keys(display_number)
    )


def call_phrases(region="north") -> tuple[str, str]:
    """The sentence's two fixed phrases, as a board lays them out around the two numbers."""
    lead = clip_text(PHRASE_CALL, region)
    return lead[0].upper() + lead[1:], clip_text(PHRASE_COUNTER, region)


def _sentence(number_part, counter_part, region):
    """Build the call sentence around the two parts, capitalised as shown on screen."""
    lead, to_counter = call_phrases(region)
    return " ".join([lead, number_part, to_counter, counter_part])


def call_sentence(number, counter_number, region="north") -> str:
    """Return the call shown on screen: "Mời công dân có số thứ tự 1012 đến quầy số 2".

    The numbers stay as printed; a code that cannot be read aloud is still shown.
    """
    check_region(region)
    return _sentence(str(number).strip(), str(counter_number).strip(), region)


def announcement_words(display_number, counter_number, region="north") -> str:
    """Return the call with numbers in words, for a speech synthesiser."""
    return _sentence(
        ticket_number_words(display_number, region),
        ticket_number_words(counter_number, region),
        region,
    )


def announcement_clips(display_number, counter_number, region="north") -> list[str]:
    """Return the clip keys to play in order, chime first (the same keys in both regions)."""
    check_region(region)
    return [
        CHIME,
        PHRASE_CALL,
        *ticket_number_clip_keys(display_number),
        PHRASE_COUNTER,
        *ticket_number_clip_keys(counter_number),
    ]


def call_announcement(number, counter_number, region="north") -> dict:
    """Everything a screen needs to show and speak a call: text, words, clip keys and region.

    A code the voice cannot read (a letter outside the alphabet) keeps its text, with empty
    words and clips: the board then shows the call without speaking it.
    """
    text = call_sentence(number, counter_number, region)
    try:
        words = announcement_words(number, counter_number, region)
        clips = announcement_clips(number, counter_number, region)
    except ValueError:
        words, clips = "", []
    return {"text": text, "words": words, "clips": clips, "region": region}
