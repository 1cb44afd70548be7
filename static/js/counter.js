/* Counter room: the clerk's console. Login -> choose a counter -> call, serve, transfer, pause.
 * Every action goes through the JSON API; the page follows the office live (Motcua.live, the staff
 * room: alerts for this counter name it). One action at a time: a second click never acts twice. */
(function () {
  "use strict";

  var M = window.Motcua;
  var boot = JSON.parse(document.getElementById("counter-boot").textContent);
  var STORE_KEY = "motcua.counter";
  M.setTimeZone(boot.timezone);  // times in the office's zone, whatever the PC's (default Asia/Ho_Chi_Minh)
  var FIGURES_EVERY_MS = 60000;

  var state = {
    user: null,
    usable: [],          // counters this person may use [{id, number, name}]
    counter: null,       // the chosen counter {id, number, name}
    info: null,          // its live payload (state, pause_reason, field_ids, current)
    current: null,       // the ticket called/served here
    waiting: {},         // id -> ticket payload (whole office; filtered when shown)
    noShows: {},         // id -> today's no-show ticket at one of this person's counters
    back: null,          // id of the ticket just put back in line (its row is marked a while)
    fields: {},          // id -> field payload
    counters: {},        // id -> counter payload
    office: null,
    busy: false,
    live: null,
    offsetMs: 0,         // browser clock minus server clock
  };

  function $(id) { return document.getElementById(id); }
  function show(id) {
    ["view-login", "view-choose", "view-console"].forEach(function (v) { $(v).hidden = v !== id; });
  }
  function setCsrf(token) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta && token) meta.setAttribute("content", token);
  }
  function storeKey() { return STORE_KEY + "." + (state.user ? state.user.id : ""); }

  // ------------------------------------------------------------------ messages and toasts

  var messageTimer = null;
  function message(text, kind) {
    var el = $("message");
    el.textContent = text;
    el.className = "cv-message " + (kind || "info");
    el.hidden = false;
    clearTimeout(messageTimer);
    messageTimer = setTimeout(function () { el.hidden = true; }, kind === "error" ? 15000 : 8000);
  }

  function errorText(err) {
    if (!err) return "Đã có lỗi. Xin thử lại.";
    if (err.code === "network") return "Mất kết nối tới máy chủ. Thao tác chưa được thực hiện, xin thử lại.";
    if (err.status === 500) return "Lỗi hệ thống. Xin thử lại hoặc báo cán bộ kỹ thuật.";
    return err.message || "Đã có lỗi. Xin thử lại.";
  }

  /** Show a toast; ``ms`` 0 keeps it until closed. A toast with a ``slot`` replaces the previous one. */
  var slots = {};
  function toast(text, level, ms, slot) {
    if (slot && slots[slot]) { slots[slot].remove(); delete slots[slot]; }
    var box = document.createElement("div");
    box.className = "toast toast-" + (level || "info");
    box.setAttribute("role", level === "warning" || level === "error" ? "alert" : "status");
    var span = document.createElement("span");
    span.textContent = text;
    var close = document.createElement("button");
    close.type = "button";
    close.className = "toast-close";
    close.setAttribute("aria-label", "Đóng thông báo");
    close.textContent = "×";
    close.addEventListener("click", function () { box.remove(); });
    box.appendChild(span);
    box.appendChild(close);
    $("toasts").appendChild(box);
    if (slot) slots[slot] = box;
    if (ms) setTimeout(function () { box.remove(); if (slots[slot] === box) delete slots[slot]; }, ms);
  }
  function clearSlot(slot) { if (slots[slot]) { slots[slot].remove(); delete slots[slot]; } }

  // ------------------------------------------------------------------ time

  function serverNow() { return Date.now() - state.offsetMs; }
  function since(iso) { return iso ? Math.max(0, Math.floor((serverNow() - Date.parse(iso)) / 1000)) : 0; }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function duration(seconds) {
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    return (h ? h + ":" + pad(m) : pad(m)) + ":" + pad(s);
  }
  function waitedText(iso) {
    var minutes = Math.floor(since(iso) / 60);
    if (minutes < 1) return "vừa đến";
    if (minutes < 60) return minutes + " phút";
    return Math.floor(minutes / 60) + " giờ" + (minutes % 60 ? " " + (minutes % 60) + " phút" : "");
  }
  function minutesText(seconds) {
    if (seconds === null || seconds === undefined) return "–";
    if (seconds < 60) return seconds + " giây";
    var m = Math.floor(seconds / 60), s = seconds % 60;
    return m + " phút" + (s ? " " + s + " giây" : "");
  }

  async function syncClock() {
    try {
      var before = Date.now();
      var health = await M.api("GET", "/api/health");
      var offset = (before + Date.now()) / 2 - Date.parse(health.time);
      // Seconds-precision server time: only correct a clock that is clearly wrong.
      state.offsetMs = Math.abs(offset) > 3000 ? offset : 0;
    } catch (err) { state.offsetMs = 0; }
  }

  // ------------------------------------------------------------------ login and counter choice

  async function start() {
    try {
      var who = await M.api("GET", "/api/session");
      if (who.user) { setCsrf(who.csrf_token); return afterLogin(who); }
    } catch (err) { /* 401: not logged in */ }
    showLogin();
  }

  function showLogin() {
    show("view-login");
    $("login-error").hidden = true;
    $("login-password").value = "";
    $("login-username").focus();
  }

  $("login-form").addEventListener("submit", async function (ev) {
    ev.preventDefault();
    var button = $("login-submit");
    if (button.disabled) return;
    button.disabled = true;
    $("login-error").hidden = true;
    try {
      var who = await M.api("POST", "/api/session", {
        username: $("login-username").value.trim(), password: $("login-password").value,
      });
      setCsrf(who.csrf_token);
      await afterLogin(who);
    } catch (err) {
      $("login-error").textContent = errorText(err);
      $("login-error").hidden = false;
    } finally {
      button.disabled = false;
    }
  });

  async function afterLogin(who) {
    state.user = who.user;
    state.usable = who.counters || [];
    $("choose-user").textContent = (who.user.full_name || who.user.username) + " · " + who.user.username;
    var stored = parseInt(localStorage.getItem(storeKey()) || "", 10);
    var again = state.usable.filter(function (c) { return c.id === stored; })[0];
    if (again) {
      try { return await enterConsole(again, true); } catch (err) { /* fall back to the choice */ }
    }
    return showChoose();
  }

  async function showChoose(errorMessage) {
    show("view-choose");
    var err = $("choose-error");
    err.hidden = !errorMessage;
    err.textContent = errorMessage || "";
    $("choose-empty").hidden = state.usable.length > 0;
    var list = $("choose-list");
    list.innerHTML = "";
    if (!state.usable.length) return;
    var live = {};
    try {
      (await M.api("GET", "/api/counters")).counters.forEach(function (c) { live[c.id] = c; });
    } catch (e) { /* the list still works without states */ }
    state.usable.forEach(function (c) {
      var info = live[c.id] || {};
      var button = document.createElement("button");
      button.type = "button";
      button.className = "choose-item";
      button.dataset.counter = c.id;
      var status = boot.counter_states[info.state] || boot.counter_states.closed;
      if (info.state !== "closed") status += " · " + (info.clerk_name || "chưa có cán bộ");
      button.innerHTML = '<span class="choose-no">Quầy ' + M.escapeHtml(c.number) + "</span>" +
        '<span class="choose-name">' + M.escapeHtml(counterName(c)) + "</span>" +
        '<span class="choose-state">' + M.escapeHtml(status) + "</span>";
      button.addEventListener("click", function () { chooseCounter(c, button); });
      list.appendChild(button);
    });
    var first = list.querySelector("button");
    if (first) first.focus();
  }

  async function chooseCounter(counter, button) {
    if (state.busy) return;
    state.busy = true;
    document.querySelectorAll(".choose-item").forEach(function (b) { b.disabled = true; });
    try {
      await enterConsole(counter, false);
    } catch (err) {
      showChoose(errorText(err));
    } finally {
      state.busy = false;
      document.querySelectorAll(".choose-item").forEach(function (b) { b.disabled = false; });
    }
  }

  /** Open the counter (unless coming back to one already open for us) and show the console. */
  async function enterConsole(counter, returning) {
    var info = null;
    if (returning) {
      var all = (await M.api("GET", "/api/counters")).counters;
      info = all.filter(function (c) { return c.id === counter.id; })[0] || null;
    }
    var mine = info && info.state !== "closed" && info.clerk_name === state.user.full_name;
    if (!mine) info = (await M.api("POST", "/api/counters/" + counter.id + "/open")).counter;
    state.counter = counter;
    state.noShows = {};  // this counter's are read with the snapshot
    localStorage.setItem(storeKey(), String(counter.id));
    applyCounter(info);
    show("view-console");
    $("top-user").textContent = state.user.full_name || state.user.username;
    $("top-counter-no").textContent = "Quầy " + counter.number;
    $("top-counter-name").textContent = counterName(counter);
    render();
    connectLive();
    syncClock();
    refreshFigures();
    loadPrintingKiosks();
  }

  /** A counter's own name, unless it only repeats its number ("Quầy 1"). */
  function counterName(c) {
    var name = (c.name || "").trim();
    return name.toLowerCase() === ("quầy " + c.number).toLowerCase() ? "" : name;
  }

  async function leaveCounter() {
    if (state.current) {
      message("Quầy đang giữ số " + state.current.number + ". Hãy kết thúc, báo vắng hoặc chuyển số này trước.", "error");
      return false;
    }
    try {
      await M.api("POST", "/api/counters/" + state.counter.id + "/close");
    } catch (err) {
      if (err.status !== 403 && err.status !== 404) { message(errorText(err), "error"); return false; }
    }
    localStorage.removeItem(storeKey());
    state.counter = null;
    state.lastDone = null;
    // A fresh connection (and snapshot) for whatever comes next: another counter or the login.
    dropLive();
    return true;
  }

  $("btn-switch").addEventListener("click", async function () {
    if (state.busy) return;
    state.busy = true;
    try { if (await leaveCounter()) await showChoose(); } finally { state.busy = false; renderActions(); }
  });

  /** Log out; ``everywhere`` ends every session of this person (other PCs too: docs/SECURITY.md). */
  async function logout(closeCounter, everywhere) {
    if (state.busy) return;
    if (everywhere && !window.confirm("Đăng xuất tài khoản này khỏi mọi máy (kể cả máy này)?")) return;
    state.busy = true;
    try {
      if (closeCounter && !(await leaveCounter())) return;
      try { await M.api("DELETE", everywhere ? "/api/sessions" : "/api/session"); } catch (err) { /* gone anyway */ }
      dropLive();
      state.user = null; state.counter = null; state.current = null; state.info = null;
      showLogin();
    } finally {
      state.busy = false;
    }
  }
  $("btn-logout").addEventListener("click", function () { logout(true); });
  $("choose-logout").addEventListener("click", function () { logout(false); });
  $("choose-logout-all").addEventListener("click", function () { logout(false, true); });

  // ------------------------------------------------------------------ live

  function connectLive() {
    if (state.live) return;
    var token = {};  // events of a connection we already dropped (logout, other counter) are ignored
    state.liveToken = token;
    state.live = M.live({
      handlers: {
        status: function (s) {
          if (state.liveToken !== token) return;
          $("net-banner").classList.toggle("show", s === "offline");
          $("top-live").className = "cv-live " + s;
          $("top-live").title = s === "online" ? "Đang kết nối trực tiếp" : "Mất kết nối";
        },
        snapshot: onSnapshot,
        update: function (message) { if (state.liveToken === token) onUpdate(message); },
      },
    });
  }

  function dropLive() {
    state.liveToken = null;
    if (state.live) { state.live.socket.disconnect(); state.live = null; }
    $("net-banner").classList.remove("show");
  }

  /** One change of the office: tickets, counters, queue figures, alerts (a transfer names its counter). */
  function onUpdate(message) {
    (message.tickets || []).forEach(function (t) {
      upsertWaiting(t);
      keepNoShow(t);
      if (state.current && state.current.id === t.id) {
        var here = state.counter && t.counter_id === state.counter.id;
        state.current = here && (t.state === "called" || t.state === "serving") ? t : null;
      }
    });
    (message.counters || []).forEach(function (c) {
      state.counters[c.id] = c;
      if (state.counter && c.id === state.counter.id) applyCounter(c);
    });
    (message.fields || []).forEach(function (f) { state.fields[f.id] = f; });
    (message.alerts || []).forEach(function (a) {
      if (!a.counter_id || (state.counter && a.counter_id === state.counter.id)) onAlert(a);
    });
    render();
  }

  function onSnapshot(data) {
    state.office = data.office;
    M.setTimeZone(data.office && data.office.timezone);
    loadNoShows();  // not in the staff snapshot: read them (again after a gap or a rollover)
    state.fields = {};
    (data.fields || []).forEach(function (f) { state.fields[f.id] = f; });
    state.counters = {};
    (data.counters || []).forEach(function (c) { state.counters[c.id] = c; });
    state.waiting = {};
    (data.waiting || []).forEach(upsertWaiting);
    if (state.counter && state.counters[state.counter.id]) applyCounter(state.counters[state.counter.id]);
    $("top-office").textContent = data.office ? data.office.name : "";
    // A printer already in trouble when the console connects is shown like a live alert.
    var troubled = (data.printers || []).filter(function (p) { return p.paper === "out" || p.paper === "low" || !p.online; })[0];
    if (troubled) {
      var where = troubled.kiosk_name ? " (" + troubled.kiosk_name + ")" : "";  // which kiosk (issue 14)
      var text = troubled.paper === "out" ? "Máy in phiếu đã hết giấy" + where + ". Hãy thay cuộn giấy."
        : troubled.paper === "low" ? "Máy in phiếu sắp hết giấy" + where + "."
        : "Máy in phiếu không phản hồi" + where + ": mất kết nối hoặc tắt nguồn.";
      toast(text, troubled.paper === "low" ? "warning" : "error", 0, "printer");
    } else {
      clearSlot("printer");
    }
    render();
  }

  function onAlert(p) {
    var text = p.message || "Cảnh báo";
    if (p.kind === "transfer_in") {
      var moved = state.waiting[p.ticket_id];  // the update that carries the alert carries the ticket
      if (moved && moved.note) text += " Ghi chú: “" + moved.note + "”";
      toast(text, "info", 15000);
    } else if (p.printer || /^(paper|printer)_/.test(p.kind || "")) {
      // One printer toast at a time: the newest state replaces the last; "ok" clears it soon.
      toast(text, p.level === "ok" ? "ok" : p.level === "warning" ? "warning" : "error", p.level === "ok" ? 6000 : 0, "printer");
    } else {
      toast(text, p.level === "info" || p.level === "ok" ? "info" : "warning", p.level === "info" ? 12000 : 0);
    }
  }

  function upsertWaiting(t) {
    if (t.state === "waiting") state.waiting[t.id] = t; else delete state.waiting[t.id];
  }

  /** Today's no-shows are the clerk's to put back in line: those of the counters this person may
   * act for (security.may_act_on_ticket: a ticket at one of their counters). */
  function myNoShow(t) {
    if (t.state !== "no_show" || !state.counter) return false;
    if (t.counter_id === state.counter.id) return true;
    return state.usable.some(function (c) { return c.id === t.counter_id; });
  }

  function keepNoShow(t) {
    if (myNoShow(t)) state.noShows[t.id] = t; else delete state.noShows[t.id];
  }

  /** Read today's no-shows (the staff view carries only waiting tickets). */
  async function loadNoShows() {
    var counter = state.counter;
    try {
      var tickets = (await M.api("GET", "/api/tickets?state=no_show")).tickets || [];
      if (state.counter !== counter) return;  // another counter was chosen meanwhile
      state.noShows = {};
      tickets.forEach(keepNoShow);
      renderNoShows();
    } catch (err) { /* the list stays as it was; the next snapshot reads it again */ }
  }

  function applyCounter(info) {
    if (!info) return;
    state.info = info;
    state.counters[info.id] = info;
    state.current = info.current || null;
  }

  // ------------------------------------------------------------------ rendering

  function mine(t) {
    if (!state.counter || !state.info) return false;
    if (t.target_counter_id) return t.target_counter_id === state.counter.id;
    return (state.info.field_ids || []).indexOf(t.field_id) >= 0;
  }

  function myWaiting() {
    return Object.keys(state.waiting).map(function (k) { return state.waiting[k]; }).filter(mine)
      .sort(function (a, b) {
        var pa = a.priority ? 0 : 1, pb = b.priority ? 0 : 1;
        if (pa !== pb) return pa - pb;
        if (a.arrival_at !== b.arrival_at) return a.arrival_at < b.arrival_at ? -1 : 1;
        return a.id - b.id;
      });
  }

  function marks(t) {
    var out = [];
    if (t.priority) out.push('<span class="badge badge-prio">Ưu tiên: ' + M.escapeHtml(t.priority.name) + "</span>");
    if (t.booking) {
      // An appointment: the slot and the name the citizen gave, for the clerk to greet them by name.
      var booked = "Hẹn " + t.booking.slot + (t.booking.on_time === false ? " (đến ngoài giờ hẹn)" : "");
      out.push('<span class="badge badge-booked" title="Mã hẹn ' + M.escapeHtml(t.booking.code) + '">' +
               M.escapeHtml(booked) + "</span>");
      if (t.booking.name) out.push('<span class="cv-booked-name">' + M.escapeHtml(t.booking.name) + "</span>");
    }
    if (state.counter && t.target_counter_id === state.counter.id) {
      out.push('<span class="badge badge-transfer-in">Chuyển đến quầy này</span>');
    } else if (t.transferred) {
      out.push('<span class="badge badge-transfer">Được chuyển</span>');
    }
    if (t.recall_count) out.push('<span class="badge">Đã gọi lại ' + t.recall_count + " lần</span>");
    if (t.note) out.push('<span class="cv-note" title="' + M.escapeHtml(t.note) + '">“' + M.escapeHtml(t.note) + "”</span>");
    return out.join(" ");
  }

  function render() {
    renderCounterState();
    renderCurrent();
    renderWaiting();
    renderNoShows();
    renderActions();
    // The visit whose dossier codes the console takes (static/js/counter-dossiers.js): the one at
    // the counter, else the one just finished here.
    document.dispatchEvent(new CustomEvent("counter:visit", {
      detail: { visit: state.current || state.lastDone || null, counter: state.counter } }));
  }

  function renderCounterState() {
    var info = state.info || {};
    var el = $("top-state");
    el.textContent = boot.counter_states[info.state] || "";
    el.className = "cv-state cv-state-" + (info.state || "closed");
    var paused = info.state === "paused";
    $("paused-banner").hidden = !paused;
    if (paused) {
      $("paused-reason").textContent = info.pause_reason || "";
      $("paused-since").textContent = info.state_since ? "(từ " + M.clock(info.state_since) + ")" : "";
    }
    var names = (info.field_ids || []).map(function (id) { return state.fields[id] ? state.fields[id].name : ""; })
      .filter(Boolean);
    $("waiting-fields").textContent = names.length ? "Lĩnh vực: " + names.join(", ") : "";
  }

  function renderCurrent() {
    var t = state.current;
    $("current-empty").hidden = !!t;
    $("current-ticket").hidden = !t;
    $("current").classList.toggle("is-serving", !!t && t.state === "serving");
    $("current").classList.toggle("is-called", !!t && t.state === "called");
    if (!t) return;
    $("current-number").textContent = t.number;
    $("current-label").textContent = t.state === "serving" ? "Đang phục vụ" : "Đã gọi – chờ công dân đến quầy";
    $("current-field").textContent = t.field_name;
    $("current-marks").innerHTML = marks(t) +
      (t.arrival_at ? ' <span class="muted small">Lấy số lúc ' + M.escapeHtml(M.clock(t.arrival_at)) + "</span>" : "");
    tick();
  }

  function tick() {
    var t = state.current;
    if (!t) return;
    var from = t.state === "serving" ? t.started_at : t.called_at;
    $("current-timer").textContent = duration(since(from));
    $("current-timer-label").textContent = t.state === "serving"
      ? "thời gian phục vụ (từ " + M.clock(t.started_at) + ")"
      : "từ lúc gọi (" + M.clock(t.called_at) + ")";
  }

  function renderWaiting() {
    var list = myWaiting();
    $("waiting-count").textContent = list.length;
    $("waiting-empty").hidden = list.length > 0;
    var rows = list.map(function (t) {
      var cls = [t.priority ? "is-prio" : "", state.counter && t.target_counter_id === state.counter.id ? "is-transfer-in" : "",
                 t.id === state.back ? "is-back" : ""];
      return '<tr class="' + cls.join(" ") + '" data-ticket="' + t.id + '">' +
        '<td class="cv-num">' + M.escapeHtml(t.number) + "</td>" +
        '<td class="cv-field" title="' + M.escapeHtml(t.field_name) + '">' + M.escapeHtml(t.field_name) + "</td>" +
        '<td class="cv-time">' + M.escapeHtml(M.clock(t.arrival_at)) + "</td>" +
        '<td class="cv-waited">' + M.escapeHtml(waitedText(t.arrival_at)) + "</td>" +
        '<td class="cv-marks" title="' + M.escapeHtml(t.note || "") + '">' + marks(t) + "</td>" +
        '<td class="cv-row-actions">' +
        '<button type="button" class="btn btn-small btn-call" data-call="' + t.id + '">Gọi</button>' +
        '<button type="button" class="btn btn-small btn-quiet" data-reprint="' + t.id + '" title="In lại phiếu số ' +
        M.escapeHtml(t.number) + '">In lại</button>' +
        '<button type="button" class="btn btn-small btn-quiet cv-row-cancel" data-cancel="' + t.id + '" title="Hủy số ' +
        M.escapeHtml(t.number) + ' (có hỏi lại)">Hủy</button></td></tr>';
    });
    $("waiting-body").innerHTML = rows.join("");
    setRowButtons();
  }

  function myNoShows() {
    return Object.keys(state.noShows).map(function (k) { return state.noShows[k]; })
      .sort(function (a, b) { return (b.called_at || "") < (a.called_at || "") ? -1 : (b.called_at || "") > (a.called_at || "") ? 1 : b.id - a.id; });
  }

  /** Newest first: the citizen at the desk now is most likely the one who just missed the call. */
  function renderNoShows() {
    var list = myNoShows();
    var focused = document.activeElement && document.activeElement.closest && document.activeElement.closest("#noshow-list li");
    var focusedId = focused ? focused.dataset.ticket : null;
    $("noshow-count").textContent = list.length;
    $("noshow-empty").hidden = list.length > 0;
    $("noshow-list").innerHTML = list.map(function (t) {
      var elsewhere = state.counter && t.counter_id !== state.counter.id && t.counter_number ? " · quầy " + t.counter_number : "";
      return '<li data-ticket="' + t.id + '">' +
        '<span class="cv-num">' + M.escapeHtml(t.number) + "</span>" +
        '<span class="cv-noshow-field" title="' + M.escapeHtml(t.field_name) + '">' + M.escapeHtml(t.field_name) + "</span>" +
        '<span class="cv-noshow-when muted">gọi lúc ' + M.escapeHtml(M.clock(t.called_at)) +
        (t.recall_count ? ", gọi lại " + t.recall_count + " lần" : "") + M.escapeHtml(elsewhere) + "</span>" +
        '<button type="button" class="btn btn-small cv-btn-back" data-reactivate="' + t.id + '">Gọi lại vào hàng</button>' +
        "</li>";
    }).join("");
    if (focusedId) {
      var again = document.querySelector('#noshow-list li[data-ticket="' + focusedId + '"] [data-reactivate]');
      if (again) again.focus();
    }
    document.querySelectorAll("#noshow-list [data-reactivate]").forEach(function (b) { b.disabled = state.busy; });
  }

  function setRowButtons() {
    var blocked = state.busy || !!state.current;
    document.querySelectorAll("#waiting-body [data-call]").forEach(function (b) { b.disabled = blocked; });
    document.querySelectorAll("#waiting-body [data-reprint], #waiting-body [data-cancel], #noshow-list [data-reactivate]")
      .forEach(function (b) { b.disabled = state.busy; });
  }

  function allowed(name) {
    var t = state.current, info = state.info || {};
    switch (name) {
      case "call_next": return !t;
      case "recall": case "start": case "no_show": return !!t && t.state === "called";
      case "finish": return !!t && (t.state === "called" || t.state === "serving");
      case "transfer": case "reprint": return !!t;
      case "pause": return info.state === "paused" || (!t && info.state === "open");
      case "resume": return info.state === "paused";
      default: return false;
    }
  }

  function renderActions() {
    document.querySelectorAll("[data-action]").forEach(function (b) {
      b.disabled = state.busy || !allowed(b.dataset.action);
    });
    var pause = document.querySelector('.cv-action[data-action="pause"] .cv-action-label');
    if (pause) pause.textContent = state.info && state.info.state === "paused" ? "Tiếp tục làm việc" : "Tạm dừng…";
    setRowButtons();
  }

  // ------------------------------------------------------------------ figures

  async function refreshFigures() {
    if (!state.counter) return;
    try {
      var f = await M.api("GET", "/api/me/today");
      $("fig-served").textContent = f.served;
      $("fig-avg").textContent = minutesText(f.avg_service_s);
      var r = f.ratings;
      $("fig-satisfied").textContent = r.count ? r.satisfied_pct + "%" : "–";
      var waiting = r.pending ? " · " + r.pending + " lượt mới được cộng khi đủ " + r.batch : "";
      $("fig-satisfied-label").textContent = (r.count
        ? "hài lòng trở lên (" + r.count + " lượt đánh giá)" : "chưa đủ " + r.batch + " lượt đánh giá") + waiting;
      $("fig-levels").innerHTML = r.count ? r.levels.map(function (l) {
        return '<span class="cv-level' + (l.low ? " is-low" : "") + '">' + M.escapeHtml(l.label) +
          ": <strong>" + l.count + "</strong></span>";
      }).join("") : "";
    } catch (err) { /* figures are a help, not a blocker */ }
  }

  // ------------------------------------------------------------------ actions

  /** Run one request at a time: buttons off while it is in flight, its error shown inline. */
  async function run(work) {
    if (state.busy) return;
    state.busy = true;
    $("message").hidden = true;  // the last action's message no longer describes the screen
    renderActions();
    try {
      await work();
    } catch (err) {
      if (err && err.status === 401) { message("Phiên đăng nhập đã hết. Xin đăng nhập lại.", "error"); showLogin(); }
      else message(errorText(err), err && err.code === "queue_empty" ? "info" : "error");
    } finally {
      state.busy = false;
      render();
    }
  }

  function afterTicket(t) {
    upsertWaiting(t);
    var here = state.counter && t.counter_id === state.counter.id;
    state.current = here && (t.state === "called" || t.state === "serving") ? t : null;
  }

  function ticketAction(path, done) {
    var t = state.current;
    if (!t) return;
    run(async function () {
      var res = await M.api("POST", "/api/tickets/" + t.id + "/" + path);
      afterTicket(res.ticket);
      if (done) done(res.ticket);
    });
  }

  var ACTIONS = {
    call_next: function () {
      run(async function () {
        var res = await M.api("POST", "/api/counters/" + state.counter.id + "/call-next");
        state.lastDone = null;
        delete state.waiting[res.ticket.id];
        state.current = res.ticket;
        message("Đã gọi số " + res.ticket.number + " (" + res.ticket.field_name + ").", "ok");
      });
    },
    recall: function () { ticketAction("recall", function (t) { message("Đã gọi lại số " + t.number + ".", "ok"); }); },
    start: function () { ticketAction("start", function (t) { message("Bắt đầu phục vụ số " + t.number + ".", "ok"); }); },
    finish: function () {
      ticketAction("finish", function (t) { state.lastDone = t; message("Đã kết thúc số " + t.number + ". Mời công dân đánh giá trên máy tính bảng.", "ok"); refreshFigures(); });
    },
    no_show: function () {
      ticketAction("no-show", function (t) {
        keepNoShow(t);
        message("Số " + t.number + " được ghi nhận vắng mặt. Nếu công dân quay lại: danh sách “Vắng mặt hôm nay”.", "ok");
        refreshFigures();
      });
    },
    transfer: function () { openTransfer(); },
    reprint: function () { if (state.current) reprint(state.current); },
    pause: function () {
      if (state.info && state.info.state === "paused") ACTIONS.resume(); else openPause();
    },
    resume: function () {
      run(async function () {
        var res = await M.api("POST", "/api/counters/" + state.counter.id + "/resume");
        applyCounter(res.counter);
        message("Quầy đã mở lại.", "ok");
      });
    },
  };

  function reprint(t) {
    run(async function () {
      // The kiosk the clerk picked (issue 14); none picked: the kiosk that issued the ticket.
      var picked = parseInt($("reprint-kiosk").value, 10);
      var res = await M.api("POST", "/api/tickets/" + t.id + "/reprint", picked ? { kiosk: picked } : {});
      var where = res.kiosk && res.kiosk.name ? " (" + res.kiosk.name + ")" : "";
      message(res.duplicate ? "Phiếu số " + t.number + " đang chờ in." : "Đã gửi lệnh in lại phiếu số " + t.number + where + ".", "ok");
    });
  }

  /** The office's printing kiosks, offered for a reprint when there is more than one. */
  async function loadPrintingKiosks() {
    try {
      var kiosks = (await M.api("GET", "/api/kiosks/printing")).kiosks || [];
      var select = $("reprint-kiosk");
      select.length = 1;
      kiosks.forEach(function (k) {
        var option = document.createElement("option");
        option.value = String(k.id);
        option.textContent = k.name;
        select.appendChild(option);
      });
      $("reprint-kiosk-box").hidden = kiosks.length < 2;
    } catch (err) { /* no choice offered: reprints go to the issuing kiosk */ }
  }

  var BACK_MARK_MS = 20000;  // how long a number put back in line stays marked in the waiting list

  /** Put a no-show back in line at its own place (by arrival time); the phone follows it again. */
  function reactivate(id) {
    var t = state.noShows[id];
    if (!t) return;
    run(async function () {
      try {
        var res = await M.api("POST", "/api/tickets/" + t.id + "/reactivate");
        delete state.noShows[t.id];
        upsertWaiting(res.ticket);
        state.back = res.ticket.id;
        setTimeout(function () { if (state.back === res.ticket.id) { state.back = null; renderWaiting(); } }, BACK_MARK_MS);
        var place = myWaiting().map(function (w) { return w.id; }).indexOf(res.ticket.id) + 1;
        message("Số " + res.ticket.number + " đã vào lại hàng chờ" + (place ? ", đứng thứ " + place : "") +
                " (theo giờ lấy số). Bấm Gọi trên dòng của số này để gọi ngay.", "ok");
      } catch (err) {
        loadNoShows();  // someone else may have acted on it: show what is true now
        throw err;
      }
    });
  }

  var cancelling = null;  // the ticket the cancel dialog asks about

  function openCancel(t) {
    if (!t || state.busy) return;
    cancelling = t;
    $("cancel-number").textContent = t.number;
    $("cancel-what").textContent = t.field_name + (t.arrival_at ? " · lấy số lúc " + M.clock(t.arrival_at) : "") +
      (t.booking && t.booking.name ? " · " + t.booking.name : "");
    formError("cancel-error", "");
    $("dlg-cancel").showModal();
    $("cancel-submit").focus();
  }

  $("cancel-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var t = cancelling;
    if (!t || state.busy) return;
    var button = $("cancel-submit");
    button.disabled = true;
    run(async function () {
      try {
        var res = await M.api("POST", "/api/tickets/" + t.id + "/cancel");
        upsertWaiting(res.ticket);
        keepNoShow(res.ticket);
        if (state.current && state.current.id === t.id) state.current = null;
        $("dlg-cancel").close();
        message("Đã hủy số " + res.ticket.number + ".", "ok");
      } catch (err) {
        formError("cancel-error", errorText(err));
      } finally {
        button.disabled = false;
      }
    });
  });
  $("dlg-cancel").addEventListener("close", function () { cancelling = null; });

  function callChosen(id) {
    var t = state.waiting[id];
    if (!t || state.current) return;
    run(async function () {
      var res = await M.api("POST", "/api/counters/" + state.counter.id + "/call", { ticket: t.id });
      state.lastDone = null;
      delete state.waiting[res.ticket.id];
      state.current = res.ticket;
      message("Đã gọi số " + res.ticket.number + " (" + res.ticket.field_name + ").", "ok");
    });
  }

  document.addEventListener("click", function (ev) {
    var button = ev.target.closest("button");
    if (!button) return;
    if (button.dataset.action) {
      button.blur();  // Space is a shortcut: a focused button must not be pressed again by it
      if (!button.disabled && ACTIONS[button.dataset.action]) ACTIONS[button.dataset.action]();
    } else if (button.dataset.call) {
      button.blur();
      callChosen(parseInt(button.dataset.call, 10));
    } else if (button.dataset.reprint) {
      button.blur();
      var t = state.waiting[parseInt(button.dataset.reprint, 10)];
      if (t) reprint(t);
    } else if (button.dataset.reactivate) {
      reactivate(parseInt(button.dataset.reactivate, 10));
    } else if (button.dataset.cancel) {
      button.blur();
      openCancel(state.waiting[parseInt(button.dataset.cancel, 10)]);
    } else if (button.hasAttribute("data-close")) {
      button.closest("dialog").close();
    }
  });

  // ------------------------------------------------------------------ dialogs

  function formError(id, text) { $(id).textContent = text || ""; $(id).hidden = !text; }

  function openTransfer() {
    var t = state.current;
    if (!t) return;
    $("transfer-number").textContent = t.number;
    var fields = Object.keys(state.fields).map(function (k) { return state.fields[k]; })
      .filter(function (f) { return f.active && f.id !== t.field_id; });
    $("transfer-field").innerHTML = fields.map(function (f) {
      return '<option value="' + f.id + '">' + M.escapeHtml(f.name) + "</option>";
    }).join("");
    var counters = Object.keys(state.counters).map(function (k) { return state.counters[k]; })
      .filter(function (c) { return c.id !== state.counter.id; })
      .sort(function (a, b) { return a.number - b.number; });
    $("transfer-counter").innerHTML = counters.map(function (c) {
      var name = counterName(c);
      return '<option value="' + c.id + '">Quầy ' + c.number + (name ? " – " + M.escapeHtml(name) : "") +
        " (" + (boot.counter_states[c.state] || "").toLowerCase() + (c.clerk_name && c.state !== "closed" ? ", " + M.escapeHtml(c.clerk_name) : "") +
        ")</option>";
    }).join("");
    $("transfer-note").value = "";
    formError("transfer-error", "");
    document.querySelector('#transfer-form input[value="field"]').checked = true;
    syncTransferTarget();
    $("dlg-transfer").showModal();
    $("transfer-field").focus();
  }

  function syncTransferTarget() {
    var toCounter = document.querySelector('#transfer-form input[name="target"]:checked').value === "counter";
    $("transfer-field").hidden = toCounter;
    $("transfer-field-label").hidden = toCounter;
    $("transfer-counter").hidden = !toCounter;
    $("transfer-counter-label").hidden = !toCounter;
  }
  document.querySelectorAll('#transfer-form input[name="target"]').forEach(function (r) {
    r.addEventListener("change", syncTransferTarget);
  });

  $("transfer-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var t = state.current;
    if (!t || state.busy) return;
    var toCounter = document.querySelector('#transfer-form input[name="target"]:checked').value === "counter";
    var select = toCounter ? $("transfer-counter") : $("transfer-field");
    if (!select.value) { formError("transfer-error", toCounter ? "Không có quầy nào khác để chuyển đến." : "Không có lĩnh vực nào khác để chuyển đến."); return; }
    var body = { note: $("transfer-note").value.trim() };
    body[toCounter ? "counter" : "field"] = parseInt(select.value, 10);
    var button = $("transfer-submit");
    button.disabled = true;
    run(async function () {
      try {
        var res = await M.api("POST", "/api/tickets/" + t.id + "/transfer", body);
        afterTicket(res.ticket);
        $("dlg-transfer").close();
        var where = toCounter ? select.options[select.selectedIndex].text.replace(/ \(.*\)$/, "") : select.options[select.selectedIndex].text;
        message("Đã chuyển số " + t.number + " đến " + where + ".", "ok");
        refreshFigures();
      } catch (err) {
        formError("transfer-error", errorText(err));
      } finally {
        button.disabled = false;
      }
    });
  });

  function openPause() {
    if (state.current) { message("Hãy kết thúc số " + state.current.number + " trước khi tạm dừng.", "error"); return; }
    formError("pause-error", "");
    $("pause-other").value = "";
    document.querySelector('#pause-form input[name="reason"]').checked = true;
    $("dlg-pause").showModal();
    document.querySelector('#pause-form input[name="reason"]:checked').focus();
  }
  $("pause-other").addEventListener("input", function () {
    document.querySelector('#pause-form input[name="reason"][value=""]').checked = true;
  });

  $("pause-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    if (state.busy) return;
    var chosen = document.querySelector('#pause-form input[name="reason"]:checked').value;
    var reason = chosen || $("pause-other").value.trim();
    if (!reason) { formError("pause-error", "Hãy nhập lý do tạm dừng."); $("pause-other").focus(); return; }
    var button = $("pause-submit");
    button.disabled = true;
    run(async function () {
      try {
        var res = await M.api("POST", "/api/counters/" + state.counter.id + "/pause", { reason: reason });
        applyCounter(res.counter);
        $("dlg-pause").close();
      } catch (err) {
        formError("pause-error", errorText(err));
      } finally {
        button.disabled = false;
      }
    });
  });

  // ------------------------------------------------------------------ keyboard

  var KEYS = {};
  boot.actions.forEach(function (a) { a.keys.forEach(function (k) { KEYS[k] = a.name; }); });

  document.addEventListener("keydown", function (ev) {
    if ($("view-console").hidden || ev.ctrlKey || ev.altKey || ev.metaKey || ev.repeat) return;
    if (document.querySelector("dialog[open]")) return;  // the dialog's own keys (Esc closes it)
    var tag = ev.target && ev.target.tagName;
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (ev.target && ev.target.isContentEditable)) return;
    var key = ev.key && ev.key.length === 1 ? ev.key.toLowerCase() : ev.key;
    if (noShowKeys(ev, key)) return;
    var name = KEYS[key];
    if (!name) return;
    ev.preventDefault();
    if (!state.busy && allowed(name)) ACTIONS[name]();
  });

  /** V: to the newest no-show; Up/Down move along the list; Enter (the button's own) puts it back. */
  function noShowKeys(ev, key) {
    var buttons = Array.prototype.slice.call(document.querySelectorAll("#noshow-list [data-reactivate]"));
    if (key === "v") {
      ev.preventDefault();
      if (buttons.length) { buttons[0].focus(); buttons[0].scrollIntoView({ block: "nearest" }); }
      else message("Chưa có số nào vắng mặt tại quầy này hôm nay.", "info");
      return true;
    }
    var at = buttons.indexOf(document.activeElement);
    if (at < 0 || (key !== "ArrowDown" && key !== "ArrowUp")) return false;
    ev.preventDefault();
    var next = buttons[Math.min(buttons.length - 1, Math.max(0, at + (key === "ArrowDown" ? 1 : -1)))];
    next.focus();
    next.scrollIntoView({ block: "nearest" });
    return true;
  }

  // ------------------------------------------------------------------ clocks

  setInterval(tick, 1000);
  setInterval(function () { if (state.counter) renderWaiting(); }, 30000);
  setInterval(refreshFigures, FIGURES_EVERY_MS);

  start();
})();
