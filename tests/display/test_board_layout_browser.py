"""Display room: the demo office's board at the common TV sizes, in a real Chromium against the real
server. Every part must stay in its place: the join QR whole on screen, clear of the ticker and of
everything else, and readable by a phone (decoded from a screenshot); each waiting box inside its
own column, its count on screen; a ticket transferred away no longer shown at its old counter.
Screenshots: tests/screenshots/display-demo-*.png."""

import io

import pytest
import requests
import zxingcpp
from PIL import Image

import demo
import migrations
import models
from conftest import free_port, screenshot
from models import Counter, Field

SIZES = [(1920, 1080), (1366, 768), (1280, 720), (3840, 2160)]
LONG_NAME = "Lao động - Thương binh và Xã hội (Người có công)"
# People waiting per field code (the demo's 11 fields; "NN" has nobody, so the board leaves it out).
WAITING = {"HT": 4, "CT": 2, "DD": 3, "LD": 3, "BT": 1, "VH": 1, "XD": 2, "GD": 1, "TD": 1, "YT": 2}

# Rectangles of the parts of the board, as the browser lays them out.
GEOMETRY = """() => {
  const box = (el) => { const r = el.getBoundingClientRect();
    return {left: r.left, top: r.top, right: r.right, bottom: r.bottom, width: r.width, height: r.height}; };
  const join = document.querySelector('.join');
  const others = Array.from(document.querySelectorAll('body *'))
    .filter((el) => !join.contains(el) && !el.contains(join) && !['SCRIPT', 'STYLE'].includes(el.tagName))
    .filter((el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; })
    .map((el) => Object.assign(box(el), {what: el.tagName + '#' + el.id + '.' + el.className}));
  return {
    viewport: {width: innerWidth, height: innerHeight},
    join: box(join), qr: box(document.getElementById('join-qr')), ticker: box(document.getElementById('ticker')),
    others: others,
    left: box(document.querySelector('.board-left')), fieldsList: box(document.getElementById('fields')),
    fields: Array.from(document.querySelectorAll('#fields .field')).map((li) => ({
      name: li.querySelector('.field-name').textContent, box: box(li),
      wrapped: li.querySelector('.field-name').classList.contains('field-name--wrap'),
      nameBox: box(li.querySelector('.field-name')), count: box(li.querySelector('.field-count')),
      countText: li.querySelector('.field-count').textContent})),
    counters: Array.from(document.querySelectorAll('#counters .counter')).map(box),
  };
}"""


def overlap(a, b) -> bool:
    """Whether two rectangles share more than a hairline."""
    return min(a["right"], b["right"]) - max(a["left"], b["left"]) > 0.5 and \
        min(a["bottom"], b["bottom"]) - max(a["top"], b["top"]) > 0.5


def inside(inner, outer) -> bool:
    """Whether a rectangle lies within another (a hairline of rounding allowed)."""
    return inner["left"] >= outer["left"] - 0.5 and inner["top"] >= outer["top"] - 0.5 and \
        inner["right"] <= outer["right"] + 0.5 and inner["bottom"] <= outer["bottom"] + 0.5


def login(base, username) -> requests.Session:
    """A clerk of the demo office, logged in."""
    session = requests.Session()
    answer = session.post(base + "/api/session", json={"username": username, "password": demo.DEMO_PASSWORD},
                          timeout=10)
    assert answer.status_code == 200, answer.text
    session.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
    return session


@pytest.fixture
def demo_hall(tmp_path, live_server_factory):
    """The demo office (``demo.seed_demo``) served live, with people waiting and counters at work."""
    url = f"sqlite:///{tmp_path / 'live.db'}"
    models.db.initialize(models.make_database(url))
    migrations.upgrade()
    with models.connection():
        links = demo.seed_demo(tmp_path / "instance")
        fields = {f.code: f.id for f in Field.select()}
        counters = {c.number: c.id for c in Counter.select()}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = live_server_factory(db_url=url, env={"PUBLIC_BASE_URL": base}, port=port)
    kiosk = requests.Session()
    kiosk.headers["X-Device-Token"] = links["kiosk"]
    for code, count in WAITING.items():
        for _ in range(count + (1 if code in ("HT", "DD") else 0)):  # one more for the counter to call
            assert kiosk.post(base + "/api/tickets", json={"field": fields[code]}, timeout=10).status_code == 201
    clerks = {number: login(base, f"canbo{number}") for number in counters}
    for number, clerk in clerks.items():
        assert clerk.post(f"{base}/api/counters/{counters[number]}/open", timeout=10).status_code == 200
    called = {}
    for number in (1, 2):
        answer = clerks[number].post(f"{base}/api/counters/{counters[number]}/call-next", timeout=10)
        assert answer.status_code == 200, answer.text
        called[number] = answer.json()["ticket"]
    clerks[3].post(f"{base}/api/counters/{counters[3]}/pause", json={"reason": "Họp giao ban"}, timeout=10)
    return server, base, links, counters, clerks, called


