"""Display room: Vietnamese number words, announcement clips, and the browser announcer."""

import functools
import http.server
import json
import shutil
import threading
from pathlib import Path

import pytest

from display import voice

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "static"

NORTH = [
    (0, "không"),
    (4, "bốn"),
    (10, "mười"),
    (11, "mười một"),
    (14, "mười bốn"),
    (15, "mười lăm"),
    (20, "hai mươi"),
    (21, "hai mươi mốt"),
    (24, "hai mươi tư"),
    (25, "hai mươi lăm"),
    (31, "ba mươi mốt"),
    (100, "một trăm"),
    (104, "một trăm linh bốn"),
    (105, "một trăm linh năm"),
    (111, "một trăm mười một"),
    (115, "một trăm mười lăm"),
    (1000, "một nghìn"),
    (1001, "một nghìn không trăm linh một"),
    (1012, "một nghìn không trăm mười hai"),
    (1015, "một nghìn không trăm mười lăm"),
    (1021, "một nghìn không trăm hai mươi mốt"),
    (1100, "một nghìn một trăm"),
    (1105, "một nghìn một trăm linh năm"),
    (2024, "hai nghìn không trăm hai mươi tư"),
    (10005, "mười nghìn không trăm linh năm"),
    (21000, "hai mươi mốt nghìn"),
    (100000, "một trăm nghìn"),
    (999999, "chín trăm chín mươi chín nghìn chín trăm chín mươi chín"),
    (1000000, "một triệu"),
    (1000005, "một triệu không trăm linh năm"),
    (1005000, "một triệu không trăm linh năm nghìn"),
    (2000000000, "hai tỷ"),
]

SOUTH = [
    (24, "hai mươi bốn"),
    (105, "một trăm lẻ năm"),
    (1000, "một ngàn"),
    (1001, "một ngàn không trăm lẻ một"),
    (1012, "một ngàn không trăm mười hai"),
    (1021, "một ngàn không trăm hai mươi mốt"),
    (2024, "hai ngàn không trăm hai mươi bốn"),
    (10005, "mười ngàn không trăm lẻ năm"),
]


@pytest.mark.parametrize(("n", "words"), NORTH)
def test_number_to_words_north(n, words):
    """Northern reading follows DOMAIN.md."""
    assert voice.number_to_words(n) == words


@pytest.mark.parametrize(("n", "words"), SOUTH)
def test_number_to_words_south(n, words):
    """Southern reading says "ngàn", "lẻ" and "bốn" after "mươi"."""
    assert voice.number_to_words(n, "south") == words


@pytest.mark.parametrize("bad", [-1, voice.MAX_NUMBER + 1])
def test_number_out_of_range_is_refused(bad):
    """Numbers outside 0..MAX_NUMBER raise ValueError instead of being misread."""
    with pytest.raises(ValueError):
        voice.number_to_words(bad)


def test_unknown_region_is_refused():
    """A typo in the office's region setting fails loudly."""
    with pytest.raises(ValueError):
        voice.number_to_words(5, "central")


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("A012", "a mười hai"),
        ("B105", "bê một trăm linh năm"),
        ("C1", "xê một"),
        ("đ007", "đê bảy"),
        ("A000", "a không"),
        ("L-24", "e-lờ hai mươi tư"),
        ("XY 3", "ích-xì i dài ba"),
        ("1012", "một nghìn không trăm mười hai"),
    ],
)
def test_ticket_number_words(code, words):
    """Letters are read by name, digits as one number without leading zeros."""
    assert voice.ticket_number_words(code) == words


@pytest.mark.parametrize("bad", ["", "A?1", "---"])
def test_unreadable_ticket_number_is_refused(bad):
    """A code with nothing readable, or a character with no name, raises ValueError."""
    with pytest.raises(ValueError):
        voice.ticket_number_words(bad)


def test_announcement_text_keeps_digits():
    """The on-screen sentence shows the ticket and counter as printed."""
    assert (
        voice.announcement_text("A012", 2)
        == "Mời công dân có số thứ tự A012 đến quầy số 2"
    )


def test_announcement_words_north():
    """The spoken sentence reads numbers in words."""
    assert voice.announcement_words("1012", 2) == (
        "Mời công dân có số thứ tự một nghìn không trăm mười hai đến quầy số hai"
    )


def test_announcement_words_south():
    """The southern sentence uses the southern words."""
    assert voice.announcement_words("1001", 14, "south") == (
        "Mời công dân có số thứ tự một ngàn không trăm lẻ một đến quầy số mười bốn"
    )


