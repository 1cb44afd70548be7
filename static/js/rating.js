/* Rating room: the satisfaction tablet. It waits on the idle screen; when its counter finishes a
 * ticket (an update's rating_request naming its counter), it asks the citizen; low ratings ask for reasons; then thanks and back
 * to idle. A citizen who walks away leaves no rating: every screen times out to idle. */
(function () {
  "use strict";

  var M = window.Motcua;
  var boot = JSON.parse(document.getElementById("rating-boot").textContent);
  var COLORS = {
    2: ["#c62828", "#5b9e2d"],
    3: ["#c62828", "#5b9e2d", "#1b7f3b"],
    4: ["#c62828", "#e06c00", "#5b9e2d", "#1b7f3b"],
    5: ["#c62828", "#e06c00", "#d69e00", "#5b9e2d", "#1b7f3b"],
  };

  var state = { screen: "idle", request: null, level: null, reasons: [], busy: false, timer: null, deadline: 0,
                span: 0, clerkName: boot.clerk_name, seen: {} };

  function $(id) { return document.getElementById(id); }

  // The comment box types Vietnamese through our on-screen keyboard (the device's own on request);
  // every key counts as a touch, so the reasons screen does not time out under a typing citizen.
  var keyboard = window.VnKeyboard ? window.VnKeyboard.attach($("comment"), {
    toggle: $("kb-switch"),
    onActivity: function () { if (state.screen === "reasons") timeout(boot.timeouts.reasons); },
  }) : null;

  // ------------------------------------------------------------------ screens and timeouts

  function show(name) {
    state.screen = name;
    if (keyboard && name !== "reasons") keyboard.hide();
    ["idle", "rate", "reasons", "thanks"].forEach(function (s) { $("screen-" + s).hidden = s !== name; });
  }

  /** Go back to idle after ``seconds`` without a touch (restarted by touches on rating screens). */
  function timeout(seconds) {
    clearTimeout(state.timer);
    state.span = seconds;
    state.deadline = Date.now() + seconds * 1000;
    state.timer = setTimeout(idle, seconds * 1000);
  }

  function idle() {
    clearTimeout(state.timer);
    state.request = null;
    state.level = null;
    state.busy = false;
    show("idle");
  }

  // The bar shows how long the screen stays; it is a hint, the timer above decides.
  setInterval(function () {
    if (state.screen !== "rate" && state.screen !== "reasons") return;
    var left = Math.max(0, state.deadline - Date.now()) / 1000;
    var bar = $(state.screen === "rate" ? "rate-timebar" : "reasons-timebar");
    bar.style.width = (state.span ? 100 * left / state.span : 0) + "%";
  }, 250);

  // ------------------------------------------------------------------ idle screen

  function initials(name) {
    var parts = String(name || "").trim().split(/\s+/).filter(Boolean);
    if (!parts.length) return "";
    var last = parts[parts.length - 1];
    return (parts.length > 1 ? parts[0][0] + last[0] : last[0]).toUpperCase();
  }

  function renderIdle(counter) {
    var name = counter.clerk_name;
    var closed = counter.state === "closed";
    var changed = name !== state.clerkName;
    state.clerkName = name;
    $("clerk-name").textContent = closed || !name ? "Quầy chưa có cán bộ làm việc" : name;
    $("clerk-label").textContent = counter.state === "paused"
      ? "Quầy tạm dừng" + (counter.pause_reason ? ": " + counter.pause_reason : "")
      : "Cán bộ tiếp nhận";
    $("clerk-initials").textContent = initials(closed ? "" : name);
    $("idle-clerk").classList.toggle("is-empty", !!closed || !name);
    if (changed || !$("clerk-photo").dataset.tried) loadPhoto(closed ? null : name);
  }

  function loadPhoto(name) {
    var img = $("clerk-photo");
    img.dataset.tried = "1";
    img.hidden = true;
    $("clerk-initials").hidden = false;
    if (!name) return;
    img.onload = function () { img.hidden = false; $("clerk-initials").hidden = true; };
    img.onerror = function () { img.hidden = true; };
    img.src = "/rating/clerk-photo?v=" + encodeURIComponent(name) + "&t=" + Date.now();
  }

  // ------------------------------------------------------------------ rating screen

  // How much each level smiles, worst first: -1 = deep frown, 0 = flat (Bình thường), 1 = broad smile.
  // "Hài lòng" smiles too: it is a satisfied verdict, not a neutral one.
  var MOODS = { 2: [-1, 0.6], 3: [-1, 0.6, 1], 4: [-1, -0.6, 0.6, 1], 5: [-1, -0.6, 0, 0.6, 1] };

  function face(level, scale) {
    var mood = (MOODS[scale] || MOODS[5])[level - 1];
    if (mood === undefined) mood = scale > 1 ? 2 * (level - 1) / (scale - 1) - 1 : 1;
    var mouthY = 68 - mood * 3;
    var curve = mouthY + mood * 18;                              // control point: below = smile
    var color = (COLORS[scale] || COLORS[5])[level - 1] || "#5b9e2d";
    // Sad (not angry) brows on the very lowest level of 4/5-level scales.
    var brows = mood === -1 && scale >= 4
      ? '<path d="M26 34 L40 30 M74 34 L60 30" stroke="#1a1a1a" stroke-width="4" stroke-linecap="round"/>' : "";
    return '<svg viewBox="0 0 100 100" class="rt-face-svg" aria-hidden="true">' +
      '<circle cx="50" cy="50" r="46" fill="' + color + '"/>' +
      '<circle cx="50" cy="50" r="46" fill="none" stroke="rgba(0,0,0,.18)" stroke-width="3"/>' + brows +
      '<circle cx="35" cy="42" r="6" fill="#1a1a1a"/><circle cx="65" cy="42" r="6" fill="#1a1a1a"/>' +
      '<path d="M30 ' + mouthY + " Q50 " + curve + " 70 " + mouthY + '" fill="none" stroke="#1a1a1a" stroke-width="6" stroke-linecap="round"/>' +
      "</svg>";
  }

  function showRating(request) {
    var scale = request.levels || boot.levels;
    state.seen[request.ticket_id] = true;  // asked once: a reconnect must not ask a citizen who left
    state.request = request;
    state.level = null;
    state.busy = false;
    state.reasons = [];
    $("rate-number").textContent = request.number;
    $("rate-clerk").textContent = request.clerk_name || "";
    $("rate-clerk-wrap").hidden = !request.clerk_name;
    $("rate-error").hidden = true;
    var levels = boot.scales[scale] || boot.scales[3];
    $("faces").className = "rt-faces rt-faces-" + levels.length;
    $("faces").innerHTML = levels.map(function (l) {
      return '<button type="button" class="rt-face" data-level="' + l.level + '">' + face(l.level, levels.length) +
        '<span class="rt-face-word">' + M.escapeHtml(l.label) + "</span></button>";
    }).join("");
    show("rate");
    var left = request.remaining_s !== undefined ? request.remaining_s : request.window_s;
    timeout(Math.max(5, Math.min(boot.timeouts.rating, left || boot.timeouts.rating)));
  }

  // Whether a level asks for reasons is the server's rule (rules/rating.py), handed over per level.
  function isLow(scale, level) {
    return (boot.scales[scale] || boot.scales[3]).some(function (l) { return l.level === level && l.low; });
  }

  $("faces").addEventListener("click", function (ev) {
    var button = ev.target.closest("[data-level]");
    if (!button || state.busy || !state.request) return;
    var level = parseInt(button.dataset.level, 10);
    var scale = state.request.levels || boot.levels;
    state.level = level;
    if (isLow(scale, level)) return showReasons(button.querySelector(".rt-face-word").textContent);
    submit("rate-error");
  });

  // ------------------------------------------------------------------ reasons screen

  function showReasons(word) {
    var reasons = state.request.reasons || boot.reasons || [];
    $("reasons-number").textContent = state.request.number;
    $("reasons-chosen").textContent = "Đã chọn: " + word;
    $("chips").innerHTML = reasons.map(function (r) {
      return '<button type="button" class="rt-chip" aria-pressed="false" data-reason="' + M.escapeHtml(r) + '">' +
        M.escapeHtml(r) + "</button>";
    }).join("");
    $("comment").value = "";
    if (keyboard) keyboard.reset();
    $("reasons-error").hidden = true;
    show("reasons");
    timeout(boot.timeouts.reasons);
  }

  $("chips").addEventListener("click", function (ev) {
    var chip = ev.target.closest("[data-reason]");
    if (!chip || state.busy) return;
    var on = chip.getAttribute("aria-pressed") !== "true";
    chip.setAttribute("aria-pressed", on ? "true" : "false");
    timeout(boot.timeouts.reasons);
  });
  $("comment").addEventListener("input", function () { timeout(boot.timeouts.reasons); });
  $("reasons-back").addEventListener("click", function () {
    if (state.busy || !state.request) return;
    show("rate");
    timeout(boot.timeouts.rating);
  });
  $("reasons-send").addEventListener("click", function () {
    if (state.busy || !state.request) return;
    submit("reasons-error");
  });

  // ------------------------------------------------------------------ sending

  function setBusy(on) {
    state.busy = on;
    document.querySelectorAll(".rt-face, .rt-chip, #reasons-send, #reasons-back").forEach(function (b) { b.disabled = on; });
  }

  async function submit(errorId) {
    var request = state.request;
    var reasons = [];
    var comment = "";
    if (state.screen === "reasons") {
      document.querySelectorAll('.rt-chip[aria-pressed="true"]').forEach(function (c) { reasons.push(c.dataset.reason); });
      comment = $("comment").value.normalize("NFC").trim();  // a device keyboard may send e + marks
    }
    setBusy(true);
    try {
      await M.api("POST", "/api/ratings", { ticket: request.ticket_id, level: state.level, reasons: reasons, comment: comment });
      thanks("Xin cảm ơn Quý công dân!", "Ý kiến của Quý công dân giúp chúng tôi phục vụ ngày càng tốt hơn.");
    } catch (err) {
      if (err.code === "already_rated") {
        thanks("Số thứ tự này đã được đánh giá.", "Xin cảm ơn Quý công dân!");
      } else if (err.status === 409 || err.status === 404) {
        thanks("Không ghi nhận được đánh giá", err.message, true);  // expired or another ticket since
      } else {
        setBusy(false);
        $(errorId).textContent = err.code === "network"
          ? "Mất kết nối tới máy chủ, đánh giá chưa được gửi. Xin chạm lại để gửi."
          : (err.message || "Chưa gửi được đánh giá. Xin thử lại.");
        $(errorId).hidden = false;
      }
    }
  }

  function thanks(title, text, problem) {
    clearTimeout(state.timer);
    state.request = null;
    setBusy(false);
    $("thanks-title").textContent = title;
    $("thanks-text").textContent = text || "";
    $("screen-thanks").classList.toggle("is-problem", !!problem);
    show("thanks");
    state.timer = setTimeout(idle, boot.timeouts.thanks * 1000);
  }

  // ------------------------------------------------------------------ live

  function myCounter(list) {
    return (list || []).filter(function (c) { return c.id === boot.counter.id; })[0];
  }

  function ask(request) {
    // Asked once: a reconnect must not ask a citizen who has left (showRating marks it seen).
    if (request && request.counter_id === boot.counter.id && !state.seen[request.ticket_id]) showRating(request);
  }

  M.live({
    handlers: {
      status: function (s) { $("net-banner").classList.toggle("show", s === "offline"); },
      snapshot: function (data) {
        if (data.office) $("idle-office").textContent = data.office.name;
        var counter = myCounter(data.counters);
        if (counter) renderIdle(counter);
        // After a reload or a lost connection the request may have been missed: the snapshot has it.
        if (data.pending && state.screen === "idle") ask(data.pending);
      },
      update: function (message) {
        var counter = myCounter(message.counters);
        if (counter) renderIdle(counter);
        ask(message.rating_request);
        // Rated meanwhile from the phone (the citizen scanned the ticket's QR): stop asking.
        var rated = message.rated;
        if (rated && !state.busy && state.request && rated.ticket_id === state.request.ticket_id) {
          state.seen[rated.ticket_id] = true;
          thanks("Số thứ tự này đã được đánh giá.", "Xin cảm ơn Quý công dân!");
        }
      },
    },
  });

  renderIdle(boot.counter);
  show("idle");
})();
