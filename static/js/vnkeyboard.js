/* Rating room: an on-screen Vietnamese keyboard for the tablet's comment box, written for people
 * who have never used one. QWERTY letters, seven keys for the letters with their own marks
 * (ă â đ ê ô ơ ư) and five tone keys (sắc, huyền, hỏi, ngã, nặng). A tone key marks the word
 * just typed, so "v i ê t" then "sắc" gives "viết"; the same tone again takes it off. Everything
 * it writes is NFC (precomposed: "ế" is U+1EBF). Plain ES2017, no build, served locally.
 *
 * Where the tone goes (toneIndex), on the letters of one syllable:
 *   1. The onset is the consonants before the first vowel; "qu" and "gi" belong to it when
 *      another vowel follows ("quốc", "giũ", "giường"; but "gì", "gìn" keep their i).
 *   2. A vowel with its own mark (ă â ê ô ơ ư) takes the tone; of two (ươ), the second: "được".
 *   3. Otherwise, with a final consonant, the last vowel: "toán", "hoàng", "huỳnh", "phục".
 *   4. Otherwise (open syllable): one vowel takes it; of three, the middle one ("ngoài",
 *      "khuỷu"); of two, the first ("mùa", "tài", "hỏi").
 *   Open "oa", "oe", "uy" follow the classic style by default, as on state documents ("Cộng
 *   hòa") and as most older citizens learned it: "hòa", "khỏe", "thủy". Style "modern" gives
 *   "hoà", "khoẻ", "thuỷ" (the 1980s school rule); both spellings are correct Vietnamese.
 * After every letter or deletion the current word's tone is put back where these rules say, so
 * a tone typed early ("ho" + huyền + "a" + "i") still ends on the right vowel ("hoài").
 */
