"""Static room: the vendored front-end libraries are present, pinned, and all pages stay offline.

static/vendor/VERSIONS.md (written by scripts/vendor.sh) is the claim; these tests check every
row of it against the files, and scan the repo so no page loads anything from the internet.
"""

import hashlib
import re
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "static" / "vendor"

# Minified builds that carry a version banner; qrcode-generator has none, so its sha256
# (recorded from the npm tarball by vendor.sh) is the version evidence for it.
BANNERS = {
    "socket.io.min.js": "Socket.IO v{version}",
    "chart.umd.min.js": "Chart.js v{version}",
}

# The only places the offline scan skips: other people's code and tests that quote URLs.
SCAN_EXCLUDE = {".venv", ".git", "node_modules", "tests", "static/vendor"}
SCAN_SUFFIXES = {".html", ".js", ".css", ".py"}

# What would make a browser fetch from outside: src/href on any tag except <a> (a link
# is navigation, not a load), CSS url()/@import, and well-known CDN hosts anywhere.
OFFLINE_RULES = [
    re.compile(
        r"<(?!a\b)[a-z][^>]*?\b(?:src|href|srcset)\s*=\s*[\"']?(?:https?:)?//",
        re.IGNORECASE,
    ),
    re.compile(r"@import\s+(?:url\(\s*)?[\"']?(?:https?:)?//", re.IGNORECASE),
    re.compile(r"url\(\s*[\"']?(?:https?:)?//", re.IGNORECASE),
    re.compile(r"\bcdn[a-z]*\.[a-z]", re.IGNORECASE),
    re.compile(
        r"unpkg\.com|jsdelivr|googleapis\.com|gstatic\.com|cloudflare\.com",
        re.IGNORECASE,
    ),
]


def versions_rows():
    """Return the table rows of VERSIONS.md as dicts keyed by the header names."""
    lines = [
        ln
        for ln in (VENDOR / "VERSIONS.md").read_text("utf-8").splitlines()
        if ln.startswith("|")
    ]
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    return [
        dict(zip(header, (c.strip() for c in ln.strip("|").split("|")), strict=True))
        for ln in lines[2:]
    ]


ROWS = versions_rows()


def row_id(row):
    """Name a parametrised case after the vendored file."""
    return row["file"]


def test_versions_md_lists_the_four_libraries():
    """VERSIONS.md names socket.io-client, chart.js, qrcode-generator and jsqr."""
    packages = {row["npm package"].split()[0] for row in ROWS}
    assert packages == {"socket.io-client", "chart.js", "qrcode-generator", "jsqr"}


@pytest.mark.parametrize("row", ROWS, ids=row_id)
def test_vendored_file_exists_and_is_not_empty(row):
    """Each listed file is on disk with content."""
    path = VENDOR / row["file"]
    assert path.is_file()
    assert path.stat().st_size > 500


@pytest.mark.parametrize("row", ROWS, ids=row_id)
def test_vendored_file_matches_recorded_sha256(row):
    """Each file is byte for byte the one vendor.sh took from the npm tarball."""
    digest = hashlib.sha256((VENDOR / row["file"]).read_bytes()).hexdigest()
    assert digest == row["sha256"]


@pytest.mark.parametrize("name", sorted(BANNERS))
def test_version_banner_matches_versions_md(name):
    """The build's own banner states the version VERSIONS.md claims."""
    (row,) = [r for r in ROWS if r["file"] == name]
    banner = BANNERS[name].format(version=row["version"])
    assert banner in (VENDOR / name).read_text("utf-8")[:300]


# The words that identify each licence VERSIONS.md may claim.
LICENCE_TEXTS = {"MIT": "Permission is hereby granted, free of charge", "Apache-2.0": "Apache License"}


@pytest.mark.parametrize("row", ROWS, ids=row_id)
def test_licence_file_sits_beside_it(row):
    """Each file's licence is vendored too and is the licence VERSIONS.md claims."""
    text = (VENDOR / row["licence file"]).read_text("utf-8")
    assert LICENCE_TEXTS[row["licence"]] in text


@pytest.mark.parametrize("row", ROWS, ids=row_id)
def test_vendor_script_pins_the_same_version(row):
    """scripts/vendor.sh pins exactly the version VERSIONS.md lists."""
    script = (ROOT / "scripts" / "vendor.sh").read_text("utf-8")
    pins = dict(re.findall(r'^([A-Z]+)_VERSION="([^"]+)"', script, re.MULTILINE))
    var = {
        "socket.io-client": "SOCKETIO",
        "chart.js": "CHARTJS",
        "qrcode-generator": "QRCODE",
        "jsqr": "JSQR",
    }
    assert pins[var[row["npm package"].split()[0]]] == row["version"]


def is_excluded(path):
    """True when a repo-relative path lies under one of SCAN_EXCLUDE."""
    rel = path.relative_to(ROOT).as_posix()
    return any(rel == ex or rel.startswith(ex + "/") for ex in SCAN_EXCLUDE)


def online_references(text):
    """Return the snippets of text that would make a browser load from the internet."""
    return [m.group(0)[-80:] for rule in OFFLINE_RULES for m in rule.finditer(text)]


# Built from parts so that this file itself never reads as a page loading from the internet.
HTTPS, HTTP = "https:" + "//", "http:" + "//"


