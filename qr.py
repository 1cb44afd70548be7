"""QR room: QR codes drawn on the server with the pinned ``qrcode`` package (no CDN, no browser library),
as SVG for pages (a pairing link on the admin's screen) and PNG where an image file is wanted."""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg


def _code(data: str) -> qrcode.QRCode:
    """A QR code of ``data``: medium error correction, the standard 4-module quiet zone."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=10, border=4)
    code.add_data(data)
    code.make(fit=True)
    return code


def svg(data: str, label: str = "Mã QR") -> str:
    """An inline SVG of the QR code, scaling to its box (black modules on white)."""
    image = _code(data).make_image(image_factory=qrcode.image.svg.SvgPathFillImage)
    text = image.to_string(encoding="unicode")
    # Scalable: drop the fixed size in mm and keep the viewBox; say what it is for screen readers.
    head, rest = text.split(">", 1)
    head = " ".join(part for part in head.split(" ") if not part.startswith(("width=", "height=")))
    return f'{head} role="img" aria-label="{label}" width="100%">{rest}'


def png(data: str, box_size: int = 8) -> bytes:
    """The QR code as PNG bytes."""
    code = _code(data)
    code.box_size = box_size
    buffer = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(buffer, format="PNG")
    return buffer.getvalue()
