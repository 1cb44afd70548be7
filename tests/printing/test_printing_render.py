"""Printing room: ticket images (size, QR payload, Vietnamese glyphs, layout parts)."""

import io
import unicodedata

import pytest
import zxingcpp
from PIL import Image, ImageChops

from kiosk.printing import TicketPrint, render_test_page, render_ticket
from kiosk.printing.render import font, text_mask

URL = "https://motcua.test/t/Xy3_abcDEFghiJKLmnoPQRstuVWXyz0123"

BASES = "aăâbcdđeêghiklmnoôơpqrstuưvxy"
TONES = "\u0300\u0301\u0309\u0303\u0323"  # huyền, sắc, hỏi, ngã, nặng
VIETNAMESE = sorted(
    {c for c in BASES}
    | {unicodedata.normalize("NFC", v + t) for v in "aăâeêioôơuưy" for t in TONES}
)


def sample(**overrides):
    """A typical ticket."""
    values = {"office_name": "UBND xã Điện Biên Đông", "field_name": "Tư pháp - Hộ tịch",
              "display_number": "1012", "priority_name": None,
              "issued_at_local": "08:15 27/11/2025", "people_ahead": 4,
              "estimated_wait_min": 12, "status_url": URL,
              "footer": "Xin cảm ơn quý công dân!"}
    values.update(overrides)
    return TicketPrint(**values)


def qr_texts(image):
    """Texts of the QR codes zxing-cpp finds in an image."""
    return [r.text for r in zxingcpp.read_barcodes(image.convert("L"))]


@pytest.mark.parametrize("paper_mm, dots", [(80, 576), (58, 384)])
def test_ticket_is_one_bit_and_paper_wide(paper_mm, dots):
    image = render_ticket(sample(), paper_mm=paper_mm)
    assert image.mode == "1"
    assert image.width == dots
    assert 500 < image.height < 2000


@pytest.mark.parametrize("paper_mm", [80, 58])
def test_qr_code_decodes_to_status_url(paper_mm):
    assert qr_texts(render_ticket(sample(), paper_mm=paper_mm)) == [URL]


def test_no_qr_without_status_url():
    assert qr_texts(render_ticket(sample(status_url=""))) == []


def test_unknown_paper_width_is_a_value_error():
    with pytest.raises(ValueError, match="80 or 58"):
        render_ticket(sample(), paper_mm=76)


def test_font_has_ink_for_every_vietnamese_letter():
    # The bundled font's missing-glyph box is empty: a letter without ink is missing.
    assert len(VIETNAMESE) == 89  # 29 base letters + 12 vowels x 5 tones
    face = font("regular", 40)
    missing = face.getmask("\ue000")
    for letter in VIETNAMESE + [c.upper() for c in VIETNAMESE]:
        mask = face.getmask(letter)
        assert mask.getbbox() is not None, letter
        assert bytes(mask) != bytes(missing), letter


def test_stacked_marks_reach_above_and_below_the_base_letter():
    face = font("bold", 60)
    e_top, e_bottom = face.getbbox("E")[1], face.getbbox("E")[3]
    top, bottom = face.getbbox("Ệ")[1], face.getbbox("Ệ")[3]
    assert top < e_top - 10 and bottom > e_bottom + 5
    # ỗ carries circumflex and tilde stacked: higher than ô alone.
    assert face.getbbox("ỗ")[1] < face.getbbox("ô")[1] - 5


def test_marks_above_the_ascent_line_are_not_clipped():
    # The tilde of "Ỗ" rises above the font's ascent; the cached line mask must keep it.
    for text in ("Ỗ", "ỄẪ", "ĐIỆN BIÊN ĐÔNG"):
        ink = text_mask("bold", 28, text)[0].getbbox()
        box = font("bold", 28).getbbox(text)
        assert ink[3] - ink[1] >= box[3] - box[1] - 1, text
    assert text_mask("bold", 28, "Ỗ")[2] < 0


def test_decomposed_input_renders_like_precomposed():
    nfd = unicodedata.normalize("NFD", "Chứng thực - Đất đai - Lệ phí")
    nfc = unicodedata.normalize("NFC", nfd)
    assert nfd != nfc
    a = render_ticket(sample(field_name=nfd))
    b = render_ticket(sample(field_name=nfc))
    assert a.tobytes() == b.tobytes()


def test_number_is_printed_very_large():
    # Only the number differs: the changed area is the number, at least 19 mm (150 dots) tall.
    a = render_ticket(sample(display_number="1012"))
    b = render_ticket(sample(display_number="1013"))
    box = ImageChops.difference(a.convert("L"), b.convert("L")).getbbox()
    assert box[3] - box[1] >= 150


def test_priority_mark_adds_a_black_band():
    plain = render_ticket(sample())
    marked = render_ticket(sample(priority_name="Người cao tuổi"))
    assert marked.height > plain.height + 40
    # The band is solid black across most of the width for many consecutive rows.
    rows = [marked.crop((0, y, marked.width, y + 1)) for y in range(marked.height)]
    solid = [r.convert("L").histogram()[0] > 0.9 * marked.width for r in rows]
    longest = run = 0
    for flag in solid:
        run = run + 1 if flag else 0
        longest = max(longest, run)
    assert longest >= 8


def test_logo_is_drawn_above_the_office_name():
    logo = Image.new("RGBA", (300, 300), (200, 0, 0, 255))
    buffer = io.BytesIO()
    logo.save(buffer, "PNG")
    with_logo = render_ticket(sample(logo=buffer.getvalue()))
    without = render_ticket(sample())
    assert with_logo.height > without.height + 80
    assert qr_texts(with_logo) == [URL]


def test_test_page_shows_a_readable_qr():
    page = render_test_page(58)
    assert page.mode == "1" and page.width == 384
    assert qr_texts(page) == ["https://motcua.invalid/test"]