def test_offline_scan_catches_remote_loads():
    """The scanner flags a CDN script, a remote stylesheet and a CSS @import."""
    bad = (
        f'<script src="{HTTPS}cdn.jsdelivr.net/npm/chart.js"></script>\n'
        f'<link rel="stylesheet" href="{HTTP}example.com/a.css">\n'
        f"@import url({HTTPS}fonts.googleapis.com/css2?family=Roboto);\n"
    )
    assert len(online_references(bad)) >= 3


def test_offline_scan_allows_local_files_and_plain_links():
    """Local static paths and an <a href> to a public site are not loads."""
    good = (
        "<script src=\"{{ url_for('static', filename='vendor/chart.umd.min.js') }}\"></script>\n"
        f'<a href="{HTTPS}dichvucong.gov.vn">Cổng Dịch vụ công</a>\n'
        "# nothing loads from a CDN.\n"
    )
    assert online_references(good) == []


def test_no_page_loads_anything_from_the_internet():
    """No html/js/css/py file outside the exclusions references a remote resource."""
    offenders = []
    for path in sorted(ROOT.rglob("*")):
        if path.suffix in SCAN_SUFFIXES and path.is_file() and not is_excluded(path):
            for hit in online_references(path.read_text("utf-8", errors="replace")):
                offenders.append(f"{path.relative_to(ROOT)}: {hit}")
    assert offenders == []


@pytest.fixture
def page(browser):
    """A page of the suite's one headless Chromium; nothing outside 127.0.0.1 is reachable from it."""
    context = browser.new_context()
    pg = context.new_page()
    # Abort any non-loopback request so a hidden remote load fails the test.
    pg.route(
        re.compile(r"^(?!https?://127\.0\.0\.1[:/]|about:|data:).*"),
        lambda route: route.abort(),
    )
    pg.set_default_timeout(10_000)
    yield pg
    context.close()


@pytest.mark.timeout(60)
def test_vendored_builds_run_in_chromium(page):
    """The three builds define io, Chart (at the listed version) and a UTF-8 qrcode."""
    page.set_content("<!doctype html><meta charset=utf-8><body></body>")
    for name in ("socket.io.min.js", "chart.umd.min.js", "qrcode.js", "qrcode_UTF8.js"):
        page.add_script_tag(path=str(VENDOR / name))
    got = page.evaluate(
        """() => {
            const qr = qrcode(0, 'M'); qr.addData('Đăng ký khai sinh'); qr.make();
            return [typeof io, Chart.version, qr.getModuleCount(),
                    qrcode.stringToBytes('Đ').length];
        }"""
    )
    (chart_row,) = [r for r in ROWS if r["file"] == "chart.umd.min.js"]
    assert got == ["function", chart_row["version"], 25, 2]


@pytest.mark.timeout(60)
def test_vendored_jsqr_reads_a_qr_code_drawn_by_qrcode_js(page):
    """jsQR (the kiosk's camera reader) decodes the pixels of a code qrcode-generator drew."""
    page.set_content("<!doctype html><meta charset=utf-8><body><canvas id=c></canvas></body>")
    for name in ("qrcode.js", "qrcode_UTF8.js", "jsQR.js"):
        page.add_script_tag(path=str(VENDOR / name))
    text = page.evaluate(
        """() => {
            const qr = qrcode(0, 'M'); qr.addData('http://192.168.1.10:5000/b/Lịch-hẹn'); qr.make();
            const cell = 6, size = (qr.getModuleCount() + 8) * cell, canvas = document.getElementById('c');
            canvas.width = canvas.height = size;
            const ctx = canvas.getContext('2d');
            ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, size, size); ctx.fillStyle = '#000';
            for (let r = 0; r < qr.getModuleCount(); r++)
                for (let c = 0; c < qr.getModuleCount(); c++)
                    if (qr.isDark(r, c)) ctx.fillRect((c + 4) * cell, (r + 4) * cell, cell, cell);
            const found = jsQR(ctx.getImageData(0, 0, size, size).data, size, size);
            return found && found.data;
        }"""
    )
    assert text == "http://192.168.1.10:5000/b/Lịch-hẹn"


@pytest.fixture
def socketio_server():
    """A python-socketio 5.x server on 127.0.0.1 serving static/ and answering 'hello'."""
    import socketio
    from werkzeug.serving import make_server

    sio = socketio.Server(async_mode="threading")

    @sio.on("hello")
    def hello(sid, data):
        """Echo back so the client proves a full round trip."""
        return {"got": data}

    def index(environ, start_response):
        """Serve the one page that loads the vendored client from our own static/."""
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [
            b'<!doctype html><script src="/static/vendor/socket.io.min.js"></script>'
        ]

    app = socketio.WSGIApp(sio, index, static_files={"/static": str(ROOT / "static")})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.mark.timeout(60)
def test_vendored_socketio_client_talks_to_python_socketio(page, socketio_server):
    """The vendored client connects to python-socketio 5.x and gets an ack back."""
    page.goto(socketio_server + "/")
    reply = page.evaluate(
        """(url) => new Promise((resolve, reject) => {
            const s = io(url, {transports: ['polling'], reconnection: false});
            s.on('connect_error', (e) => reject(String(e)));
            s.on('connect', () => s.emit('hello', 'xin chào', (ack) => { s.close(); resolve(ack); }));
        })""",
        socketio_server,
    )
    assert reply == {"got": "xin chào"}
