"""Rules room: no second copy of a rule creeps back. Each rule's telltale text may stand only in
its home module; the rest of the app (Python, templates, scripts) imports or is handed it.

Comment lines are skipped (a comment may name a word); tests, docs and vendored files are not
scanned.
"""

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCANNED = (".py", ".js", ".html")
NOT_SCANNED = ("tests/", "docs/", "static/vendor/", "bench/")

# rule -> (home, telltale patterns of a copy)
RULES = {
    "rating scale": ("rules/rating.py", [r"Bình thường", r"Rất không hài lòng", r"[\"']Kém[\"']", r"[\"']Khá[\"']",
                                         r"Rất tốt", r"satisfied_min|low_max|level_group"]),
    "weekday names": ("rules/calendar.py", [r"Thứ Hai", r"Thứ Bảy", r"Chủ [nN]hật", r"[\"']Monday[\"']"]),
    "roles": ("rules/access.py", [r"\(\s*[\"']admin[\"']\s*,\s*[\"']", r"[\"']leader[\"']\s*,\s*[\"']clerk[\"']",
                                  r"\.role\s*[!=]==?\s*[\"']"]),
    "call sentence": ("rules/speech.py", [r"Mời công dân có số thứ tự", r"voice\.announcement_"]),
    "counter state names": ("rules/states.py", [r"paused[\"']?\s*:\s*[\"']Tạm dừng", r"[\"']Đang đóng[\"']"]),
    "rating request": ("rules/rating.py", [r"[\"']remaining_s[\"']\s*:"]),
    "rating channels": ("rules/rating.py", [r"Máy tính bảng tại quầy", r"Điện thoại \(quét mã QR\)"]),
    "dossier code": ("rules/dossier.py", [r"\bYYMMDD-XXXX", r"Tiếp nhận hồ sơ", r"Trả kết quả"]),
}
COMMENT = re.compile(r"^\s*(#|//|\*|/\*|\{#)")


def source_files() -> list[str]:
    """The project's tracked and new source files that are scanned."""
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout.split()
    return [p for p in listed if p.endswith(SCANNED) and not p.startswith(NOT_SCANNED) and (ROOT / p).is_file()]


def copies(rule: str, files: list[str]) -> list[str]:
    """Lines outside the rule's home that carry one of its telltale patterns."""
    home, patterns = RULES[rule]
    pattern = re.compile("|".join(patterns))
    found = []
    for path in files:
        if path == home:
            continue
        for number, line in enumerate((ROOT / path).read_text(encoding="utf-8").splitlines(), start=1):
            if pattern.search(line) and not COMMENT.match(line):
                found.append(f"{path}:{number}: {line.strip()}")
    return found


@pytest.mark.parametrize("rule", sorted(RULES))
def test_a_rule_is_written_once(rule):
    """Outside its home module no line repeats the rule."""
    assert copies(rule, source_files()) == []


def test_the_scan_finds_a_copy(tmp_path):
    """The scan is not blind: a planted copy of the scale is found."""
    planted = ROOT / "rules" / "zz_planted_copy.py"
    planted.write_text('WORDS = ["Kém", "Khá"]\n', encoding="utf-8")
    try:
        assert copies("rating scale", ["rules/zz_planted_copy.py"]) == [
            'rules/zz_planted_copy.py:1: WORDS = ["Kém", "Khá"]']
    finally:
        planted.unlink()
