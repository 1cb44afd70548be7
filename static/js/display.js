/* Display room: the waiting hall's board. Plain ES2017, no build step.
 *
 * State comes only from Socket.IO (Motcua.live, the board's role room): the snapshot sent on
 * connect (and again after a reconnect or a real sequence gap) rebuilds everything; each
 * update then patches it. No polling. An update's call that passes this display's filter is
 * shown large, flashes, and is read aloud through MotcuaAnnouncer (chime, then the words or the
 * clips). Snapshots never speak: a reconnecting board must not read old calls again. An update
 * of kind "voice" (an admin uploaded or deleted one of the office's own recordings) and every
 * snapshot bring the office's clip map; the next announcement uses it.
 */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("board-config").textContent);
  const $ = (id) => document.getElementById(id);
  const esc = Motcua.escapeHtml;

  const FLASH_MS = 8000; // long enough to catch the eye, short enough not to tire it
  const CALLS_KEPT = 40;
  const PREVIOUS_SHOWN = 2; // earlier numbers listed under each counter's latest
  const RECENT_SHOWN = 6; // as many as fit are shown; the list is clipped from the oldest
  const WEEKDAYS = config.weekdays; // Monday first, from the server (rules/calendar.py)

  const state = {
    office: config.office,
    filter: config.filter || {},
    counters: new Map(), // id -> counter payload (with .current ticket)
    fields: [], // fields payload, office order
    calls: [], // call payloads, newest first (recalls included)
    seq: null,
    snapshots: 0,
  };
  // A TV's own clock is often wrong; the server's time at page load corrects it.
  const clockOffset = (config.now_ms || Date.now()) - Date.now();

  // --------------------------------------------------------------------------- filter

  function wantsCounter(id) {
    const ids = state.filter.counters;
    return !ids || ids.indexOf(id) !== -1;
  }

  function wantsField(id) {
    const ids = state.filter.fields;
    return !ids || ids.indexOf(id) !== -1;
  }

  function wantsCall(call) {
    return wantsCounter(call.counter_id) && wantsField(call.field_id);
  }

  // --------------------------------------------------------------------------- voice

  // Kept live: a voice update (and every snapshot) brings the office's recordings anew.
  const voiceKeys = Object.assign({}, config.voice || {});
  const announcer = new MotcuaAnnouncer({
    variant: config.variant || "vi",
    // The office's own recording when it uploaded one, else null: the bundled clip.
    clipUrl: (key) => (voiceKeys[key] ? "/voice/" + state.office.id + "/" + key + "?v=" + voiceKeys[key] : null),
    onBlocked: () => { $("audio-banner").hidden = false; },
    onUnblocked: () => { $("audio-banner").hidden = true; },
  });
  $("audio-enable").addEventListener("click", () => announcer.unlock());

  /** Take the office's current recordings {key: version}; the keys that changed forget their audio. */
  function applyVoice(map) {
    const next = map || {};
    const changed = Object.keys(Object.assign({}, voiceKeys, next)).filter((key) => voiceKeys[key] !== next[key]);
    if (!changed.length) return;
    Object.keys(voiceKeys).forEach((key) => { delete voiceKeys[key]; });
    Object.assign(voiceKeys, next);
    announcer.forget(changed);
  }

  function announce(call) {
    announcer.announce({ text: call.text, words: call.words, clips: call.clips, recall: call.recall });
  }

  // --------------------------------------------------------------------------- rendering

  function renderCall(call, flash) {
    const box = $("call");
    if (!call) {
      box.className = "call call--idle";
      $("call-number").textContent = "—";
      $("call-counter").textContent = "—";
      $("call-text").textContent = "";
      $("call-recall").hidden = true;
      return;
    }
    $("call-number").textContent = call.number;
    $("call-counter").textContent = call.counter_number;
    $("call-text").textContent = call.text;
    $("call-recall").hidden = !call.recall;
    box.className = "call";
    if (flash) {
      void box.offsetWidth; // restart the animation when two calls come close together
      box.classList.add("call--flash");
      clearTimeout(renderCall.timer);
      renderCall.timer = setTimeout(() => box.classList.remove("call--flash"), FLASH_MS);
    }
  }

  function counterStatus(counter) {
    const current = counter.current;
    if (counter.state === "closed") return { cls: "closed", text: "Tạm đóng" };
    if (counter.state === "paused") {
      return { cls: "paused", text: "Tạm dừng" + (counter.pause_reason ? ": " + counter.pause_reason : "") };
    }
    if (current && current.state === "called") return { cls: "calling", text: "Đang mời" };
    if (current && current.state === "serving") return { cls: "serving", text: "Đang phục vụ" };
    return { cls: "ready", text: "Sẵn sàng" };
  }

  function renderCounters() {
    const counters = Array.from(state.counters.values())
      .filter((c) => wantsCounter(c.id))
      .sort((a, b) => a.number - b.number);
    const list = $("counters");
    list.style.setProperty("--rows", Math.max(counters.length, 1)); // the list's height follows its rows
    list.innerHTML = counters.map((counter) => {
      const status = counterStatus(counter);
      const numbers = [];
      if (counter.current) numbers.push(counter.current.number);
      state.calls.forEach((call) => {
        // A ticket since sent elsewhere (transferred, called at another counter) is no longer
        // this counter's: its holder must not read their number beside the wrong counter.
        if (call.counter_id !== counter.id || call.ticket.counter_id !== counter.id) return;
        if (numbers.indexOf(call.number) === -1) numbers.push(call.number);
      });
      const latest = numbers[0];
      const earlier = numbers.slice(1, 1 + PREVIOUS_SHOWN);
      // A number shown without a current ticket was served already: dim it.
      const stale = !counter.current || counter.state !== "open";
      return (
        '<li class="counter counter--' + status.cls + '" data-counter="' + counter.id + '">' +
        '<span class="counter-no">' + esc(counter.number) + "</span>" +
        '<span class="counter-body">' +
        '<span class="counter-ticket' + (stale ? " counter-ticket--stale" : "") + '">' +
        esc(latest || "—") + "</span>" +
        '<span class="counter-state">' + esc(status.text) + "</span>" +
        (earlier.length ? '<span class="counter-prev">Trước: ' + earlier.map(esc).join(" · ") + "</span>" : "") +
        "</span></li>"
      );
    }).join("");
  }

  function renderRecent() {
    // The calls before the newest (which is shown large), one line per ticket and counter.
    const seen = new Set();
    const calls = state.calls.filter(wantsCall).filter((call) => {
      const key = call.ticket.id + "/" + call.counter_id;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    }).slice(1, 1 + RECENT_SHOWN);
    const list = $("recent");
    $("recent-title").hidden = !calls.length;
    list.innerHTML = calls.map((call) => (
      '<li class="recent-call"><span class="recent-number">' + esc(call.number) + "</span>" +
      '<span class="recent-counter">Quầy ' + esc(call.counter_number) + "</span>" +
      '<span class="recent-time">' + esc(localTime(call.at)) + "</span></li>"
    )).join("");
    // Only whole rows: the list is cut from the oldest; no room for one row drops the title too.
    const bottom = list.getBoundingClientRect().bottom + 1;
    Array.from(list.children).forEach((li) => { if (li.getBoundingClientRect().bottom > bottom) li.remove(); });
    if (!list.children.length) $("recent-title").hidden = true;
  }

  function renderFields() {
    // Only fields with people waiting: eleven rows of zeros would shrink the ones that matter
    // below what can be read across the hall.
    const fields = state.fields.filter((f) => f.active && f.waiting > 0 && wantsField(f.id));
    const list = $("fields");
    $("fields-empty").hidden = fields.length > 0;
    list.style.setProperty("--rows", Math.max(Math.ceil(fields.length / 2), 3));
    list.innerHTML = fields.map((field) => (
      '<li class="field' + (field.waiting ? "" : " field--empty") + '" data-field="' + field.id + '">' +
      '<span class="field-name">' + esc(field.name) + "</span>" +
      '<span class="field-count">' + esc(field.waiting) + "</span></li>"
    )).join("");
    fitFieldNames();
  }

  function fitFieldNames() {
    // A name too long for its box wraps onto two lines (display.css) instead of losing its end.
    Array.from($("fields").querySelectorAll(".field-name")).forEach((name) => {
      name.classList.remove("field-name--wrap");
      if (name.scrollWidth > name.clientWidth + 1) name.classList.add("field-name--wrap");
    });
  }

  function renderOffice(office) {
    if (office.name && $("office-name").textContent !== office.name) $("office-name").textContent = office.name;
    const notices = String(office.notices || "").split(/\n+/).map((s) => s.trim()).filter(Boolean);
    const text = notices.join("   •   ");
    const track = $("ticker-track");
    if (track.textContent !== text) track.textContent = text;
    $("ticker").hidden = !text;
    sizeTicker();
  }

  function sizeTicker() {
    // A steady reading speed whatever the text length: about 120 px per second.
    const track = $("ticker-track");
    const distance = track.scrollWidth + track.parentElement.clientWidth;
    track.style.animationDuration = Math.max(10, Math.round(distance / 120)) + "s";
  }

  function renderAll() {
    const newest = state.calls.find(wantsCall) || null;
    renderCall(newest, false);
    renderCounters();
    renderRecent();
    renderFields();
  }

  // --------------------------------------------------------------------------- clock

  const clockParts = new Intl.DateTimeFormat("en-GB", {
    timeZone: state.office.timezone || "Asia/Ho_Chi_Minh",
    year: "numeric", month: "2-digit", day: "2-digit", weekday: "short",
    hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
  });
  const WEEKDAY_INDEX = { Mon: 0, Tue: 1, Wed: 2, Thu: 3, Fri: 4, Sat: 5, Sun: 6 };
  Motcua.setTimeZone(state.office.timezone);

  /** "HH:MM" of a call, in the office's zone. */
  function localTime(iso) {
    return Motcua.clock(iso);
  }
  let shownDate = null;

  function tick() {
    const parts = {};
    clockParts.formatToParts(new Date(Date.now() + clockOffset)).forEach((p) => { parts[p.type] = p.value; });
    $("clock-time").textContent = parts.hour + ":" + parts.minute + ":" + parts.second;
    const date = WEEKDAYS[WEEKDAY_INDEX[parts.weekday]] + ", " + parts.day + "/" + parts.month + "/" + parts.year;
    if (date !== shownDate) {
      // A new day: yesterday's calls and counts go; the snapshot has today's.
      if (shownDate !== null && live) live.resync();
      shownDate = date;
      $("clock-date").textContent = date;
    }
  }

  // --------------------------------------------------------------------------- live events

  let offlineTimer = null;

  /** A call already on the board (a snapshot and an update can both hold one made while connecting). */
  function known(call) {
    return state.calls.some((c) => c.ticket.id === call.ticket.id && c.counter_id === call.counter_id &&
      c.at === call.at && c.recall === call.recall);
  }

  /** What the board now knows of a ticket, told to the calls it holds of it. */
  function moveTicket(ticketId, ticket) {
    state.calls.forEach((call) => {
      if (call.ticket.id === ticketId) call.ticket = Object.assign({}, call.ticket, ticket);
    });
  }

  function showCall(call) {
    moveTicket(call.ticket.id, call.ticket); // a transferred ticket called at its new counter
    if (!wantsCall(call) || known(call)) return false;
    state.calls.unshift(call);
    state.calls.length = Math.min(state.calls.length, CALLS_KEPT);
    renderCall(call, true);
    renderRecent();
    announce(call);
    return true;
  }

  const handlers = {
    snapshot(data) {
      // Rebuild from scratch: whatever was missed is in here.
      state.seq = data.seq;
      state.snapshots += 1;
      state.office = Object.assign({}, state.office, data.office);
      state.counters = new Map((data.counters || []).map((c) => [c.id, c]));
      state.fields = (data.fields || []).slice();
      state.calls = (data.recent_calls || []).slice(0, CALLS_KEPT);
      if (data.voice) applyVoice(data.voice);
      renderOffice(state.office);
      renderAll();
    },
    update(message) {
      // One change: counters in the board's view, the call to show and read aloud, queue figures,
      // the office's recordings. Whatever a board does not show is simply absent.
      state.seq = message.seq;
      if (message.kind === "transferred") {
        // The counter that sent its ticket away has it no more; the ticket waits again.
        (message.counters || []).forEach((c) => {
          const before = state.counters.get(c.id);
          const gone = before && before.current;
          if (gone && !(c.current && c.current.id === gone.id)) moveTicket(gone.id, { counter_id: null, state: "waiting" });
        });
      }
      (message.counters || []).forEach((c) => state.counters.set(c.id, c));
      if (message.voice) applyVoice(message.voice);
      if (message.call) showCall(message.call);
      if (message.counters) renderCounters();
      if (message.fields) {
        const byId = new Map(message.fields.map((f) => [f.id, f]));
        state.fields = state.fields.map((f) => byId.get(f.id) || f);
        message.fields.forEach((f) => { if (!state.fields.some((g) => g.id === f.id)) state.fields.push(f); });
        renderFields();
      }
    },
    status(s) {
      clearTimeout(offlineTimer);
      if (s === "offline") {
        // Short blips (a server restart) should not flash a banner at the hall.
        offlineTimer = setTimeout(() => $("net-banner").classList.add("show"), 2000);
      } else if (s === "online") {
        $("net-banner").classList.remove("show");
      }
    },
  };

  let live = null;
  tick();
  setInterval(tick, 1000);
  sizeTicker();
  window.addEventListener("resize", () => { sizeTicker(); fitFieldNames(); });
  document.fonts.ready.then(fitFieldNames); // names are measured again in the bundled font
  live = Motcua.live({ auth: {}, handlers: handlers });
  live.socket.on("connect_error", (err) => {
    // Unpaired or revoked meanwhile: reloading shows the page that says how to pair again.
    if (err && err.message === "unauthorized") window.location.reload();
  });
  // Find out now, not at the first call, whether the browser lets the board speak.
  announcer.probe();

  window.MotcuaBoard = { state: state, announcer: announcer, live: live, config: config, voice: voiceKeys };
})();
