"""Display room: a board in a real headless Chromium, against the real eventlet server, takes an
office recording uploaded (then deleted) in the admin without a reload: the next call is read
with the new clip, and the audio held for the old one is let go. Screenshot: display-voice-live.png."""

import pathlib

import pytest

from conftest import screenshot

OGG = (pathlib.Path(__file__).resolve().parents[2] / "static" / "sounds" / "vi" / "hai.ogg").read_bytes()
# Records every clip the announcer starts and every "clips changed" it hears.
SPY = """() => {
  window.pageMarker = "same page";
  window.clipsStarted = [];
  window.clipsChanged = [];
  MotcuaBoard.announcer.options.mode = "clips";  // no speech voice: the clips themselves are heard
  MotcuaBoard.announcer.on("clipstart", (d) => window.clipsStarted.push(d.url));
  MotcuaBoard.announcer.on("clipschanged", (d) => window.clipsChanged.push(d.keys));
}"""
CLIP_MOT = "() => MotcuaBoard.announcer.clipUrl('mot')"
HELD = "MotcuaBoard.announcer._audio.getAttribute('src')"  # the clip the announcer's element holds


@pytest.fixture
def board(browser, live_office, live_server_factory):
    """A paired board (sound allowed), the server, the office and two tickets waiting."""
    url, bag = live_office
    server = live_server_factory(db_url=url)
    kiosk = server.session(device_token=bag.kiosk_token)
    for _ in range(2):
        assert kiosk.post(server.url + "/api/tickets", json={"field": bag.f1.id}, timeout=10).status_code == 201
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    page.goto(f"{server.url}/pair/{bag.display_token}")
    page.wait_for_function("() => window.MotcuaBoard && MotcuaBoard.state.snapshots > 0", timeout=5000)
    page.evaluate(SPY)
    yield page, server, bag
    context.close()


def call_and_listen(page, server, bag, clerk):
    """Counter 1 finishes whom it serves and calls the next ticket; the clip URLs of that announcement."""
    done = page.evaluate("MotcuaAnnouncer.log.length")
    page.evaluate("window.clipsStarted = []")
    counters = clerk.get(f"{server.url}/api/counters", timeout=10).json()["counters"]
    current = next(c for c in counters if c["id"] == bag.c1.id)["current"]
    if current:
        assert clerk.post(f"{server.url}/api/tickets/{current['id']}/finish", timeout=10).status_code == 200
    assert clerk.post(f"{server.url}/api/counters/{bag.c1.id}/call-next", timeout=10).status_code == 200
    page.wait_for_function(f"() => MotcuaAnnouncer.log.length === {done + 1}", timeout=15000)
    return page.evaluate("window.clipsStarted")


@pytest.mark.browser
def test_an_upload_changes_the_clip_the_board_plays_next_without_a_reload(board):
    page, server, bag = board
    clerk, admin = server.session(username="canbo1"), server.session(username="admin1")
    assert page.evaluate(CLIP_MOT) == "/static/sounds/vi/mot.ogg"
    # 1001 to counter 1 ends on "... quầy số một": the bundled "một" is heard last and held.
    assert call_and_listen(page, server, bag, clerk)[-1] == "/static/sounds/vi/mot.ogg"
    assert page.evaluate(HELD) == "/static/sounds/vi/mot.ogg"

    response = admin.post(f"{server.url}/api/admin/voice/mot", files={"clip": ("mot.ogg", OGG)}, timeout=10)
    assert response.status_code == 201
    page.wait_for_function(f"() => ({CLIP_MOT})() !== '/static/sounds/vi/mot.ogg'", timeout=3000)
    own = page.evaluate(CLIP_MOT)
    assert own.startswith(f"/voice/{bag.office.id}/mot?v=")
    assert page.evaluate("[window.pageMarker, window.clipsChanged]") == ["same page", [["mot"]]]
    assert page.evaluate(HELD) is None  # the old "một" is let go
    assert page.request.get(server.url + own).body() == OGG

    # 1002 to counter 1, "một nghìn không trăm linh hai ... quầy số một": the office's "một" twice,
    # the bundled one never.
    heard = call_and_listen(page, server, bag, clerk)
    assert heard.count(own) == 2 and "/static/sounds/vi/mot.ogg" not in heard
    screenshot(page, "display-voice-live")

    assert admin.delete(f"{server.url}/api/admin/voice/mot", timeout=10).status_code == 200
    page.wait_for_function(f"() => ({CLIP_MOT})() === '/static/sounds/vi/mot.ogg'", timeout=3000)
    assert page.evaluate("[window.pageMarker, window.clipsChanged.length, MotcuaBoard.state.snapshots]") == [
        "same page", 2, 1]
