"""Printing room: turn a ticket image into ESC/POS bytes with python-escpos.

Tickets are sent as one raster image (GS v 0) rather than printer text, so Vietnamese never
depends on the printer's code pages; a full cut follows when the profile supports one.
"""

from __future__ import annotations

from escpos.capabilities import CAPABILITIES
from escpos.printer import Dummy
from PIL import Image

from .render import TicketPrint, paper_dots, render_test_page, render_ticket

# Bands of at most this many rows: cheap printers with small receive buffers stall or drop
# one very tall GS v 0 block; short bands print identically.
FRAGMENT_ROWS = 256


def profile_names() -> list[str]:
    """Names of the printer profiles python-escpos knows (e.g. "default", "TM-T88V")."""
    return sorted(CAPABILITIES["profiles"])


def _dummy(profile: str | None) -> Dummy:
    """An in-memory printer for a named profile; unknown names are a clear ValueError."""
    name = profile or "default"
    if name not in CAPABILITIES["profiles"]:
        raise ValueError(
            f"Unknown printer profile {name!r}; known: {', '.join(profile_names())}"
        )
    return Dummy(profile=name)


def profile_dots(profile: str | None) -> int | None:
    """Printable width in dots declared by a profile, or None when it says "Unknown"."""
    pixels = _dummy(profile).profile.profile_data.get("media", {}).get("width", {}).get("pixels")
    try:
        return int(pixels)
    except (TypeError, ValueError):
        return None


def printable_width(paper_mm: int = 80, profile: str | None = None) -> int:
    """Dots to render for a paper width, narrowed to the profile's width when it is smaller."""
    dots = paper_dots(paper_mm)
    declared = profile_dots(profile)
    return min(dots, declared) if declared else dots


def encode_ticket(image: Image.Image, profile: str | None = None, cut: bool = True) -> bytes:
    """ESC/POS bytes for an image: ESC @, raster bands (GS v 0), feed and cut."""
    printer = _dummy(profile)
    data = printer.profile.profile_data
    declared = profile_dots(profile)
    if declared is None:
        # python-escpos print()s a warning to stdout on every image when a profile has no
        # width; give this instance (not the shared profile class) the image's own width.
        media = dict(data.get("media", {}))
        media["width"] = {**media.get("width", {}), "pixels": image.width}
        printer.profile.profile_data = {**data, "media": media}
    elif image.width > declared:
        raise ValueError(
            f"Image is {image.width} dots wide but profile {profile!r} prints {declared}; "
            f"render it with width={declared} (see printable_width())"
        )
    printer.hw("INIT")
    # Band here rather than via image(fragment_height=): python-escpos would convert the
    # whole image once more before splitting it.
    for top in range(0, image.height, FRAGMENT_ROWS):
        band = image.crop((0, top, image.width, min(image.height, top + FRAGMENT_ROWS)))
        printer.image(band, impl="bitImageRaster", fragment_height=FRAGMENT_ROWS)
    if cut:
        printer.cut()
    return printer.output


def ticket_bytes(data: TicketPrint, paper_mm: int = 80, profile: str | None = None) -> bytes:
    """Render and encode one ticket for a paper width and printer profile."""
    image = render_ticket(data, paper_mm=paper_mm, width=printable_width(paper_mm, profile))
    return encode_ticket(image, profile=profile)


def build_test_page(paper_mm: int = 80, profile: str | None = None,
                    printed_at: str = "") -> bytes:
    """ESC/POS bytes of the test page (alphabet, ruler, QR) for the admin "print test" button."""
    width = printable_width(paper_mm, profile)
    image = render_test_page(paper_mm=paper_mm, width=width, printed_at=printed_at)
    return encode_ticket(image, profile=profile)
