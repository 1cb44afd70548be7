"""Rating room: the on-screen Vietnamese keyboard of the comment box (static/js/vnkeyboard.js) in a
real headless Chromium: where tones go (pure functions, a table of cases), and the keyboard on a
bare page (device keyboard toggle, Xong, maxlength). The whole tablet flow is in
test_tablet_keyboard_browser.py."""

import unicodedata

import pytest

from tests.conftest import ROOT

SCRIPT = ROOT / "static" / "js" / "vnkeyboard.js"

# (word, tone, classic answer); modern differs only on open "oa", "oe", "uy".
CLASSIC = [
    ("hoa", "huyen", "hòa"), ("thuy", "hoi", "thủy"), ("khoe", "hoi", "khỏe"),
    ("quôc", "sac", "quốc"), ("qua", "sac", "quá"), ("quy", "sac", "quý"), ("quyên", "hoi", "quyển"),
    ("giu", "nga", "giũ"), ("giưa", "nga", "giữa"), ("giương", "huyen", "giường"),
    ("gi", "huyen", "gì"), ("gin", "huyen", "gìn"),
    ("nguyên", "nang", "nguyện"), ("viêt", "sac", "viết"), ("mua", "sac", "múa"), ("chưa", "sac", "chứa"),
    ("đươc", "nang", "được"), ("ngươi", "huyen", "người"), ("hươu", "sac", "hướu"), ("thuơ", "hoi", "thuở"),
    ("khuây", "sac", "khuấy"), ("ngoai", "huyen", "ngoài"), ("khuyu", "hoi", "khuỷu"),
    ("toan", "sac", "toán"), ("hoang", "huyen", "hoàng"), ("huynh", "huyen", "huỳnh"), ("phuc", "nang", "phục"),
    ("tai", "sac", "tái"), ("Thai", "sac", "Thái"), ("Viêt", "nang", "Việt"), ("NGUYÊN", "nga", "NGUYỄN"),
    ("Ưu", "sac", "Ứu"), ("a", "hoi", "ả"),
    ("hòa", "huyen", "hoa"),  # the same tone again takes it off
    ("hòa", "sac", "hóa"),    # another tone replaces it
    ("nh", "sac", "nh"),      # no vowel: nothing to mark
]
MODERN = [("hoa", "huyen", "hoà"), ("thuy", "hoi", "thuỷ"), ("khoe", "hoi", "khoẻ"), ("mua", "sac", "múa"),
          ("toan", "sac", "toán"), ("quy", "sac", "quý"), ("ngoai", "huyen", "ngoài")]
# A tone typed before the word was finished moves to where the rules put it.
RETONE = [("ngòai", "ngoài"), ("đựơc", "được"), ("qúa", "quá"), ("gíup", "giúp"), ("hỏa", "hỏa"),
          ("ngúyên", "nguyến"), ("viet", "viet")]