def open_board(browser, base, token, width, height):
    """The paired board at one screen size, once its snapshot and join QR are drawn."""
    context = browser.new_context(viewport={"width": width, "height": height}, timezone_id="Asia/Ho_Chi_Minh")
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.goto(f"{base}/pair/{token}")
    page.wait_for_function("() => window.MotcuaBoard && MotcuaBoard.state.snapshots > 0", timeout=10000)
    page.wait_for_selector(".join:not([hidden]) #join-qr svg", timeout=10000)
    page.evaluate("document.fonts.ready")
    return page


def qr_texts(png: bytes) -> list[str]:
    """The texts of the QR codes zxing-cpp finds in a screenshot."""
    return [found.text for found in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def board_at(browser, demo_hall, width, height):
    """The demo board at one size, its screenshot written, and the rectangles of its parts."""
    server, base, links, counters, clerks, called = demo_hall
    board = open_board(browser, base, links["display"], width, height)
    board.wait_for_function(f"document.querySelectorAll('#fields .field').length === {len(WAITING)}")
    screenshot(board, f"display-demo-{width}x{height}")
    return board, board.evaluate(GEOMETRY)


@pytest.mark.browser
@pytest.mark.parametrize("width,height", SIZES)
def test_the_join_qr_is_whole_clear_of_the_ticker_and_readable(browser, demo_hall, width, height):
    board, g = board_at(browser, demo_hall, width, height)
    screen = {"left": 0, "top": 0, "right": g["viewport"]["width"], "bottom": g["viewport"]["height"]}
    assert inside(g["join"], screen), g["join"]
    assert not overlap(g["join"], g["ticker"]) and g["join"]["bottom"] <= g["ticker"]["top"] + 0.5
    assert [o["what"] for o in g["others"] if overlap(o, g["join"])] == []
    assert g["qr"]["height"] >= height * 0.18, g["qr"]  # a phone reads it from a few metres
    base = demo_hall[1]
    assert [text for text in qr_texts(board.screenshot()) if text.startswith(f"{base}/j/")], "QR not readable"
    assert board.errors == []


@pytest.mark.browser
@pytest.mark.parametrize("width,height", SIZES)
def test_each_waiting_box_stays_in_its_column_with_its_count(browser, demo_hall, width, height):
    board, g = board_at(browser, demo_hall, width, height)
    assert LONG_NAME in [f["name"] for f in g["fields"]]
    assert [f["name"] for f in g["fields"] if f["wrapped"]] == [LONG_NAME]  # the short ones keep one line
    for field in g["fields"]:
        assert inside(field["box"], g["fieldsList"]) and inside(field["box"], g["left"]), field
        assert not any(overlap(field["box"], counter) for counter in g["counters"]), field
    for field in g["fields"]:
        assert inside(field["count"], field["box"]) and inside(field["nameBox"], field["box"]), field
        assert field["countText"] == str(WAITING[_code(field["name"])]), field
    assert board.errors == []


def _code(name: str) -> str:
    """A demo field's code from its name."""
    return next(code for code, full, *_ in demo.FIELDS if full == name)


@pytest.mark.browser
def test_a_ticket_transferred_away_leaves_its_old_counters_row(browser, demo_hall):
    server, base, links, counters, clerks, called = demo_hall
    board = open_board(browser, base, links["display"], 1920, 1080)
    row = "() => (document.querySelector('[data-counter=\"%d\"] .counter-ticket') || {}).textContent"
    first = called[1]["number"]
    board.wait_for_function(f"({row % counters[1]})() === '{first}'")

    answer = clerks[1].post(f"{base}/api/tickets/{called[1]['id']}/transfer", json={"counter": counters[4]}, timeout=10)
    assert answer.status_code == 200, answer.text
    board.wait_for_function(f"({row % counters[1]})() === '—'", timeout=3000)  # live
    screenshot(board, "display-demo-transferred")
    board.reload()
    board.wait_for_function("() => window.MotcuaBoard && MotcuaBoard.state.snapshots > 0", timeout=10000)
    assert board.evaluate(f"({row % counters[1]})()") == "—"  # and after a reconnect's snapshot

    answer = clerks[4].post(f"{base}/api/counters/{counters[4]}/call-next", timeout=10)
    assert answer.json()["ticket"]["number"] == first
    board.wait_for_function(f"({row % counters[4]})() === '{first}'", timeout=3000)
    assert board.evaluate(f"({row % counters[1]})()") == "—"
    board.reload()
    board.wait_for_function(f"({row % counters[4]})() === '{first}'", timeout=10000)
    assert board.evaluate(f"({row % counters[1]})()") == "—"
    assert board.errors == []

