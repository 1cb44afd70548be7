"""Rules room, rating: the satisfaction scales and what each level counts as.

The one table every screen (tablet, phone page, clerk's console), report, export and the
province view reads. Decided rule:

* A scale has N levels, N in 2, 3, 4, 5; level 1 is the worst and level N the best.
  Ratings are stored as (level, scale); everything below is derived at read time.
* Each level has one word (Vietnamese, with an English word beside it where a screen shows
  English), and the **word** decides the level's group in the official 3-group report
  (DOMAIN.md): "Rất hài lòng" -> Rất hài lòng; "Hài lòng" and "Bình thường" -> Hài lòng;
  "Không hài lòng" and "Rất không hài lòng" -> Không hài lòng.
* Words per scale, worst first:

  ===  =====================================================================================
  2    Không hài lòng, Hài lòng
  3    Không hài lòng, Hài lòng, Rất hài lòng
  4    Rất không hài lòng, Không hài lòng, Hài lòng, Rất hài lòng
  5    Rất không hài lòng, Không hài lòng, Bình thường, Hài lòng, Rất hài lòng
  ===  =====================================================================================

* A level is **low** (the screen asks for reasons; an alert-worthy verdict) exactly when its
  group is Không hài lòng.
* A rating is **satisfied** (the clerk's own figures, the province view, satisfaction %)
  exactly when it is not in the Không hài lòng group: "Bình thường" is not a complaint.
* National index (Quyết định 766/QĐ-TTg, DOMAIN.md): a dossier counts as dissatisfied exactly
  when its rating's group is Không hài lòng (``counts_against_index``); an unrated one does not.

A stored rating whose scale is not in the table (none should exist: the admin offers only
these scales) is read by its position, so a report never fails on it: the top level is
"Rất hài lòng", the lower half "Không hài lòng", the rest "Hài lòng", with "Mức n/N" words.

Pure Python: no Flask, no database.
"""

from __future__ import annotations

VERY_SATISFIED = "very_satisfied"
SATISFIED = "satisfied"
DISSATISFIED = "dissatisfied"
# The official report's three groups, best first (the order reports print them).
GROUPS = (VERY_SATISFIED, SATISFIED, DISSATISFIED)
# The groups a satisfied rating falls in (everything but Không hài lòng).
SATISFIED_GROUPS = (VERY_SATISFIED, SATISFIED)
GROUP_WORDS = {VERY_SATISFIED: "Rất hài lòng", SATISFIED: "Hài lòng", DISSATISFIED: "Không hài lòng"}
GROUP_WORDS_EN = {VERY_SATISFIED: "Very satisfied", SATISFIED: "Satisfied", DISSATISFIED: "Dissatisfied"}

# Every word a level can have: its English word and its group.
WORDS = {
    "Rất hài lòng": ("Very satisfied", VERY_SATISFIED),
    "Hài lòng": ("Satisfied", SATISFIED),
    "Bình thường": ("Neutral", SATISFIED),
    "Không hài lòng": ("Dissatisfied", DISSATISFIED),
    "Rất không hài lòng": ("Very dissatisfied", DISSATISFIED),
}

# Words of each scale, index 0 = level 1 (worst).
SCALE_WORDS = {
    2: ("Không hài lòng", "Hài lòng"),
    3: ("Không hài lòng", "Hài lòng", "Rất hài lòng"),
    4: ("Rất không hài lòng", "Không hài lòng", "Hài lòng", "Rất hài lòng"),
    5: ("Rất không hài lòng", "Không hài lòng", "Bình thường", "Hài lòng", "Rất hài lòng"),
}
SCALES = tuple(SCALE_WORDS)
DEFAULT_SCALE = 3

# How a rating was given (``Rating.source``): on the counter's tablet, or from the citizen's phone
# (the ticket's QR page or a dossier slip's QR). Reports, exports and the monitor name them so.
CHANNELS = {"tablet": "Máy tính bảng tại quầy", "phone": "Điện thoại (quét mã QR)"}


def channel_word(source: str | None) -> str:
    """Vietnamese name of a rating's channel ("" when unknown)."""
    return CHANNELS.get(source, "") if source else ""


def is_scale(scale) -> bool:
    """True when ``scale`` is one of the scales an office may use."""
    return scale in SCALE_WORDS and not isinstance(scale, bool)


def words(scale: int) -> list[str]:
    """Vietnamese words of levels 1..scale, worst first."""
    if is_scale(scale):
        return list(SCALE_WORDS[scale])
    return [word(level, scale) for level in range(1, max(scale, 1) + 1)]


