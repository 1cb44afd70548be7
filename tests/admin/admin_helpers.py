"""Admin room test helpers: PUT through the CSRF-carrying client, a second office, small files."""

from __future__ import annotations

import io
import pathlib

import pytest
from PIL import Image

from conftest import make_counter, make_device, make_field, make_priority, make_user
from models import Procedure, VoiceClip

ROOT = pathlib.Path(__file__).resolve().parents[2]
OGG = (ROOT / "static" / "sounds" / "vi" / "hai.ogg").read_bytes()


def put(client, url, json=None):
    """PUT JSON with the client's CSRF header (conftest's ApiClient has no put())."""
    return client.client.put(url, json=json, headers=client._headers(None))


def upload(client, url, name, data: bytes, filename="file.bin"):
    """POST one file as multipart/form-data with the client's CSRF header.

    The body is built here rather than by the test client, which spools bodies over 500 KB to a
    temporary file it never closes (a ResourceWarning, an error under filterwarnings=error).
    """
    boundary = "motcua-test-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return client.client.post(
        url, data=body, headers=client._headers(None), content_type=f"multipart/form-data; boundary={boundary}"
    )


def png_bytes(size=(64, 64)) -> bytes:
    """A real PNG image."""
    out = io.BytesIO()
    Image.new("RGB", size, (11, 79, 156)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture(name="other")
def other_office(office):
    """A second office with one of everything, which the first office's admin must never reach."""
    from conftest import make_office

    o = make_office(name="UBND xã Khác")
    field = make_field(o, name="Đất đai", code="DD")
    counter = make_counter(o, [field], number=7)
    user = make_user(o, "clerk", [counter], username="khac_canbo")
    admin = make_user(o, "admin", username="khac_admin")
    device, token = make_device(o, "kiosk")
    category = make_priority(o, code="khac", name="Khác")
    procedure = Procedure.create(field=field, name="Thủ tục khác")
    clip = VoiceClip.create(office=o, key="mot", data=OGG, content_type="audio/ogg")
    return dict(
        office=o,
        field=field,
        counter=counter,
        user=user,
        admin=admin,
        device=device,
        token=token,
        category=category,
        procedure=procedure,
        clip=clip,
    )
