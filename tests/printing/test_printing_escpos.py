"""Printing room: ESC/POS bytes produced through python-escpos's Dummy printer."""

import pytest
import zxingcpp

from kiosk.printing import (
    TicketPrint,
    build_test_page,
    encode_ticket,
    printable_width,
    render_ticket,
    ticket_bytes,
)

URL = "https://motcua.test/t/QR-from-the-bytes"
RASTER = b"\x1dv0"
FULL_CUT = b"\x1dV\x00"


def sample():
    """A typical ticket."""
    return TicketPrint(office_name="UBND phường Ệ Đông", field_name="Chứng thực",
                       display_number="A012", issued_at_local="08:15 27/11/2025",
                       people_ahead=0, estimated_wait_min=3, status_url=URL)


def band_widths(data: bytes) -> list[int]:
    """Width in dots declared by every GS v 0 header."""
    widths, i = [], data.find(RASTER)
    while i >= 0:
        width_bytes = data[i + 4] | data[i + 5] << 8
        height = data[i + 6] | data[i + 7] << 8
        widths.append(width_bytes * 8)
        i = data.find(RASTER, i + 8 + width_bytes * height)
    return widths


@pytest.mark.parametrize("paper_mm, dots", [(80, 576), (58, 384)])
def test_ticket_bytes_are_raster_bands_that_fit_the_paper(paper_mm, dots):
    data = ticket_bytes(sample(), paper_mm=paper_mm)
    assert data.startswith(b"\x1b@")  # ESC @ resets the printer first
    widths = band_widths(data)
    assert len(widths) >= 3  # tall images go in bands
    assert set(widths) == {dots}


def test_ticket_ends_with_feed_and_full_cut():
    data = ticket_bytes(sample())
    assert data.endswith(b"\x1bd\x06" + FULL_CUT)


def test_cut_can_be_left_out():
    assert FULL_CUT not in encode_ticket(render_ticket(sample()), cut=False)


def test_printed_bytes_carry_the_status_url(decode_raster):
    image = decode_raster(ticket_bytes(sample(), paper_mm=58))
    assert [r.text for r in zxingcpp.read_barcodes(image.convert("L"))] == [URL]


def test_profile_with_narrower_head_gets_a_narrower_image():
    assert printable_width(80, "TM-T88V") == 512  # 180 dpi head
    assert set(band_widths(ticket_bytes(sample(), 80, "TM-T88V"))) == {512}


def test_image_wider_than_profile_is_a_clear_error():
    with pytest.raises(ValueError, match="512"):
        encode_ticket(render_ticket(sample(), paper_mm=80), profile="TM-T88V")


def test_unknown_profile_is_a_value_error():
    with pytest.raises(ValueError, match="Unknown printer profile 'TM-NOPE'"):
        encode_ticket(render_ticket(sample()), profile="TM-NOPE")


def test_default_profile_prints_nothing_to_stdout(capsys):
    ticket_bytes(sample())
    assert capsys.readouterr().out == ""


def test_test_page_is_raster_and_cut():
    data = build_test_page(58, printed_at="08:00 27/11/2025")
    assert set(band_widths(data)) == {384}
    assert data.endswith(FULL_CUT)
