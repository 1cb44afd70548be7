"""Printing room: draw a queue ticket (or a test page) as a 1-bit image for a thermal printer.

Pure functions over plain data: nothing here reads the database. Text is drawn with the bundled
Be Vietnam Pro font (static/fonts/, SIL OFL) after NFC normalisation, so every Vietnamese letter
(stacked marks such as "Ệ", "ỗ", and "Đ") uses a precomposed glyph of the font.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import qrcode
from PIL import Image, ImageDraw, ImageFont

FONT_DIR = Path(__file__).resolve().parents[2] / "static" / "fonts"
FONT_FILES = {
    "regular": FONT_DIR / "BeVietnamPro-Regular.ttf",
    "bold": FONT_DIR / "BeVietnamPro-Bold.ttf",
}

# Printable dots per line at 203 dpi (8 dots/mm), the common resolution of kiosk printers.
PAPER_DOTS = {80: 576, 58: 384}

# Every design size below is for 576 dots; 58 mm paper scales them down (never under MIN_PX).
BASE_DOTS = 576
MIN_PX = 14
CANVAS_MAX_H = 3000


@dataclass(frozen=True, kw_only=True)
class TicketPrint:
    """Everything printed on one ticket, handed over by the caller (no database access here)."""

    office_name: str
    field_name: str
    display_number: str
    priority_name: str | None = None
    issued_at_local: str = ""
    people_ahead: int | None = None
    estimated_wait_min: int | None = None
    status_url: str = ""
    footer: str = ""
    logo: bytes | None = None
    english: bool = True  # small English hints under the Vietnamese labels


def paper_dots(paper_mm: int) -> int:
    """Printable width in dots for a paper width in mm (80 -> 576, 58 -> 384)."""
    try:
        return PAPER_DOTS[int(paper_mm)]
    except (KeyError, ValueError, TypeError):
        raise ValueError(f"paper_mm must be 80 or 58, not {paper_mm!r}") from None


@functools.lru_cache(maxsize=64)
def font(weight: str, size: int) -> ImageFont.FreeTypeFont:
    """The bundled font at a pixel size; cached because loading a face costs ~1 ms."""
    # BASIC layout: with NFC text every Vietnamese letter is one precomposed glyph, so no
    # shaping engine is needed and the output is the same with or without libraqm.
    return ImageFont.truetype(
        str(FONT_FILES[weight]), size=size, layout_engine=ImageFont.Layout.BASIC
    )


@functools.lru_cache(maxsize=4096)
def text_width(weight: str, size: int, text: str) -> float:
    """Advance width of a string; cached since office, field and label words repeat all day."""
    return font(weight, size).getlength(text)


@functools.lru_cache(maxsize=1024)
def text_mask(weight: str, size: int, text: str) -> tuple[Image.Image, int, int]:
    """Ink of one line as an "L" mask plus its (dx, dy) from the line's top-left; cached.

    Stacked marks on capitals ("Ỗ", "Ễ") rise above the font's ascent line and italics or
    "j" can start left of the origin, so the mask is sized from the ink box, not the metrics.
    """
    face = font(weight, size)
    left, top, right, bottom = face.getbbox(text)
    ascent, descent = face.getmetrics()
    dx, dy = min(0, left), min(0, top)
    mask = Image.new("L", (int(right - dx) + 2, int(max(bottom, ascent + descent) - dy) + 2), 0)
    ImageDraw.Draw(mask).text((-dx, -dy), text, font=face, fill=255)
    return mask, dx, dy


def nfc(text: str) -> str:
    """NFC-normalise text: typed Vietnamese often arrives decomposed (base letter + marks)."""
    return unicodedata.normalize("NFC", text or "")


def format_local_time(utc_naive: dt.datetime, tz_name: str = "Asia/Ho_Chi_Minh") -> str:
    """Format a naive-UTC datetime as the office's local 'HH:MM dd/mm/yyyy'."""
    local = utc_naive.replace(tzinfo=dt.UTC).astimezone(ZoneInfo(tz_name))
    return local.strftime("%H:%M %d/%m/%Y")