(function (root) {
  "use strict";

  var TONES = { sac: "\u0301", huyen: "\u0300", hoi: "\u0309", nga: "\u0303", nang: "\u0323" };
  var TONE_OF_MARK = {};
  Object.keys(TONES).forEach(function (name) { TONE_OF_MARK[TONES[name]] = name; });
  var VOWELS = "aăâeêioôơuưy";
  var OWN_MARK = "ăâêôơư";

  /** Whether one character is a letter (Latin, Vietnamese, with or without marks). */
  function isLetter(ch) {
    if (!ch) return false;
    return ch === "đ" || ch === "Đ" || /[a-z]/i.test(ch.normalize("NFD").charAt(0));
  }

  function isVowel(ch) { return VOWELS.indexOf(ch) >= 0; }

  /** A word's letters without tone marks (NFC, case kept) and the tones found on it. */
  function splitTone(word) {
    var letters = [];
    var tones = [];
    Array.from(String(word).normalize("NFC")).forEach(function (ch) {
      var kept = "";
      Array.from(ch.normalize("NFD")).forEach(function (part) {
        if (TONE_OF_MARK[part]) tones.push(TONE_OF_MARK[part]);
        else kept += part;
      });
      letters.push(kept.normalize("NFC"));
    });
    return { letters: letters, tones: tones };
  }

  /** Index of the letter that carries the tone in a syllable's toneless letters, or -1. */
  function toneIndex(letters, style) {
    var s = letters.map(function (ch) { return ch.toLowerCase(); });
    var i = 0;
    while (i < s.length && !isVowel(s[i])) i++;
    if (i >= s.length) return -1;
    var onsetQuGi = i > 0 && ((s[i - 1] === "q" && s[i] === "u") || (s[i - 1] === "g" && s[i] === "i"));
    if (onsetQuGi && i + 1 < s.length && isVowel(s[i + 1])) i++;
    var start = i;
    while (i < s.length && isVowel(s[i])) i++;
    var end = i;
    var marked = -1;
    for (var j = start; j < end; j++) if (OWN_MARK.indexOf(s[j]) >= 0) marked = j;
    if (marked >= 0) return marked;
    var count = end - start;
    if (end < s.length || count === 1) return end - 1;
    if (count >= 3) return start + 1;
    var pair = s[start] + s[start + 1];
    if (style === "modern" && (pair === "oa" || pair === "oe" || pair === "uy")) return start + 1;
    return start;
  }

  function compose(letters, tone, style) {
    var at = tone ? toneIndex(letters, style) : -1;
    return letters.map(function (ch, j) {
      return j === at ? (ch + TONES[tone]).normalize("NFC") : ch;
    }).join("");
  }

  /** ``word`` with ``tone`` (sac|huyen|hoi|nga|nang) on the right vowel; the tone it already
   * has is taken off instead. Pure; the answer is NFC. */
  function toneWord(word, tone, style) {
    if (!TONES[tone]) throw new Error("unknown tone: " + tone);
    var split = splitTone(word);
    var current = split.tones.length === 1 ? split.tones[0] : "";
    return compose(split.letters, tone === current ? "" : tone, style);
  }

  /** ``word`` with its one tone moved to where the rules put it (other words unchanged, NFC). */
  function retone(word, style) {
    var split = splitTone(word);
    if (split.tones.length !== 1) return String(word).normalize("NFC");
    return compose(split.letters, split.tones[0], style);
  }

  // ------------------------------------------------------------------ the keyboard

  var OWN_MARK_KEYS = ["ă", "â", "đ", "ê", "ô", "ơ", "ư"];
  var TONE_KEYS = [["sac", "á", "sắc"], ["huyen", "à", "huyền"], ["hoi", "ả", "hỏi"], ["nga", "ã", "ngã"],
                   ["nang", "ạ", "nặng"]];
  // Rows as [what, width]; a string of one character types it.
  var LAYOUTS = {
    letters: [
      "qwertyuiop".split(""),
      [["gap", 0.5]].concat("asdfghjkl".split(""), [["gap", 0.5]]),
      [["shift", 1.5]].concat("zxcvbnm".split(""), [["back", 1.5]]),
      [["mode", 1.5], ",", ["space", 4.5], ".", ["done", 2]],
    ],
    numbers: [
      "1234567890".split(""),
      [["gap", 0.5]].concat("-/:;()\"'%".split(""), [["gap", 0.5]]),
      [["gap", 1.5]].concat("!?@*+=#".split(""), [["back", 1.5]]),
      [["mode", 1.5], ",", ["space", 4.5], ".", ["done", 2]],
    ],
  };
  var ICONS = {
    shift: '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M12 3 3 12h5v8h8v-8h5z" fill="none" ' +
      'stroke="currentColor" stroke-width="2.2" stroke-linejoin="round"/></svg>',
    back: '<svg viewBox="0 0 28 24" aria-hidden="true"><path d="M9 4h16v16H9l-7-8z" fill="none" stroke="currentColor" ' +
      'stroke-width="2.2" stroke-linejoin="round"/><path d="M13 8l8 8M21 8l-8 8" stroke="currentColor" ' +
      'stroke-width="2.2" stroke-linecap="round"/></svg>',
  };
  var WORDS = {
    shift: ["Chữ hoa", "Chữ hoa"], back: ["Xóa", "Xóa một chữ"], space: ["Dấu cách", "Dấu cách"],
    done: ["Xong", "Xong, ẩn bàn phím"],
  };
  var DOUBLE_TAP_MS = 400;
  var REPEAT_AFTER_MS = 500;
  var REPEAT_EVERY_MS = 110;

  function keyHtml(spec) {
    if (typeof spec === "string") {
      return '<button type="button" tabindex="-1" class="vk-key vk-char" data-char="' + escapeAttr(spec) + '">' +
        escapeText(spec) + "</button>";
    }
    var what = spec[0];
    var grow = ' style="flex-grow:' + spec[1] + '"';
    if (what === "gap") return '<span class="vk-gap"' + grow + "></span>";
    var word = WORDS[what] || ["", ""];
    var inner = ICONS[what] ? ICONS[what] + '<span class="vk-word">' + word[0] + "</span>" : word[0];
    if (what === "mode") inner = '<span class="vk-mode-label"></span>';
    return '<button type="button" tabindex="-1" class="vk-key vk-' + what + '" data-action="' + what + '"' + grow +
      (word[1] ? ' aria-label="' + word[1] + '"' : "") + ">" + inner + "</button>";
  }

  function escapeText(s) { return s.replace(/&/g, "&amp;").replace(/</g, "&lt;"); }
  function escapeAttr(s) { return escapeText(s).replace(/"/g, "&quot;"); }

  /**
   * Give ``textarea`` the on-screen keyboard. options: toggle (a button that switches to the
   * device's own keyboard and back), onActivity() (called on every key), style ("classic" or
   * "modern"). Returns {element, show, hide, reset, isOpen, mode}.
   */
  function attach(textarea, options) {
    options = options || {};
    var style = options.style || "classic";
    var state = { open: false, mode: "screen", layout: "letters", shift: "off", lastShift: 0, repeated: false,
                  repeatTimer: null };

    var el = document.createElement("div");
    el.className = "vk";
    el.id = "vk";
    el.hidden = true;
    el.setAttribute("role", "group");
    el.setAttribute("aria-label", "Bàn phím tiếng Việt");
    el.innerHTML =
      '<div class="vk-row vk-row-vn">' +
        '<div class="vk-group vk-own">' + OWN_MARK_KEYS.map(keyHtml).join("") + "</div>" +
        '<div class="vk-group vk-tones" role="group" aria-label="Dấu thanh: gõ xong chữ rồi chạm dấu">' +
          TONE_KEYS.map(function (t) {
            return '<button type="button" tabindex="-1" class="vk-key vk-tone" data-tone="' + t[0] +
              '" aria-label="Dấu ' + t[2] + '"><span class="vk-sample">' + t[1] + '</span><span class="vk-word">' +
              t[2] + "</span></button>";
          }).join("") +
        "</div>" +
      "</div>" +
      '<div class="vk-main"></div>';
    document.body.appendChild(el);
    var main = el.querySelector(".vk-main");

    function render() {
      main.innerHTML = LAYOUTS[state.layout].map(function (row) {
        return '<div class="vk-row">' + row.map(keyHtml).join("") + "</div>";
      }).join("");
      main.querySelector(".vk-mode-label").textContent = state.layout === "letters" ? "123" : "ABC";
      main.querySelector(".vk-mode").setAttribute("aria-label", state.layout === "letters" ? "Số và dấu câu" : "Chữ cái");
      paintShift();
    }

    function upper() { return state.shift !== "off"; }

    function paintShift() {
      el.classList.toggle("is-upper", upper());
      el.querySelectorAll(".vk-char").forEach(function (key) {
        key.textContent = upper() ? key.dataset.char.toUpperCase() : key.dataset.char;
      });
      var shift = el.querySelector(".vk-shift");
      if (shift) {
        shift.classList.toggle("is-on", state.shift === "once");
        shift.classList.toggle("is-locked", state.shift === "lock");
        shift.setAttribute("aria-pressed", upper() ? "true" : "false");
      }
    }

    /** A capital starts the text and every sentence, as on a phone (unless caps are locked). */
    function autoShift() {
      if (state.shift === "lock") return;
      var before = textarea.value.slice(0, textarea.selectionStart);
      state.shift = /(^|[.!?]\s+|\n)$/.test(before) ? "once" : "off";
      paintShift();
    }

    function changed(caret) {
      textarea.setSelectionRange(caret, caret);
      if (caret === textarea.value.length) textarea.scrollTop = textarea.scrollHeight;
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
    }

    /** The word touching the caret: [start, end) of the letters around it. */
    function wordAt(pos) {
      var v = textarea.value;
      var start = pos;
      var end = pos;
      while (start > 0 && isLetter(v[start - 1])) start--;
      while (end < v.length && isLetter(v[end])) end++;
      return [start, end];
    }

    function retoneAround(pos) {
      var span = wordAt(pos);
      var word = textarea.value.slice(span[0], span[1]);
      var fixed = retone(word, style);
      if (fixed !== word && fixed.length === word.length) textarea.setRangeText(fixed, span[0], span[1], "preserve");
    }

    function insert(text) {
      var start = textarea.selectionStart;
      var end = textarea.selectionEnd;
      var max = textarea.maxLength > 0 ? textarea.maxLength : Infinity;
      if (textarea.value.length - (end - start) + text.length > max) return flashFull();
      textarea.setRangeText(text, start, end, "end");
      var caret = start + text.length;
      if (isLetter(text)) retoneAround(caret);
      changed(caret);
    }

    function flashFull() {
      textarea.classList.remove("vk-full");
      void textarea.offsetWidth;  // restart the animation
      textarea.classList.add("vk-full");
    }

    function backspace() {
      var start = textarea.selectionStart;
      var end = textarea.selectionEnd;
      if (start === end) {
        if (start === 0) return;
        start -= 1;
      }
      textarea.setRangeText("", start, end, "end");
      retoneAround(start);
      changed(start);
    }

    /** Put ``tone`` on the word at the caret, or on the word just before the spaces there. */
    function tone(name) {
      var caret = textarea.selectionEnd;
      var span = wordAt(caret);
      if (span[0] === span[1]) {
        var k = caret;
        while (k > 0 && textarea.value[k - 1] === " ") k--;
        span = wordAt(k);
      }
      if (span[0] === span[1]) return;
      var word = textarea.value.slice(span[0], span[1]);
      textarea.setRangeText(toneWord(word, name, style), span[0], span[1], "preserve");
      changed(caret);
    }

    function press(key) {
      if (key.dataset.tone) return tone(key.dataset.tone);
      if (key.dataset.char) {
        var ch = upper() ? key.dataset.char.toUpperCase() : key.dataset.char;
        if (state.shift === "once") state.shift = "off";
        insert(ch);
        return autoShift();
      }
      switch (key.dataset.action) {
        case "space": insert(" "); return autoShift();
        case "back": backspace(); return autoShift();
        case "done": hide(); textarea.blur(); return;
        case "mode":
          state.layout = state.layout === "letters" ? "numbers" : "letters";
          return render();
        case "shift": {
          var now = Date.now();
          if (state.shift === "off" && now - state.lastShift < DOUBLE_TAP_MS) state.shift = "lock";
          else state.shift = state.shift === "off" ? "once" : "off";
          state.lastShift = state.shift === "once" ? now : 0;
          return paintShift();
        }
      }
    }

    // Keys never take the focus: the caret stays in the comment box and no device keyboard opens.
    el.addEventListener("mousedown", function (ev) { ev.preventDefault(); });
    el.addEventListener("click", function (ev) {
      var key = ev.target.closest(".vk-key");
      if (!key) return;
      if (key.dataset.action === "back" && state.repeated) { state.repeated = false; return; }
      if (document.activeElement !== textarea && key.dataset.action !== "done") textarea.focus({ preventScroll: true });
      press(key);
      if (options.onActivity) options.onActivity();
    });
    // Holding the erase key keeps erasing, like on a phone.
    el.addEventListener("pointerdown", function (ev) {
      var key = ev.target.closest(".vk-key");
      if (!key) return;
      key.classList.add("is-down");
      if (key.dataset.action !== "back") return;
      state.repeated = false;
      clearTimeout(state.repeatTimer);
      state.repeatTimer = setTimeout(function again() {
        state.repeated = true;
        backspace();
        autoShift();
        if (options.onActivity) options.onActivity();
        state.repeatTimer = setTimeout(again, REPEAT_EVERY_MS);
      }, REPEAT_AFTER_MS);
    });
    function release() {
      clearTimeout(state.repeatTimer);
      el.querySelectorAll(".is-down").forEach(function (k) { k.classList.remove("is-down"); });
    }
    ["pointerup", "pointercancel", "pointerleave"].forEach(function (name) { el.addEventListener(name, release); });

    function setHeight() {
      document.documentElement.style.setProperty("--vk-height", (state.open ? el.offsetHeight : 0) + "px");
    }
    if (window.ResizeObserver) new ResizeObserver(setHeight).observe(el);

    // While the keyboard is open the empty box can say how tones work (data-vk-placeholder).
    var placeholder = textarea.getAttribute("placeholder") || "";

    function show() {
      if (state.mode !== "screen") return;
      state.open = true;
      el.hidden = false;
      document.body.classList.add("vk-open");
      if (textarea.dataset.vkPlaceholder) textarea.setAttribute("placeholder", textarea.dataset.vkPlaceholder);
      setHeight();
      autoShift();
    }

    function hide() {
      release();
      state.open = false;
      el.hidden = true;
      document.body.classList.remove("vk-open");
      textarea.setAttribute("placeholder", placeholder);
      setHeight();
    }

    function setMode(mode) {
      state.mode = mode;
      if (mode === "screen") textarea.setAttribute("inputmode", "none");
      else textarea.removeAttribute("inputmode");
      if (options.toggle) {
        options.toggle.textContent = mode === "screen" ? "Dùng bàn phím của máy" : "Dùng bàn phím trên màn hình";
        options.toggle.setAttribute("aria-pressed", mode === "device" ? "true" : "false");
      }
    }

    /** Back to the on-screen keyboard, closed, lower-case letters (for the next citizen). */
    function reset() {
      hide();
      setMode("screen");
      state.layout = "letters";
      state.shift = "off";
      render();
    }

    textarea.addEventListener("focus", show);
    // The citizen may tap elsewhere in the text: capitals follow where the caret now is.
    document.addEventListener("selectionchange", function () {
      if (state.open && document.activeElement === textarea) autoShift();
    });
    textarea.addEventListener("click", function () { if (!state.open) show(); });
    if (options.toggle) {
      options.toggle.addEventListener("click", function () {
        hide();
        textarea.blur();
        setMode(state.mode === "screen" ? "device" : "screen");
        textarea.focus();  // opens the keyboard just chosen (the tap is the user gesture it needs)
        if (options.onActivity) options.onActivity();
      });
    }

    reset();
    return {
      element: el, show: show, hide: hide, reset: reset,
      isOpen: function () { return state.open; },
      mode: function () { return state.mode; },
    };
  }

  root.VnKeyboard = { toneWord: toneWord, retone: retone, toneIndex: toneIndex, isLetter: isLetter, attach: attach };
})(window);