def word(level: int, scale: int) -> str:
    """Vietnamese word of one level of a scale ("Mức n/N" outside the table)."""
    if is_scale(scale) and 1 <= level <= scale:
        return SCALE_WORDS[scale][level - 1]
    return f"Mức {level}/{scale}"


def word_en(level: int, scale: int) -> str:
    """English word of one level of a scale ("Level n/N" outside the table)."""
    if is_scale(scale) and 1 <= level <= scale:
        return WORDS[SCALE_WORDS[scale][level - 1]][0]
    return f"Level {level}/{scale}"


def group(level: int, scale: int) -> str:
    """The official report's group of a level: VERY_SATISFIED, SATISFIED or DISSATISFIED."""
    if is_scale(scale) and 1 <= level <= scale:
        return WORDS[SCALE_WORDS[scale][level - 1]][1]
    # Outside the table: by position (see the module docstring).
    if level >= scale:
        return VERY_SATISFIED
    return SATISFIED if level > scale / 2 else DISSATISFIED


def is_low(level: int, scale: int) -> bool:
    """True when a level is low: the screen asks for reasons, and it is worth an alert."""
    return group(level, scale) == DISSATISFIED


def is_satisfied(level: int, scale: int) -> bool:
    """True when a rating counts as satisfied (not in the Không hài lòng group)."""
    return group(level, scale) != DISSATISFIED


def counts_against_index(level: int, scale: int) -> bool:
    """True when a dossier with this rating counts as dissatisfied in the national index (QĐ 766)."""
    return group(level, scale) == DISSATISFIED


def level_info(level: int, scale: int) -> dict:
    """One level as screens and reports show it: number, words, group and whether it is low."""
    key = group(level, scale)
    return {
        "level": level,
        "label": word(level, scale),
        "label_en": word_en(level, scale),
        "group": key,
        "group_label": GROUP_WORDS[key],
        "low": key == DISSATISFIED,
        "satisfied": key != DISSATISFIED,
    }


def levels(scale: int) -> list[dict]:
    """The levels of a scale, best first (the order a citizen reads them on a screen)."""
    return [level_info(level, scale) for level in range(scale, 0, -1)]


def group_list() -> list[dict]:
    """The three official groups, best first, with their Vietnamese and English names."""
    return [{"key": key, "label": GROUP_WORDS[key], "label_en": GROUP_WORDS_EN[key]} for key in GROUPS]


def grouping_note() -> str:
    """How each scale's levels fold into the three groups, in words (printed under reports)."""
    parts = []
    for scale in SCALES:
        pieces = []
        for key in GROUPS:
            members = [level for level in range(scale, 0, -1) if group(level, scale) == key]
            if not members:
                continue
            span = str(members[0]) if len(members) == 1 else f"{members[-1]}-{members[0]}"
            # A level whose own word is not its group's name is spelled out, so nobody wonders.
            odd = [f'mức {level} "{word(level, scale)}"' for level in reversed(members)
                   if word(level, scale) != GROUP_WORDS[key]]
            note = f" ({', '.join(odd)} không phải phàn nàn)" if odd and key != DISSATISFIED else ""
            pieces.append(f"{span} = {GROUP_WORDS[key]}{note}")
        parts.append(f"thang {scale} mức: " + ", ".join(pieces))
    return "; ".join(parts) + "."


def phone_form(office, window_s: int) -> dict:
    """What the phone's rating form shows (the ticket's page and a dossier slip's page): the scale,
    its levels best first, the reasons, and how long after the finish a rating is taken."""
    return {
        "scale": office.rating_levels,
        "levels": levels(office.rating_levels),
        "reasons": list(office.rating_reasons or []),
        "window_s": window_s,
    }


def rating_request(ticket, office, clerk_name: str | None, now) -> dict:
    """What a counter's tablet is asked to rate, the same over HTTP (a reload) and Socket.IO.

    ``ticket`` has just been finished at the counter; ``now`` is naive UTC. The tablet shows
    the office's scale and reasons and gives up when ``remaining_s`` runs out (the server
    refuses a rating after ``window_s`` from the finish).
    """
    elapsed = (now - ticket.finished_at).total_seconds()
    return {
        "ticket_id": ticket.id,
        "number": ticket.display_number,
        "counter_id": ticket.counter_id,
        "clerk_name": clerk_name,
        "window_s": office.rating_window_s,
        "remaining_s": max(0, int(office.rating_window_s - elapsed)),
        "levels": office.rating_levels,
        "reasons": list(office.rating_reasons or []),
        "finished_at": ticket.finished_at.isoformat(timespec="seconds") + "Z",
    }