def ticket_print_from(
    ticket,
    office,
    field,
    priority=None,
    *,
    people_ahead: int | None,
    estimated_wait_min: int | None,
    status_url: str,
) -> TicketPrint:
    """Build a TicketPrint from already-loaded rows (reads attributes only, never queries)."""
    return TicketPrint(
        office_name=office.name,
        field_name=field.name,
        display_number=ticket.display_number,
        priority_name=priority.name if priority is not None else None,
        issued_at_local=format_local_time(ticket.issued_at, office.timezone),
        people_ahead=people_ahead,
        estimated_wait_min=estimated_wait_min,
        status_url=status_url,
        footer=office.ticket_footer,
        logo=bytes(office.logo) if office.logo else None,
    )


class _Canvas:
    """A tall white greyscale page drawn top to bottom, cropped when finished."""

    def __init__(self, width: int):
        """Start an empty page `width` dots wide."""
        self.width = width
        self.scale = width / BASE_DOTS
        self.margin = max(8, round(16 * self.scale))
        self.inner = width - 2 * self.margin
        self.image = Image.new("L", (width, CANVAS_MAX_H), 255)
        self.draw = ImageDraw.Draw(self.image)
        self.y = self.margin

    def px(self, size: float, minimum: int = MIN_PX) -> int:
        """A design size (for 576 dots) scaled to this page, never under `minimum`."""
        return max(minimum, round(size * self.scale))

    def gap(self, size: float) -> None:
        """Leave vertical space."""
        self.y += max(2, round(size * self.scale))

    @staticmethod
    def line_height(weight: str, size: int) -> int:
        """Distance between baselines of consecutive lines."""
        ascent, descent = font(weight, size).getmetrics()
        return ascent + descent

    def put(self, x: float, y: float, text: str, weight: str, size: int, fill: int = 0) -> None:
        """Stamp one line of text with its top-left at (x, y), from the cached mask."""
        if not text:
            return
        mask, dx, dy = text_mask(weight, size, text)
        self.image.paste(fill, (round(x + dx), round(y + dy)), mask)

    def wrap(self, text: str, weight: str, size: int, width: int) -> list[str]:
        """Greedy word wrap; a word longer than the line is broken between letters."""
        space = text_width(weight, size, " ")
        # Sum of cached word widths: ignores kerning across spaces, so keep a few dots spare.
        width -= 4
        lines: list[str] = []
        for paragraph in nfc(text).splitlines() or [""]:
            line, line_w = "", 0.0
            for word in paragraph.split():
                word_w = text_width(weight, size, word)
                if line and line_w + space + word_w <= width:
                    line, line_w = f"{line} {word}", line_w + space + word_w
                    continue
                if line:
                    lines.append(line)
                while word_w > width:
                    cut = len(word) - 1
                    while cut > 1 and text_width(weight, size, word[:cut]) > width:
                        cut -= 1
                    lines.append(word[:cut])
                    word = word[cut:]
                    word_w = text_width(weight, size, word)
                line, line_w = word, word_w
            lines.append(line)
        return lines

    def text_block(self, text: str, weight: str, size: float, align: str = "center") -> None:
        """Draw wrapped text, one line under another."""
        px = self.px(size)
        step = self.line_height(weight, px)
        for line in self.wrap(text, weight, px, self.inner):
            if align == "center":
                x = self.margin + (self.inner - text_width(weight, px, line)) / 2
            else:
                x = self.margin
            self.put(x, self.y, line, weight, px)
            self.y += step

    def rule(self, thickness: int = 2) -> None:
        """A horizontal line across the printable width."""
        self.draw.rectangle(
            (self.margin, self.y, self.width - self.margin - 1, self.y + thickness - 1), fill=0
        )
        self.y += thickness

    def big_number(self, text: str) -> None:
        """The ticket number, as large as the width and a ~24 mm height allow."""
        text = nfc(text)
        left, top, right, bottom = font("bold", 100).getbbox(text)
        ink_w, ink_h = max(1, right - left), max(1, bottom - top)
        size = max(self.px(40), int(100 * min(self.inner / ink_w, self.px(190) / ink_h)))
        left, top, right, bottom = font("bold", size).getbbox(text)
        x = self.margin + (self.inner - (right - left)) / 2 - left
        self.put(x, self.y - top, text, "bold", size)
        self.y += bottom - top

    def inverse_banner(self, text: str, size: float) -> None:
        """White bold text on a black band: the priority mark, visible at a glance."""
        px = self.px(size)
        step = self.line_height("bold", px)
        pad = self.px(8, minimum=4)
        lines = self.wrap(text, "bold", px, self.inner - 2 * pad)
        height = len(lines) * step + 2 * pad
        self.draw.rounded_rectangle(
            (self.margin, self.y, self.width - self.margin - 1, self.y + height),
            radius=pad, fill=0,
        )
        y = self.y + pad
        for line in lines:
            x = self.margin + (self.inner - text_width("bold", px, line)) / 2
            self.put(x, y, line, "bold", px, fill=255)
            y += step
        self.y += height

    def row(self, label: str, hint: str, value: str, english: bool) -> None:
        """A label on the left (with an optional small English hint) and a bold value right."""
        label_px, hint_px, value_px = self.px(24), self.px(17), self.px(28)
        label, value = nfc(label), nfc(value)
        hint = hint if english else ""
        value_w = text_width("bold", value_px, value)
        value_h = self.line_height("bold", value_px)
        label_step = self.line_height("regular", label_px)
        label_h = label_step + (self.line_height("regular", hint_px) if hint else 0)
        if text_width("regular", label_px, label) + value_w + self.px(12) > self.inner:
            # Too narrow for one line (58 mm): the value goes under the label, right-aligned.
            self.text_block(label, "regular", 24, align="left")
            if hint:
                self.text_block(hint, "regular", 17, align="left")
            self.put(self.margin + self.inner - value_w, self.y, value, "bold", value_px)
            self.y += value_h
            return
        height = max(label_h, value_h)
        top = self.y
        self.put(self.margin, top, label, "regular", label_px)
        if hint:
            self.put(self.margin, top + label_step, hint, "regular", hint_px)
        self.put(self.margin + self.inner - value_w, top + (height - value_h) / 2, value,
                 "bold", value_px)
        self.y += height

    def paste_1bit(self, image: Image.Image) -> None:
        """Paste a 1-bit image centred at the cursor."""
        x = (self.width - image.width) // 2
        self.image.paste(image.convert("L"), (x, self.y))
        self.y += image.height

    def logo(self, data: bytes) -> None:
        """An office logo, scaled to fit and dithered (it may be a photo or a colour seal)."""
        with Image.open(io.BytesIO(data)) as raw:
            raw.load()
            logo = raw.convert("RGBA")
        white = Image.new("RGBA", logo.size, (255, 255, 255, 255))
        logo = Image.alpha_composite(white, logo).convert("L")
        logo.thumbnail((self.inner, self.px(110)), Image.Resampling.LANCZOS)
        self.paste_1bit(logo.convert("1", dither=Image.Dither.FLOYDSTEINBERG))

    def qr(self, payload: str, module_px: int) -> None:
        """A QR code with whole-dot modules (no resampling blur) and a 4-module quiet zone."""
        matrix = qr_matrix(payload)
        n = len(matrix)
        # Shrink modules if the code would not fit the paper (very long URL on 58 mm).
        module_px = max(2, min(module_px, self.inner // n))
        small = Image.frombytes("L", (n, n), bytes(0 if cell else 255 for r in matrix for cell in r))
        self.paste_1bit(small.resize((n * module_px, n * module_px), Image.Resampling.NEAREST))

    def finish(self) -> Image.Image:
        """Crop to the drawn height and threshold to the printer's 1-bit image."""
        height = min(CANVAS_MAX_H, self.y + self.margin)
        page = self.image.crop((0, 0, self.width, height))
        return page.convert("1", dither=Image.Dither.NONE)


def qr_matrix(payload: str) -> list[list[bool]]:
    """QR modules (True = dark) for a payload, error correction M, 4-module quiet zone."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(payload)
    code.make(fit=True)
    return code.get_matrix()


def render_ticket(data: TicketPrint, paper_mm: int = 80, width: int | None = None) -> Image.Image:
    """Draw a ticket as a mode "1" image `paper_dots(paper_mm)` wide (or `width` dots)."""
    page = _Canvas(width or paper_dots(paper_mm))
    en = data.english
    if data.logo:
        page.logo(data.logo)
        page.gap(8)
    page.text_block(data.office_name, "bold", 28)
    page.gap(6)
    page.rule()
    page.gap(10)
    page.text_block(data.field_name, "regular", 28)
    page.gap(12)
    page.text_block("SỐ THỨ TỰ" + (" · YOUR NUMBER" if en else ""), "regular", 22)
    page.gap(6)
    page.big_number(data.display_number)
    page.gap(18)
    if data.priority_name:
        page.inverse_banner(f"ƯU TIÊN: {data.priority_name}", 28)
        page.gap(12)
    if data.issued_at_local:
        page.row("Giờ lấy số", "Issued at", data.issued_at_local, en)
        page.gap(6)
    if data.people_ahead is not None:
        page.row("Số người chờ trước", "People ahead", str(data.people_ahead), en)
        page.gap(6)
    if data.estimated_wait_min is not None:
        page.row("Thời gian chờ dự kiến", "Estimated wait",
                 f"~{data.estimated_wait_min} phút", en)
        page.gap(6)
    if data.status_url:
        page.gap(8)
        page.qr(data.status_url, module_px=page.px(6, minimum=3))
        page.text_block("Quét mã để theo dõi lượt của bạn", "regular", 20)
        if en:
            page.text_block("Scan to follow your turn", "regular", 17)
    if data.footer:
        page.gap(10)
        page.rule(1)
        page.gap(8)
        page.text_block(data.footer, "bold", 22)
    return page.finish()


VIETNAMESE_SAMPLE = (
    "AĂÂBCDĐEÊGHIKLMNOÔƠPQRSTUƯVXY\n"
    "aăâbcdđeêghiklmnoôơpqrstuưvxy\n"
    "À Á Ả Ã Ạ Ầ Ấ Ẩ Ẫ Ậ Ằ Ắ Ẳ Ẵ Ặ\n"
    "È É Ẻ Ẽ Ẹ Ề Ế Ể Ễ Ệ Ì Í Ỉ Ĩ Ị\n"
    "Ò Ó Ỏ Õ Ọ Ồ Ố Ổ Ỗ Ộ Ờ Ớ Ở Ỡ Ợ\n"
    "Ù Ú Ủ Ũ Ụ Ừ Ứ Ử Ữ Ự Ỳ Ý Ỷ Ỹ Ỵ\n"
    "ờ ớ ở ỡ ợ ừ ứ ử ữ ự ỗ ệ ẫ ặ đ"
)


def render_test_page(paper_mm: int = 80, width: int | None = None,
                     printed_at: str = "") -> Image.Image:
    """A test page: the Vietnamese alphabet in both weights, a ruler and a QR code."""
    page = _Canvas(width or paper_dots(paper_mm))
    page.text_block("TRANG IN THỬ · TEST PAGE", "bold", 30)
    page.gap(4)
    page.text_block(f"motcua · khổ giấy {paper_mm} mm · {page.width} điểm", "regular", 20)
    if printed_at:
        page.text_block(printed_at, "regular", 20)
    page.gap(8)
    page.rule()
    page.gap(8)
    page.text_block(VIETNAMESE_SAMPLE, "regular", 24)
    page.gap(6)
    page.text_block("Cộng hoà xã hội chủ nghĩa Việt Nam", "bold", 24)
    page.gap(10)
    # Ruler: a tick every 8 dots (1 mm at 203 dpi), a long one every 10 mm, full printable width.
    for x in range(0, page.width, 8):
        tall = 24 if x % 80 == 0 else 10
        page.draw.line((x, page.y, x, page.y + tall), fill=0)
    page.draw.line((0, page.y, page.width - 1, page.y), fill=0)
    page.y += 28
    page.gap(10)
    page.qr("https://motcua.invalid/test", module_px=page.px(6, minimum=3))
    page.text_block("1234567890", "bold", 60)
    return page.finish()
