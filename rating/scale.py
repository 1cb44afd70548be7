"""Rating room: the satisfaction scales (3, 4 or 5 levels) and which levels count as low.

Level numbers run 1 = worst .. N = best, as ``ticketing.rate`` stores them. The tablet and the
clerk's figures both read their words from here.
"""

from __future__ import annotations

# Words per scale, index 0 = level 1 (worst).
SCALES = {
    3: ["Không hài lòng", "Hài lòng", "Rất hài lòng"],
    4: ["Rất không hài lòng", "Không hài lòng", "Hài lòng", "Rất hài lòng"],
    5: ["Rất không hài lòng", "Không hài lòng", "Bình thường", "Hài lòng", "Rất hài lòng"],
}


def words(scale: int) -> list[str]:
    """Words of a scale, worst first; an unknown scale gets plain "Mức n" words."""
    return list(SCALES.get(scale) or [f"Mức {n}" for n in range(1, max(scale, 1) + 1)])


def low_max(scale: int) -> int:
    """The highest level that still counts as low (asks for reasons): 1 on 3 levels, 2 on 4 or 5."""
    return 1 if scale <= 3 else 2


def is_low(level: int, scale: int) -> bool:
    """True when a level is a low rating on its scale."""
    return level <= low_max(scale)


def satisfied_min(scale: int) -> int:
    """The lowest level that counts as satisfied (Hài lòng and above)."""
    return len(words(scale)) - 1 if scale >= 3 else scale


def levels(scale: int) -> list[dict]:
    """The levels of a scale, best first (the order a citizen reads them), with their words."""
    names = words(scale)
    return [{"level": n, "label": names[n - 1], "low": is_low(n, scale)} for n in range(len(names), 0, -1)]