def test_announcement_clips_order():
    """Clips play chime, phrase, number, phrase, counter."""
    assert voice.announcement_clips("1012", 2) == [
        "chime",
        "moi_cong_dan_co_so_thu_tu",
        "mot",
        "nghin",
        "khong",
        "tram",
        "muoi",
        "hai",
        "den_quay_so",
        "hai",
    ]


@pytest.mark.parametrize("region", voice.REGIONS)
def test_clips_speak_the_same_words_as_the_synthesiser(region):
    """Joining the clip texts gives exactly announcement_words."""
    keys = voice.announcement_clips("B2024", 31, region)[1:]
    spoken = " ".join(voice.clip_text(key, region) for key in keys)
    assert spoken[0].upper() + spoken[1:] == voice.announcement_words(
        "B2024", 31, region
    )


@pytest.mark.parametrize("region", voice.REGIONS)
def test_every_clip_for_numbers_up_to_9999_is_bundled(region):
    """Each clip key used for 0..9999 and every letter has a file in static/sounds."""
    keys = {
        voice.CHIME,
        voice.PHRASE_CALL,
        voice.PHRASE_COUNTER,
        *voice.LETTER_KEYS.values(),
    }
    for n in range(10000):
        keys.update(voice.number_clip_keys(n))
    missing = [
        key for key in keys if not (STATIC / voice.clip_path(key, region)).is_file()
    ]
    assert missing == []


def test_bundled_clips_match_the_clip_texts():
    """clips.json was written from the current CLIP_TEXT (rerun make_clips.py if not)."""
    manifest = json.loads(
        (STATIC / "sounds" / "clips.json").read_text(encoding="utf-8")
    )
    expected = {voice.clip_path(voice.CHIME): ""}
    for region in voice.REGIONS:
        for key in voice.CLIP_TEXT:
            expected[voice.clip_path(key, region)] = voice.clip_text(key, region)
    assert manifest["clips"] == expected
    assert manifest["settings"]["espeak_ng"].startswith("eSpeak NG")


def test_bundled_sounds_stay_small():
    """All bundled sounds together stay under 2 MB."""
    total = sum(path.stat().st_size for path in (STATIC / "sounds").rglob("*.ogg"))
    assert 0 < total < 2_000_000


# --- static/js/announcer.js in a real Chromium (conftest's session `browser`) ----------

REQUIRE_GESTURE = "--autoplay-policy=user-gesture-required"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PAGE = b"<!doctype html><meta charset=utf-8><title>announcer</title><script src=/static/js/announcer.js></script>"
# Announces from the page's own script: Playwright's evaluate() counts as a user gesture,
# so only a call made without it meets the autoplay policy the way a display screen does.
AUTOSTART = """<script>
  window.blockedMessages = [];
  addEventListener("motcua:audio-blocked", (e) => blockedMessages.push(e.detail.message));
  window.a = new MotcuaAnnouncer({voiceWaitMs: 50});
  window.done = a.announce({text: "số 2", clips: ["chime", "hai"]});
</script>""".encode()


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serve the repository's files plus a blank page that loads announcer.js."""

    def do_GET(self):
        """Answer "/" (and "/autostart") with the test page, anything else from disk."""
        if self.path in ("/", "/autostart"):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(PAGE + (AUTOSTART if self.path == "/autostart" else b""))
        else:
            super().do_GET()

    def log_message(self, *args):
        """Keep test output quiet."""


@pytest.fixture(scope="module")
def base_url():
    """Serve the repository on a loopback port for the module's browser tests."""
    handler = functools.partial(_Handler, directory=str(ROOT))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def page(browser, base_url):
    """A fresh page on the announcer test page (autoplay allowed, as on a display box)."""
    context = browser.new_context()
    opened = context.new_page()
    opened.goto(base_url + "/")
    yield opened
    context.close()


# Each call: chime + one short word, so a test plays a few seconds of real audio at most.
RUN_TWO = """async () => {
  const a = new MotcuaAnnouncer({voiceWaitMs: 50});
  const events = [];
  a.on("clipstart", (d) => events.push("start " + d.url));
  a.on("clipend", (d) => events.push("end " + d.url + " " + d.result));
  const first = a.announce({text: "số 2", clips: ["chime", "hai"]});
  const second = a.announce({text: "số 3", clips: ["chime", "ba"]});
  return {results: await Promise.all([first, second]), events, log: MotcuaAnnouncer.log};
}"""


