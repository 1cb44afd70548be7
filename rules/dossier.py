"""Rules room, dossier codes: which dossier code (mã hồ sơ) the counter accepts, and its kinds.

The one home of the format; the console, the API, the slip and the exports read it.

Source: Thông tư 01/2018/TT-VPCP, Điều 19 ("Mã số hồ sơ thủ tục hành chính"): letters and
digits in the structure ``V1V2V3.Z1Z2.Y1Y2.MX1X2-YYMMDD-XXXX``, where

* ``V1V2V3.Z1Z2.Y1Y2.MX1X2`` is the receiving unit's code under the national technical rule for
  identification codes (QCVN 102:2016/BTTTT, Thông tư 10/2016/TT-BTTTT), e.g. ``000.00.15.H42``;
* ``YYMMDD`` is the day the dossier was received (two digits each of year, month, day);
* ``XXXX`` is the dossier's number among that day's dossiers, four digits.

Thông tư 03/2025/TT-VPCP (guiding Nghị định 118/2025/NĐ-CP) sets the dossier code again for the
two-level local government; its text could not be confirmed here. **Assumption:** the same three
parts in the same order. So the check is strict where the rule is plain and tolerant where a
new unit code or a longer counter could differ:

* agency part: 1 to 6 groups of 1 to 6 letters or digits joined by dots (tolerant: new unit
  codes may have other group sizes);
* date part: exactly six digits and a real date, from 2000 up to tomorrow (the office's day);
* sequence: 4 to 6 digits (tolerant: a busy unit's counter may outgrow four digits);
* the three parts joined by hyphens.

A USB scanner types what the barcode or QR on the receipt holds and presses Enter; a QR may
hold a web address or more text around the code, and people type in lower case or with spaces:
the first code-shaped run of the text is taken, in upper case, spaces removed.

Pure Python: no Flask, no database.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import unicodedata

RECEIVE, RETURN = "receive", "return"
# Kinds of a code seen at the counter, in the order the console offers them.
KINDS = {RECEIVE: "Tiếp nhận hồ sơ", RETURN: "Trả kết quả"}
KINDS_EN = {RECEIVE: "Received", RETURN: "Result returned"}

MAX_LENGTH = 64  # longest code stored (the strict form is 24 characters)
MAX_PER_VISIT = 20  # codes one visit may carry
EXAMPLE = "000.00.15.H42-250915-0001"
FORMAT_TEXT = "mã đơn vị-YYMMDD-XXXX, ví dụ " + EXAMPLE

_AGENCY = r"[A-Z0-9]{1,6}(?:\.[A-Z0-9]{1,6}){0,5}"
CODE = re.compile(rf"(?<![A-Z0-9.])({_AGENCY})-(\d{{6}})-(\d{{4,6}})(?![0-9])")
# The strict form of Thông tư 01/2018 (reported, never required).
STRICT = re.compile(r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}-\d{6}-\d{4}$")


@dataclasses.dataclass(frozen=True)
class DossierCode:
    """A dossier code that passed the check, with its parts."""

    code: str
    agency: str
    received: dt.date
    number: int
    strict: bool  # exactly the Thông tư 01/2018 shape


class BadCode(ValueError):
    """A text that is not a dossier code; the message is Vietnamese, fit to show the clerk."""


def clean(text: str) -> str:
    """The text as a scanner or a person may send it, in the form codes are stored: NFKC, upper case, no spaces."""
    text = unicodedata.normalize("NFKC", text or "")
    # Scanners configured for another keyboard layout send full-width or odd dashes; all are a hyphen.
    text = re.sub(r"[\u2010-\u2015\u2212]", "-", text)
    return re.sub(r"\s+", "", text).upper()


def parse(text, today: dt.date) -> DossierCode:
    """The dossier code in ``text`` (typed or scanned), or BadCode saying what is wrong."""
    if not isinstance(text, str) or not text.strip():
        raise BadCode("Hãy nhập hoặc quét mã hồ sơ.")
    if len(text) > 2000:
        raise BadCode("Nội dung quét quá dài, không phải mã hồ sơ.")
    found = CODE.search(clean(text))
    if found is None:
        raise BadCode(f"“{text.strip()[:40]}” không phải mã hồ sơ. Mã hồ sơ có dạng {FORMAT_TEXT}.")
    agency, date_text, number = found.groups()
    code = found.group(0)
    if len(code) > MAX_LENGTH:
        raise BadCode(f"Mã hồ sơ dài quá {MAX_LENGTH} ký tự.")
    try:
        received = dt.date(2000 + int(date_text[:2]), int(date_text[2:4]), int(date_text[4:]))
    except ValueError:
        raise BadCode(f"Mã hồ sơ {code}: “{date_text}” không phải ngày có thật (dạng YYMMDD).") from None
    if received > today + dt.timedelta(days=1):
        raise BadCode(f"Mã hồ sơ {code}: ngày tiếp nhận {received:%d/%m/%Y} ở tương lai.")
    return DossierCode(code=code, agency=agency, received=received, number=int(number),
                       strict=bool(STRICT.match(code)))


def kind_word(kind: str) -> str:
    """Vietnamese name of a kind (receive / return)."""
    return KINDS.get(kind, kind)