@pytest.fixture
def bare_page(browser):
    """A blank page with vnkeyboard.js loaded (no server needed)."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, has_touch=True)
    page = context.new_page()
    page.set_content('<!doctype html><html lang="vi"><meta charset="utf-8"><body></body></html>')
    page.add_script_tag(content=SCRIPT.read_text("utf-8"))
    yield page
    context.close()


@pytest.mark.browser
def test_tones_land_on_the_right_vowel_classic_style(bare_page):
    got = bare_page.evaluate("cases => cases.map(c => VnKeyboard.toneWord(c[0], c[1]))", CLASSIC)
    assert got == [expected for _, _, expected in CLASSIC]


@pytest.mark.browser
def test_tones_modern_style_differs_only_on_open_oa_oe_uy(bare_page):
    got = bare_page.evaluate("cases => cases.map(c => VnKeyboard.toneWord(c[0], c[1], 'modern'))", MODERN)
    assert got == [expected for _, _, expected in MODERN]


@pytest.mark.browser
def test_a_tone_typed_early_moves_to_the_right_vowel(bare_page):
    got = bare_page.evaluate("cases => cases.map(c => VnKeyboard.retone(c[0]))", RETONE)
    assert got == [expected for _, expected in RETONE]


@pytest.mark.browser
def test_tones_are_precomposed_nfc_even_from_decomposed_input(bare_page):
    decomposed = unicodedata.normalize("NFD", "viêt")  # e + U+0302, as some device keyboards send
    got = bare_page.evaluate("w => [VnKeyboard.toneWord(w, 'sac'), VnKeyboard.toneWord('nguyên', 'nga')]", decomposed)
    assert got == ["vi\u1ebft", "nguy\u1ec5n"]
    assert all(unicodedata.is_normalized("NFC", word) for word in got)


def attach(page, value=""):
    """A textarea (maxlength 1000) with the keyboard and its device-keyboard toggle."""
    page.evaluate("""value => {
        document.body.innerHTML = '<button id="sw"></button><textarea id="t" maxlength="1000"></textarea>';
        document.getElementById('t').value = value;
        window.kb = VnKeyboard.attach(document.getElementById('t'), {toggle: document.getElementById('sw')});
    }""", value)


@pytest.mark.browser
def test_focus_opens_the_keyboard_and_xong_hides_it(bare_page):
    attach(bare_page)
    assert bare_page.get_attribute("#t", "inputmode") == "none"  # no device keyboard on top of ours
    bare_page.tap("#t")
    assert bare_page.is_visible("#vk")
    bare_page.tap(".vk-done")
    assert bare_page.is_hidden("#vk")
    assert bare_page.evaluate("document.activeElement.id") != "t"


@pytest.mark.browser
def test_switching_to_the_device_keyboard_and_back(bare_page):
    attach(bare_page)
    bare_page.tap("#t")
    assert bare_page.inner_text("#sw") == "Dùng bàn phím của máy"
    bare_page.tap("#sw")
    assert bare_page.is_hidden("#vk")
    assert bare_page.get_attribute("#t", "inputmode") is None
    assert bare_page.evaluate("document.activeElement.id") == "t"
    assert bare_page.inner_text("#sw") == "Dùng bàn phím trên màn hình"
    bare_page.tap("#sw")
    assert bare_page.get_attribute("#t", "inputmode") == "none"
    assert bare_page.is_visible("#vk")


@pytest.mark.browser
def test_keys_stop_at_maxlength(bare_page):
    attach(bare_page, "a" * 999)
    bare_page.tap("#t")
    bare_page.evaluate("document.getElementById('t').setSelectionRange(999, 999)")
    bare_page.wait_for_function("!document.getElementById('vk').classList.contains('is-upper')")
    bare_page.tap('.vk-key[data-char="b"]')
    bare_page.tap('.vk-key[data-char="c"]')
    assert bare_page.evaluate("document.getElementById('t').value.length") == 1000
    assert bare_page.evaluate("document.getElementById('t').value.slice(-2)") == "ab"


@pytest.mark.browser
def test_tone_key_marks_the_word_before_the_caret_even_after_a_space(bare_page):
    attach(bare_page, "cam on ")
    bare_page.tap("#t")
    bare_page.evaluate("document.getElementById('t').setSelectionRange(7, 7)")
    bare_page.wait_for_function("!document.getElementById('vk').classList.contains('is-upper')")
    bare_page.tap('.vk-tone[data-tone="sac"]')
    assert bare_page.input_value("#t") == "cam ón "


@pytest.mark.browser
def test_a_tone_tapped_before_the_word_is_finished_follows_the_vowels(bare_page):
    attach(bare_page)
    bare_page.tap("#t")
    for key in ["n", "g", "o"]:
        bare_page.tap(f'.vk-key[data-char="{key}"]')
    bare_page.tap('.vk-tone[data-tone="huyen"]')
    assert bare_page.input_value("#t") == "Ngò"
    for key in ["a", "i"]:
        bare_page.tap(f'.vk-key[data-char="{key}"]')
    assert bare_page.input_value("#t") == "Ngoài"


@pytest.mark.browser
def test_holding_the_erase_key_keeps_erasing(bare_page):
    attach(bare_page, "abcdefghij" * 3)
    bare_page.evaluate("document.getElementById('t').focus()")
    box = bare_page.locator(".vk-back").bounding_box()
    bare_page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    bare_page.mouse.down()
    bare_page.wait_for_timeout(1200)
    bare_page.mouse.up()
    left = bare_page.evaluate("document.getElementById('t').value.length")
    assert left <= 28
    bare_page.wait_for_timeout(300)
    assert bare_page.evaluate("document.getElementById('t').value.length") == left  # stops on release
