"""Ratings room tests: the dossier code format (rules.dossier): what a clerk types or a scanner
sends is accepted exactly when it holds a code of Thông tư 01/2018 shape, tolerant where
Thông tư 03/2025 may differ (docs/API.md, "Dossier codes")."""

import datetime as dt

import pytest

from rules import dossier

TODAY = dt.date(2025, 9, 20)


@pytest.mark.parametrize("text, code, strict", [
    ("000.00.15.H42-250915-0001", "000.00.15.H42-250915-0001", True),
    ("  000.00.15.h42-250915-0001\n", "000.00.15.H42-250915-0001", True),  # typed in lower case, a scanner's newline
    ("000.00.15.H42 - 250915 - 0001", "000.00.15.H42-250915-0001", True),  # spaces typed around the hyphens
    ("000.00.15.H42\u2013250915\u20130001", "000.00.15.H42-250915-0001", True),  # an en dash from another layout
    ("https://dichvucong.example.gov.vn/tra-cuu?ma=000.00.15.H42-250915-0001&x=1",
     "000.00.15.H42-250915-0001", True),  # a receipt's QR holding an address
    ("H42.35-250915-000123", "H42.35-250915-000123", False),  # another unit code shape, a 6-digit counter
    ("G15-250921-0007", "G15-250921-0007", False),  # tomorrow's date is still taken (clocks differ)
])
def test_codes_that_are_taken(text, code, strict):
    parsed = dossier.parse(text, TODAY)
    assert (parsed.code, parsed.strict) == (code, strict)


def test_the_parts_are_read():
    parsed = dossier.parse("000.00.15.H42-250915-0042", TODAY)
    assert (parsed.agency, parsed.received, parsed.number) == ("000.00.15.H42", dt.date(2025, 9, 15), 42)


@pytest.mark.parametrize("text, says", [
    ("", "Hãy nhập"),
    ("1005", "không phải mã hồ sơ"),
    ("000.00.15.H42-250915-001", "không phải mã hồ sơ"),  # three digits: no sequence
    ("000.00.15.H42-2509150-0001", "không phải mã hồ sơ"),  # seven date digits
    ("000.00.15.H42_250915_0001", "không phải mã hồ sơ"),
    ("000.00.15.H42-250231-0001", "không phải ngày có thật"),  # 31 February
    ("000.00.15.H42-251001-0001", "tương lai"),  # more than a day ahead
    ("x" * 2001, "quá dài"),
])
def test_texts_that_are_refused_say_why(text, says):
    with pytest.raises(dossier.BadCode) as refused:
        dossier.parse(text, TODAY)
    assert says in str(refused.value)


def test_a_refusal_shows_the_expected_shape():
    with pytest.raises(dossier.BadCode) as refused:
        dossier.parse("ABC", TODAY)
    assert dossier.EXAMPLE in str(refused.value)
    assert dossier.parse(dossier.EXAMPLE, TODAY).strict  # the example given is itself a strict code
