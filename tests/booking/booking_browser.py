"""Booking room test helpers for Chromium: pages in the office's time zone, a phone-sized context,
screenshots, and reading a QR code off a screenshot with zxing-cpp."""

from __future__ import annotations

import io

import zxingcpp
from PIL import Image

from conftest import screenshot

BOARD = {"width": 1920, "height": 1080}
KIOSK = {"width": 1920, "height": 1080}
PHONE = {"width": 390, "height": 844}
TZ = "Asia/Ho_Chi_Minh"


def open_page(browser, url, viewport, phone=False, **context_args):
    """A fresh context (own cookies) in the office's time zone; page errors are collected."""
    if phone:
        context_args.update(is_mobile=True, has_touch=True, device_scale_factor=2)
    context = browser.new_context(viewport=viewport, timezone_id=TZ, locale="vi-VN", **context_args)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    if url:
        page.goto(url)
    return page


def shot(page, name):
    """A screenshot for people to look at, once the bundled fonts are ready."""
    page.evaluate("document.fonts.ready")
    return screenshot(page, f"booking-{name}")


def qr_texts(png: bytes) -> list[str]:
    """The texts of the QR codes zxing-cpp finds in a screenshot."""
    return [found.text for found in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]
