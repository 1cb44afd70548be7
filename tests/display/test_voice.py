"""Display room: the bundled recordings of every clip key, and the browser announcer."""

import functools
import http.server
import json
import shutil
import threading
from pathlib import Path

import pytest

from display import voice
from rules import speech

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "static"


@pytest.mark.parametrize("region", speech.REGIONS)
def test_every_clip_for_numbers_up_to_9999_is_bundled(region):
    """Each clip key used for 0..9999 and every letter has a file in static/sounds."""
    keys = {
        speech.CHIME,
        speech.PHRASE_CALL,
        speech.PHRASE_COUNTER,
        *speech.LETTER_KEYS.values(),
    }
    for n in range(10000):
        keys.update(speech.number_clip_keys(n))
    missing = [
        key for key in keys if not (STATIC / voice.clip_path(key, region)).is_file()
    ]
    assert missing == []


def test_bundled_clips_match_the_clip_texts():
    """clips.json was written from the current CLIP_TEXT (rerun make_clips.py if not)."""
    manifest = json.loads(
        (STATIC / "sounds" / "clips.json").read_text(encoding="utf-8")
    )
    expected = {voice.clip_path(speech.CHIME): ""}
    for region in speech.REGIONS:
        for key in speech.CLIP_TEXT:
            expected[voice.clip_path(key, region)] = speech.clip_text(key, region)
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