@pytest.mark.browser
def test_announcer_plays_calls_one_after_another(page):
    """Two calls play chime and clips in order, each clip ending before the next starts."""
    outcome = page.evaluate(RUN_TWO)
    chime = "/static/sounds/chime.ogg"
    hai, ba = "/static/sounds/vi/hai.ogg", "/static/sounds/vi/ba.ogg"
    assert outcome["results"] == ["clips", "clips"]
    assert outcome["log"] == ["số 2", "số 3"]
    assert outcome["events"] == [
        f"start {chime}", f"end {chime} ok", f"start {hai}", f"end {hai} ok",
        f"start {chime}", f"end {chime} ok", f"start {ba}", f"end {ba} ok",
    ]  # fmt: skip


@pytest.mark.browser
def test_announcer_uses_office_clip_urls(page):
    """A clipUrl function replaces the bundled URL of each key."""
    urls = page.evaluate("""() => {
      const a = new MotcuaAnnouncer({clipUrl: (k) => "/voice/7/" + k});
      return [a.clipUrl("chime"), a.clipUrl("hai")];
    }""")
    assert urls == ["/voice/7/chime", "/voice/7/hai"]


@pytest.mark.browser
def test_muted_announcer_logs_without_sound(page):
    """Muted calls pass through the queue and the log without playing a clip."""
    outcome = page.evaluate("""async () => {
      const a = new MotcuaAnnouncer({muted: true});
      let clips = 0;
      a.on("clipstart", () => { clips += 1; });
      const via = await a.announce({text: "số 9", clips: ["chime", "chin"]});
      return {via, clips, log: a.log};
    }""")
    assert outcome == {"via": "muted", "clips": 0, "log": ["số 9"]}


@pytest.mark.browser
def test_blocked_autoplay_is_reported_then_resumed_by_a_click(browser, base_url):
    """Without a gesture the page is told audio is blocked; a click plays the waiting call."""
    # A second Chromium from the same Playwright, with the stock "needs a click" policy.
    strict = browser.browser_type.launch(
        executable_path=CHROMIUM, args=[REQUIRE_GESTURE]
    )
    try:
        page = strict.new_page()
        page.goto(base_url + "/autostart")
        page.wait_for_function("blockedMessages.length === 1", timeout=5000)
        before = page.evaluate("({log: a.log.slice(), blocked: a.blocked})")
        message = page.evaluate("blockedMessages[0]")
        page.mouse.click(10, 10)
        via = page.evaluate("done")
        after = page.evaluate("({log: a.log.slice(), blocked: a.blocked})")
    finally:
        strict.close()
    assert before == {"log": [], "blocked": True}
    assert "--autoplay-policy=no-user-gesture-required" in message
    assert via == "clips"
    assert after == {"log": ["số 2"], "blocked": False}


# Chromium here has no Vietnamese voice; this stand-in voice lets the speech path run.
FAKE_VIETNAMESE_VOICE = """
  const spoken = [];
  const fakeVoice = {lang: "vi-VN", name: "test vi", localService: true};
  Object.defineProperty(window, "speechSynthesis", {value: {
    getVoices: () => [fakeVoice], addEventListener() {}, cancel() {}, resume() {},
    speak(u) { spoken.push({words: u.text, lang: u.lang, at: performance.now()});
               setTimeout(() => u.onend && u.onend(), 20); },
  }});
  window.SpeechSynthesisUtterance = function (text) { this.text = text; };
  window.spoken = spoken;
"""


@pytest.mark.browser
def test_announcer_speaks_words_after_the_chime_with_a_vietnamese_voice(page):
    """With a "vi" voice the chime plays, then the words are spoken, not the clips."""
    page.add_init_script(FAKE_VIETNAMESE_VOICE)
    page.reload()
    outcome = page.evaluate("""async () => {
      const a = new MotcuaAnnouncer({});
      let chimeEnd = null; const urls = [];
      a.on("clipend", (d) => { urls.push(d.url); chimeEnd = performance.now(); });
      const via = await a.announce({text: "1012", words: "một nghìn không trăm mười hai",
                                    clips: ["chime", "mot", "nghin"]});
      return {via, urls, spoken, spokeAfterChime: spoken[0].at >= chimeEnd};
    }""")
    assert outcome["via"] == "speech"
    assert outcome["urls"] == ["/static/sounds/chime.ogg"]
    assert [s["words"] for s in outcome["spoken"]] == ["một nghìn không trăm mười hai"]
    assert outcome["spokeAfterChime"] is True
