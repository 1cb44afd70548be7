/* Display room: the citizen's phone page for one ticket (/t/<public token>). Plain ES2017.
 *
 * The page follows the office's public room (Motcua.live with auth {ticket: token}: numbers,
 * counters and waits, nothing about other citizens) and refetches its own
 * GET /api/tickets/status/<token> when an update can change what it shows: anything about this
 * ticket at once, new figures of its field after a short random delay (so a hall full of phones
 * does not ask in the same millisecond), and on every snapshot ((re)connect, real gap).
 */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("phone-config").textContent);
  const $ = (id) => document.getElementById(id);
  const token = config.token;
  // A dossier slip's page (dossiers room) reads its visit's status from its own address.
  const statusUrl = config.status_url || "/api/tickets/status/" + encodeURIComponent(token);
  // A visit in one of these states is over for good (a no-show may still be reactivated).
  const OVER = ["done", "cancelled"];
  const clockOffset = (config.now_ms || Date.now()) - Date.now();

  const STATE_LABELS = {
    waiting: "Đang chờ",
    called: "Đến lượt bạn",
    serving: "Đang phục vụ",
    done: "Đã phục vụ xong",
    no_show: "Vắng mặt",
    cancelled: "Đã hủy",
  };
  const TITLE = document.title;

  let status = config.status;
  // "<counter>/<recall count>" of the call last shown; undefined until the first render, which
  // only records it (a page opened after the call does not buzz; a change seen live does).
  let shownCall;
  const alerts = { audio: null }; // the AudioContext a tap allowed
  let ratingDone = false;
  let ratingLevel = null;
  let ratingLow = false; // the chosen level asks for reasons (the server's rule, on each button)
  let ratingTimer = null;

  // --------------------------------------------------------------------------- alerts

  function chime() {
    // A two-tone chime made here: no audio file, so no codec a phone might lack.
    const ctx = alerts.audio;
    if (!ctx) return;
    const start = ctx.currentTime + 0.05;
    [[880, 0], [660, 0.45], [880, 1.2], [660, 1.65]].forEach(([freq, at]) => {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, start + at);
      gain.gain.exponentialRampToValueAtTime(0.5, start + at + 0.03);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + at + 0.4);
      osc.connect(gain).connect(ctx.destination);
      osc.start(start + at);
      osc.stop(start + at + 0.45);
    });
  }

  function alertCalled() {
    if (navigator.vibrate) {
      try { navigator.vibrate([500, 200, 500, 200, 800]); } catch (e) { /* not allowed yet */ }
    }
    chime();
  }

  function enableSound() {
    // Only inside a tap may a page start audio; the context then stays usable.
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (Ctx && !alerts.audio) alerts.audio = new Ctx();
    if (alerts.audio && alerts.audio.state === "suspended") alerts.audio.resume();
  }

  $("alerts-enable").addEventListener("click", () => {
    enableSound();
    if (navigator.vibrate) {
      try { navigator.vibrate(150); } catch (e) { /* unsupported */ }
    }
    const button = $("alerts-enable");
    button.textContent = "Đã bật rung và âm báo";
    button.classList.add("alerts-enable--on");
    button.disabled = true;
  });
  // Any tap on the page (scrolling, opening it) also earns the right to chime later.
  ["pointerup", "touchend", "keydown"].forEach((type) =>
    document.addEventListener(type, enableSound, { once: true, passive: true }));

  // --------------------------------------------------------------------------- rendering

  function ratingDeadline() {
    const finished = status.ticket && status.ticket.finished_at;
    if (!finished) return null;
    return new Date(finished).getTime() + config.rating.window_s * 1000;
  }

  function renderRating() {
    const form = $("rating-form");
    const thanks = $("rating-thanks");
    clearTimeout(ratingTimer);
    if (status.state !== "done") { form.hidden = true; thanks.hidden = true; return; }
    if (ratingDone || status.rated) { form.hidden = true; thanks.hidden = false; return; }
    thanks.hidden = true;
    const deadline = ratingDeadline();
    const left = deadline === null ? 0 : deadline - (Date.now() + clockOffset);
    form.hidden = !(status.can_rate && left > 0);
    const until = $("rating-until");
    if (!form.hidden && left > 3600 * 1000) {
      // Rating later (the office's rate-later days): say until when, in the phone's own clock.
      const end = new Date(deadline - clockOffset);
      const two = (n) => String(n).padStart(2, "0");
      until.textContent = "Bạn có thể gửi đánh giá đến " + two(end.getHours()) + ":" + two(end.getMinutes()) +
        " ngày " + two(end.getDate()) + "/" + two(end.getMonth() + 1) + "/" + end.getFullYear() + ".";
      until.hidden = false;
    } else {
      until.hidden = true;
    }
    // The server refuses late ratings; take the form away when that moment comes (setTimeout
    // takes at most ~24.8 days, far beyond any window).
    if (!form.hidden) ratingTimer = setTimeout(renderRating, Math.min(left + 500, 2147483000));
  }

  function render() {
    const s = status;
    const main = $("phone");
    main.dataset.state = s.state;
    $("ticket-number").textContent = s.number;
    $("ticket-field").textContent = s.field.name;
    $("state-badge").textContent = STATE_LABELS[s.state] || s.state;
    if (s.state === "waiting") {
      const next = s.people_ahead === 0;
      $("ahead").textContent = next ? "Tiếp theo" : String(s.people_ahead);
      $("ahead").classList.toggle("stat-value--word", next);
      $("ahead-label").textContent = next ? "bạn là người được gọi tiếp theo" : "người đang chờ trước bạn";
      $("wait").textContent = Motcua.waitText(s.estimated_wait_s);
    }
    $("called-counter").textContent = s.counter_number || "";
    $("called-name").textContent = s.counter_name && s.counter_name !== "Quầy " + s.counter_number ? s.counter_name : "";
    $("serving-counter").textContent = s.counter_number || "";
    $("alerts-enable").hidden = s.state !== "waiting"; // once called, it is too late to ask
    if (OVER.indexOf(s.state) >= 0) stopLive(); // a visit that is over has nothing live to follow
    renderRating();

    const call = s.state === "called" ? s.counter_number + "/" + s.ticket.recall_count : null;
    if (call && call !== shownCall) {
      document.title = "ĐẾN LƯỢT – Quầy " + s.counter_number;
      if (shownCall !== undefined) alertCalled();
      main.classList.remove("phone--flash");
      void main.offsetWidth;
      main.classList.add("phone--flash");
    } else if (!call) {
      document.title = TITLE;
    }
    shownCall = call;
    // Other scripts of the page (phone-near.js: "your turn is near") follow every status shown.
    document.dispatchEvent(new CustomEvent("motcua:phone-status", { detail: s }));
  }

  // --------------------------------------------------------------------------- fetching

  let timer = null;
  let due = Infinity;
  let inflight = false;
  let again = false;

  function refresh(delay) {
    // Keep the earliest request: a later, lazier event must not postpone an urgent one.
    const when = Date.now() + delay;
    if (timer !== null && due <= when) return;
    clearTimeout(timer);
    due = when;
    timer = setTimeout(fetchStatus, delay);
  }

  async function fetchStatus() {
    timer = null;
    due = Infinity;
    if (inflight) { again = true; return; }
    inflight = true;
    try {
      status = await Motcua.api("GET", statusUrl);
      render();
    } catch (err) {
      if (err.status === 404) window.location.reload(); // the server shows the friendly page
    } finally {
      inflight = false;
      if (again) { again = false; refresh(0); }
    }
  }

  const mine = (ticket) => ticket && status.ticket && ticket.id === status.ticket.id;
  const lazy = () => 250 + Math.floor(Math.random() * 750);

  // --------------------------------------------------------------------------- live

  function setLive(state) {
    const el = $("live-status");
    el.dataset.state = state;
    $("live-text").textContent = state === "online"
      ? "Đang cập nhật trực tiếp"
      : "Mất kết nối, đang thử lại… (trạng thái có thể chưa mới)";
  }

  // The server opens a ticket's socket only while it is open (issue 13): a finished visit, and a
  // dossier slip's page, follow nothing live; rating later goes over HTTP.
  let live = null;
  function stopLive() {
    if (live) live.socket.disconnect();
    $("live-status").hidden = true;
  }
  if (config.live !== false && OVER.indexOf(status.state) < 0) live = Motcua.live({
    auth: { ticket: token },
    // A hall of phones reconnecting after a restart should not all come back in the same second.
    reconnectionDelay: 1000,
    reconnectionDelayMax: 10000,
    handlers: {
      status: (s) => setLive(s),
      // The server ended this ticket's socket (the ticket is over): read the status over HTTP
      // instead of reloading, so a rating being filled in is not lost.
      refused: () => refresh(0),
      // (Re)connected or resynced: this ticket's own status anew; after an admin's change, lazily
      // (every phone of the office gets that message at once).
      snapshot: (data, reason) => refresh(reason === "settings" ? lazy() : 0),
      update: (message) => {
        if ((message.tickets || []).some(mine) || (message.call && mine(message.call.ticket))) refresh(0);
        // Another ticket's call or finish moves this one only through its field's figures.
        else if ((message.fields || []).some((f) => f.id === status.field.id)) refresh(lazy());
      },
    },
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") refresh(0); // a sleeping phone missed events
  });

  // --------------------------------------------------------------------------- rating

  const form = $("rating-form");
  form.querySelectorAll(".level").forEach((button) => {
    button.addEventListener("click", () => {
      ratingLevel = Number(button.dataset.level);
      ratingLow = button.dataset.low === "1";
      form.querySelectorAll(".level").forEach((b) => b.setAttribute("aria-checked", String(b === button)));
      const reasons = $("reasons");
      if (reasons) reasons.hidden = !ratingLow;
      $("rating-submit").disabled = false;
    });
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (ratingLevel === null) return;
    const reasons = ratingLow
      ? Array.from(form.querySelectorAll('input[name="reason"]:checked')).map((i) => i.value)
      : [];
    const submit = $("rating-submit");
    const error = $("rating-error");
    submit.disabled = true;
    error.hidden = true;
    try {
      await Motcua.api("POST", statusUrl + "/rating", {
        level: ratingLevel, reasons: reasons, comment: $("rating-comment").value.trim(),
      });
      ratingDone = true;
    } catch (err) {
      if (err.code === "already_rated") {
        ratingDone = true;
      } else {
        error.textContent = err.message;
        error.hidden = false;
        submit.disabled = false;
        if (err.code === "rating_expired" || err.code === "phone_rating_off") {
          status = Object.assign({}, status, { can_rate: false });
          submit.disabled = true;
        }
        return;
      }
    }
    renderRating();
  });

  render();
  window.MotcuaPhone = { get status() { return status; }, socket: live && live.socket, live: live, refresh: refresh };
})();
