/* Kiosk room: the citizen's touch screen. Home (one button per field) -> optional priority
 * step -> POST /api/tickets -> the ticket on screen with a QR code -> home. Follows the
 * office live (Motcua.live); shows "Đang kết nối lại…" and refuses to issue while offline.
 * Only a number from a 200/201 answer is ever shown; a request lost on the network is
 * retried with the same client_ref, so the server hands back the same ticket, never a second. */
(function () {
  "use strict";

  var cfg = JSON.parse(document.getElementById("kiosk-config").textContent);
  var app = document.getElementById("kiosk");
  var REQUEST_TIMEOUT_MS = 10000;   // a hung request counts as a network failure (then retried)
  var RETRY_FOR_MS = 45000;         // how long a lost request is retried before asking to try again
  var REUSE_REF_MS = 180000;        // a new tap on the same choice reuses an unconfirmed ref this long
  var AFTER_ISSUE_BLOCK_MS = 1500;  // debounce after an answer: a late second tap does nothing
  var SCREEN_GUARD_MS = 450;        // a tap landing on a screen that just appeared is ignored
  var REFRESH_MS = 30000;           // fields and opening state re-read (counters, cut-off time)
  var PROBE_MS = 3000;              // while offline, how often the server is asked again

  var state = {
    lang: "vi",
    screen: "home",
    office: cfg.office,
    fields: cfg.fields || [],
    opening: cfg.opening || { open: true },
    categories: cfg.categories || [],
    procedures: null,
    proceduresAt: 0,
    procField: null,
    choice: null,          // field chosen on home, waiting for the priority step
    request: null,         // the ticket request in flight or waiting to be retried
    unconfirmed: null,     // a request whose answer was lost: {field, priority, ref, at}
    busy: false,
    blockedUntil: 0,
    guardUntil: 0,
    net: { browser: navigator.onLine !== false, socket: null, http: true },
  };
  var timers = { idle: null, ticket: null, countdown: null, probe: null, retry: null, giveUp: null, print: null };
  var PRINT_FOLLOW_MS = 1000;       // how often the screen asks how far its ticket's print is
  var REMEMBER_EXTRA_S = 15;        // a ticket that did not print stays on screen longer: time to note the number

  // ---------------------------------------------------------------- texts

  function t(key, vars) {
    var text = (cfg.texts[state.lang] || cfg.texts.vi)[key];
    if (text === undefined) text = cfg.texts.vi[key];
    if (typeof text !== "string") return text;
    return text.replace(/\{(\w+)\}/g, function (_, name) {
      return vars && vars[name] !== undefined ? vars[name] : "";
    });
  }

  function applyTexts() {
    document.documentElement.lang = state.lang;
    var nodes = document.querySelectorAll("[data-t]");
    for (var i = 0; i < nodes.length; i++) nodes[i].textContent = t(nodes[i].getAttribute("data-t"));
    var langButton = document.querySelector(".k-lang");
    langButton.setAttribute("lang", state.lang === "vi" ? "en" : "vi");
  }

  function fieldName(field) {
    if (!field) return "";
    return state.lang === "en" && field.name_en ? field.name_en : field.name;
  }

  function categoryName(category) {
    if (!category) return "";
    return state.lang === "en" && category.name_en ? category.name_en : category.name;
  }

  /** No open counter serves the field (all closed at the start of the day, or only its own): a wait
   *  would be a guess, so the kiosk says that instead (a number can still be taken). Older payloads
   *  without the count keep the wait. */
  function noCounterOpen(field) {
    return !!field && field.open_counters === 0;
  }

  /** "Chờ khoảng 8 phút" on home; "Khoảng 8 phút" under the ticket's "Thời gian chờ dự kiến". */
  function waitText(seconds, people, onTicket, field) {
    if (noCounterOpen(field)) return t("no_counter");
    if (!people) return t(onTicket ? "ticket_wait_none" : "wait_none");
    var minutes = Math.max(1, Math.round((seconds || 0) / 60));
    if (minutes < 60) return t(onTicket ? "about_minutes" : "wait_minutes", { m: minutes });
    return t(onTicket ? "about_hours" : "wait_hours", { h: Math.floor(minutes / 60), m: minutes % 60 });
  }

  function pad(n) { return ("0" + n).slice(-2); }

  function dateText(iso) {
    // "2025-12-01" -> "Thứ Hai, 01/12/2025" (a plain calendar date: read it as UTC to keep the day)
    var parts = iso.split("-").map(Number);
    var d = new Date(Date.UTC(parts[0], parts[1] - 1, parts[2]));
    var weekday = t("weekdays")[(d.getUTCDay() + 6) % 7];
    return weekday + ", " + pad(parts[2]) + "/" + pad(parts[1]) + "/" + parts[0];
  }

  // Date and time parts in the office's time zone (the kiosk's own may be UTC): Motcua's one formatter.
  Motcua.setTimeZone(cfg.timezone);
  var officeParts = Motcua.officeParts;

  function localIso(d) { var p = officeParts(d); return p.year + "-" + p.month + "-" + p.day; }

  function tickClock() {
    var now = new Date();
    var p = officeParts(now);
    document.getElementById("k-clock").textContent = p.hour + ":" + p.minute + " · " + dateText(localIso(now));
  }

  // The server's error messages are Vietnamese. In English the kiosk says the same thing from its own
  // texts, chosen by the error's code (errorText: this page's and the check-in's refusals).
  var ERROR_TEXTS = { bad_code: "error_bad_code", booking_not_found: "error_booking_not_found",
                      booking_cancelled: "error_booking_cancelled", booking_other_day: "error_booking_other_day",
                      too_many_tickets: "error_too_many", daily_cap_reached: "error_cap",
                      field_closed: "error_field_closed", office_closed: "closed_other" };

  /** What to tell the citizen about a refused request, in the kiosk's language. */
  function errorText(err) {
    if (err.status === 0) return t("error_network");
    var key = ERROR_TEXTS[err.code];
    if (state.lang !== "vi") return key ? t(key) : t("error_generic");
    return err.message || t("error_generic");
  }

  // ---------------------------------------------------------------- small DOM helpers

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function icon(name) {
    var known = ["elderly", "disability", "pregnant", "merit", "child"];
    var id = known.indexOf(name) >= 0 ? name : "default";
    var svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("viewBox", "0 0 64 64");
    svg.setAttribute("aria-hidden", "true");
    var use = document.createElementNS("http://www.w3.org/2000/svg", "use");
    use.setAttribute("href", "#k-icon-" + id);
    svg.appendChild(use);
    return svg;
  }

  // ---------------------------------------------------------------- network state

  function isOnline() {
    return state.net.browser && (state.net.socket === true || state.net.http);
  }

  function canIssue() {
    return isOnline() && !state.busy && state.opening && state.opening.open;
  }

  function updateNet() {
    var online = isOnline();
    document.getElementById("k-net").hidden = online;
    app.classList.toggle("is-offline", !online);
    if (!online && !timers.probe) timers.probe = setInterval(probe, PROBE_MS);
    if (online && timers.probe) { clearInterval(timers.probe); timers.probe = null; }
    renderEnabled();
    if (online && state.request && state.request.waiting) send();
  }

  function markHttp(ok) {
    if (state.net.http === ok) return;
    state.net.http = ok;
    updateNet();
  }

  /** Ask the server for the fields: refreshes the home screen and tells whether it answers. */
  function probe() {
    return Motcua.api("GET", "/api/fields").then(function (data) {
      state.fields = data.fields || state.fields;
      state.opening = data.opening || state.opening;
      markHttp(true);
      renderHome();
    }, function (err) {
      handleAuthError(err);
      if (err.status === 0 || err.status >= 500) markHttp(false);
    });
  }

  function handleAuthError(err) {
    // The kiosk was unpaired or revoked: reloading shows the pairing instructions.
    if (err && err.status === 401) window.location.reload();
  }

  // ---------------------------------------------------------------- screens

  function show(name) {
    var screens = document.querySelectorAll(".k-screen");
    for (var i = 0; i < screens.length; i++) screens[i].hidden = screens[i].id !== "screen-" + name;
    state.screen = name;
    app.setAttribute("data-screen", name);
    state.guardUntil = Date.now() + SCREEN_GUARD_MS;
    resetIdle();
  }

  function goHome(resetLanguage) {
    clearTimeout(timers.ticket); clearInterval(timers.countdown); clearTimeout(timers.print);
    state.choice = null;
    if (resetLanguage && state.lang !== "vi") { state.lang = "vi"; applyTexts(); }
    renderHome();
    show("home");
  }

  function resetIdle() {
    clearTimeout(timers.idle);
    timers.idle = setTimeout(onIdle, cfg.idle_seconds * 1000);
  }

  function onIdle() {
    // A request being retried keeps its screen; anything else returns home for the next citizen.
    if (state.screen === "issuing") { resetIdle(); return; }
    if (state.screen === "ticket") return;  // the ticket screen has its own timer
    goHome(true);
  }

  // ---------------------------------------------------------------- home

  function renderHome() {
    var opening = state.opening || { open: true };
    var closed = !opening.open;
    document.getElementById("home-title").hidden = closed;
    document.getElementById("k-hint").hidden = closed;
    document.getElementById("k-fields").hidden = closed;
    document.getElementById("k-closed").hidden = !closed;
    var lunch = document.getElementById("k-lunch");
    lunch.hidden = !(opening.open && opening.lunch);
    if (!lunch.hidden) lunch.textContent = t("lunch", { time: state.office.lunch_end || "" });
    if (closed) renderClosed(opening); else renderFields();
    renderEnabled();
  }

  function renderClosed(opening) {
    var reasonKey = "closed_" + opening.reason;
    var reason = cfg.texts.vi[reasonKey] ? t(reasonKey, { time: state.office.cutoff_time }) : (opening.message || t("closed_other"));
    document.getElementById("k-closed-reason").textContent = reason;
    var next = opening.next_open;
    var nextText = "";
    if (next) {
      var today = localIso(new Date());
      var tomorrow = localIso(new Date(Date.now() + 86400000));
      var day = next.date === today ? t("today") : next.date === tomorrow ? t("tomorrow") + ", " + dateText(next.date) : dateText(next.date);
      nextText = t("reopens") + " " + next.time + "\n" + day;
    }
    document.getElementById("k-closed-next").textContent = nextText;
    document.getElementById("k-closed-hours").textContent = opening.hours ? t("hours", { hours: opening.hours }) : "";
  }

  function renderFields() {
    var box = document.getElementById("k-fields");
    box.textContent = "";
    var fields = state.fields.filter(function (f) { return f.active; })
      .concat(state.fields.filter(function (f) { return !f.active; }));
    if (!fields.some(function (f) { return f.active; })) {
      box.appendChild(el("p", "k-msg", t("no_fields")));
    }
    fields.forEach(function (field) {
      var button = el("button", "k-field" + (field.active ? "" : " k-field--closed"));
      button.type = "button";
      button.setAttribute("data-action", "field");
      button.setAttribute("data-field", field.id);
      button.appendChild(el("span", "k-field-name", fieldName(field)));
      var info = el("span", "k-field-info");
      if (field.active && field.waiting) {
        info.appendChild(el("span", "k-pill", t("waiting_people", { n: field.waiting })));
      }
      if (field.active) {
        info.appendChild(el("span", "k-pill k-pill-wait" + (noCounterOpen(field) ? " k-pill-nocounter" : ""),
                            waitText(field.estimated_wait_s, field.waiting, false, field)));
      } else {
        info.appendChild(el("span", "k-pill", t("field_closed")));
      }
      button.appendChild(info);
      box.appendChild(button);
    });
  }

  /** Issue buttons are enabled only when a ticket can really be issued now. */
  function renderEnabled() {
    var allowed = canIssue();
    app.classList.toggle("is-busy", state.busy);
    document.getElementById("k-hint").textContent = t(isOnline() ? "home_hint" : "offline_text");
    var fieldButtons = document.querySelectorAll(".k-field");
    for (var i = 0; i < fieldButtons.length; i++) {
      var field = findField(Number(fieldButtons[i].getAttribute("data-field")));
      fieldButtons[i].disabled = !allowed || !field || !field.active;
    }
    var prioButtons = document.querySelectorAll("#screen-priority .k-prio, #screen-priority .k-noprio");
    for (var j = 0; j < prioButtons.length; j++) prioButtons[j].disabled = !allowed;
  }

  function findField(id) {
    for (var i = 0; i < state.fields.length; i++) if (state.fields[i].id === id) return state.fields[i];
    return null;
  }

  function mergeFields(fields) {
    (fields || []).forEach(function (f) {
      var known = findField(f.id);
      if (known) Object.keys(f).forEach(function (k) { known[k] = f[k]; });
      else state.fields.push(f);
    });
    if (state.screen === "home") renderHome();
  }

  // ---------------------------------------------------------------- priority step

  function chooseField(fieldId) {
    var field = findField(fieldId);
    if (!field || !field.active || !canIssue()) return;
    if (!state.categories.length) { issue(field.id, null); return; }
    state.choice = field.id;
    renderPriority();
    show("priority");
  }

  function renderPriority() {
    var field = findField(state.choice);
    document.getElementById("k-priority-field").textContent = t("priority_field", { field: fieldName(field) });
    var grid = document.getElementById("k-prio-grid");
    grid.textContent = "";
    state.categories.forEach(function (category) {
      var button = el("button", "k-prio");
      button.type = "button";
      button.setAttribute("data-action", "priority");
      button.setAttribute("data-code", category.code);
      button.appendChild(icon(category.icon));
      button.appendChild(el("span", "", categoryName(category)));
      grid.appendChild(button);
    });
    renderEnabled();
  }

  // ---------------------------------------------------------------- issuing

  function newRef() {
    // crypto.randomUUID needs a secure context; a kiosk on plain http has getRandomValues only.
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function issue(fieldId, priority) {
    if (state.busy || Date.now() < state.blockedUntil || !canIssue()) return;
    var previous = state.unconfirmed;
    var ref = previous && previous.field === fieldId && previous.priority === priority &&
      Date.now() - previous.at < REUSE_REF_MS ? previous.ref : newRef();
    state.request = { field: fieldId, priority: priority, ref: ref, started: Date.now(), waiting: false,
                      inFlight: false, csrfRetried: false };
    state.busy = true;
    renderEnabled();
    document.getElementById("k-issuing-text").hidden = false;
    document.getElementById("k-pending").hidden = true;
    show("issuing");
    send();
  }

  function send() {
    var req = state.request;
    if (!req || req.inFlight) return;
    clearTimeout(timers.retry);
    req.waiting = false;
    req.inFlight = true;
    var body = { field: req.field, client_ref: req.ref };
    if (req.priority) body.priority = req.priority;
    var controller = window.AbortController ? new AbortController() : null;
    var timeout = controller ? setTimeout(function () { controller.abort(); }, REQUEST_TIMEOUT_MS) : null;
    Motcua.api("POST", "/api/tickets", body, controller ? { signal: controller.signal } : undefined)
      .then(function (data) {
        clearTimeout(timeout);
        req.inFlight = false;
        markHttp(true);
        if (state.request !== req) {
          // Cancelled while the answer was on its way: the ticket exists; a new tap on the same choice gets it.
          state.unconfirmed = { field: req.field, priority: req.priority, ref: req.ref, at: Date.now() };
          return;
        }
        state.request = null;
        state.unconfirmed = null;
        clearTimeout(timers.giveUp);
        finishRequest();
        showTicket(data);
      }, function (err) {
        clearTimeout(timeout);
        req.inFlight = false;
        if (state.request !== req) return;
        if (err.status === 0 || err.status >= 500) {
          // The server may have committed the ticket: keep the ref and ask again, never guess a number.
          state.unconfirmed = { field: req.field, priority: req.priority, ref: req.ref, at: Date.now() };
          if (err.status === 0) markHttp(false);
          if (Date.now() - req.started > RETRY_FOR_MS) { giveUp(t("error_network")); return; }
          showPending();
          req.waiting = true;
          if (isOnline()) timers.retry = setTimeout(send, 2000);
          return;
        }
        if (err.status === 403 && err.code === "csrf_failed" && !req.csrfRetried) {
          req.csrfRetried = true;
          refreshCsrf().then(send, function () { giveUp(t("error_generic")); });
          return;
        }
        handleAuthError(err);
        state.request = null;
        finishRequest();
        showError(err);
        if (err.code === "office_closed" || err.code === "field_closed") probe();
      });
  }

  function finishRequest() {
    state.busy = false;
    state.blockedUntil = Date.now() + AFTER_ISSUE_BLOCK_MS;
    renderEnabled();
  }

  function refreshCsrf() {
    return Motcua.api("GET", "/api/session").then(function (data) {
      document.querySelector('meta[name="csrf-token"]').setAttribute("content", data.csrf_token);
    });
  }

  function showPending() {
    document.getElementById("k-issuing-text").hidden = true;
    document.getElementById("k-pending").hidden = false;
    if (state.screen !== "issuing") show("issuing");
    var req = state.request;
    clearTimeout(timers.giveUp);
    // Offline, no attempt fails any more: stop waiting after RETRY_FOR_MS all the same.
    timers.giveUp = setTimeout(function () {
      if (state.request === req && !req.inFlight) giveUp(t("error_network"));
    }, Math.max(0, req.started + RETRY_FOR_MS - Date.now()));
  }

  function cancelPending() {
    state.request = null;
    clearTimeout(timers.retry);
    clearTimeout(timers.giveUp);
    finishRequest();
    goHome(false);
  }

  function giveUp(message) {
    state.request = null;
    clearTimeout(timers.retry);
    clearTimeout(timers.giveUp);
    finishRequest();
    document.getElementById("k-error-text").textContent = message;
    show("error");
  }

  function showError(err) {
    var text;
    if (err.code === "daily_cap_reached") text = t("error_cap");
    else if (err.code === "field_closed") text = t("field_closed") + ".";
    else if (err.code === "office_closed" && err.body && err.body.reason && cfg.texts.vi["closed_" + err.body.reason]) {
      text = t("closed_" + err.body.reason, { time: state.office.cutoff_time });
    } else text = errorText(err);
    document.getElementById("k-error-text").textContent = text;
    show("error");
  }

  // ---------------------------------------------------------------- ticket

  function showTicket(data) {
    var number = document.getElementById("k-number");
    number.textContent = data.number;
    number.style.setProperty("--len", Math.max(3, String(data.number).length));
    var field = findField(data.field.id);
    document.getElementById("k-ticket-field").textContent = field ? fieldName(field) : data.field.name;
    var prio = data.ticket && data.ticket.priority;
    var prioNode = document.getElementById("k-ticket-prio");
    prioNode.hidden = !prio;
    if (prio) {
      var category = state.categories.filter(function (c) { return c.code === prio.code; })[0] || prio;
      prioNode.textContent = "★ " + t("ticket_priority", { name: categoryName(category) });
    }
    document.getElementById("k-ticket-ahead").textContent = String(data.people_ahead);
    document.getElementById("k-ticket-wait").textContent = waitText(data.estimated_wait_s, data.people_ahead, true, field);
    renderQr(data.status_url);
    document.getElementById("screen-ticket").setAttribute("data-number", data.number);
    show("ticket");
    var left = cfg.ticket_seconds;
    var countdown = document.getElementById("k-countdown");
    countdown.textContent = "(" + left + ")";
    clearInterval(timers.countdown);
    timers.countdown = setInterval(function () {
      left -= 1;
      countdown.textContent = "(" + Math.max(left, 0) + ")";
    }, 1000);
    clearTimeout(timers.ticket);
    timers.ticket = setTimeout(function () { goHome(true); }, cfg.ticket_seconds * 1000);
    followPrint(data.print, data.number);
  }

  // ---------------------------------------------------------------- printing (issue 14)

  var PRINT_TEXTS = { printing: "print_printing", printed: "print_done", paper_out: "print_paper_out",
                      not_printed: "print_failed" };

  /** Say what happened to the paper ticket, whichever way this kiosk prints. */
  function showPrint(outcome) {
    var node = document.getElementById("k-print");
    node.hidden = !outcome;
    if (!outcome) return;
    node.setAttribute("data-outcome", outcome);
    node.setAttribute("data-t", PRINT_TEXTS[outcome]);
    node.textContent = t(PRINT_TEXTS[outcome]);
    // "Keep your ticket" makes no sense when there is none.
    document.querySelector("#screen-ticket .k-keep").hidden = outcome === "paper_out" || outcome === "not_printed";
    if (outcome === "paper_out" || outcome === "not_printed") {
      // The number on screen is all the citizen has: keep it there long enough to note it.
      clearTimeout(timers.ticket);
      var left = cfg.ticket_seconds + REMEMBER_EXTRA_S;
      document.getElementById("k-countdown").textContent = "(" + left + ")";
      clearInterval(timers.countdown);
      timers.countdown = setInterval(function () {
        left -= 1;
        document.getElementById("k-countdown").textContent = "(" + Math.max(left, 0) + ")";
      }, 1000);
      timers.ticket = setTimeout(function () { goHome(true); }, left * 1000);
    }
  }

  function followPrint(print, number) {
    clearTimeout(timers.print);
    document.querySelector("#screen-ticket .k-keep").hidden = false;
    if (!print || !print.kind || print.kind === "none") { showPrint(null); return; }
    if (print.kind === "browser") { printInBrowser(print.url); return; }
    var shown = document.getElementById("screen-ticket").getAttribute("data-number");
    showPrint(print.outcome || "printing");
    if (!print.job_id || print.outcome === "printed" || print.outcome === "paper_out" || print.outcome === "not_printed") return;
    timers.print = setTimeout(function ask() {
      if (state.screen !== "ticket" || shown !== number) return;  // the next citizen's screen: stop
      Motcua.api("GET", "/api/print-jobs/" + print.job_id).then(function (job) {
        if (state.screen !== "ticket") return;
        showPrint(job.outcome);
        if (job.outcome === "printing") timers.print = setTimeout(ask, PRINT_FOLLOW_MS);
      }, function () {
        if (state.screen === "ticket") timers.print = setTimeout(ask, PRINT_FOLLOW_MS * 2);
      });
    }, PRINT_FOLLOW_MS);
  }

  /** Browser printing: the server-rendered ticket, one page the paper's width, to the default printer
   *  (Chromium started with --kiosk-printing prints it without a dialog). */
  function printInBrowser(url) {
    showPrint("printing");
    var old = document.getElementById("k-print-frame");
    if (old) old.remove();
    var frame = document.createElement("iframe");
    frame.id = "k-print-frame";
    frame.setAttribute("aria-hidden", "true");
    frame.tabIndex = -1;
    frame.style.cssText = "position:fixed;width:0;height:0;border:0;visibility:hidden";
    frame.onload = function () {
      var image = frame.contentDocument && frame.contentDocument.querySelector("img");
      function go() {
        try {
          frame.contentWindow.focus();
          frame.contentWindow.print();
          showPrint("printed");
        } catch (err) {
          showPrint("not_printed");
        }
      }
      if (!image) { showPrint("not_printed"); return; }
      if (image.complete && image.naturalWidth) go();
      else { image.onload = go; image.onerror = function () { showPrint("not_printed"); }; }
    };
    frame.src = url;
    document.body.appendChild(frame);
  }

  function renderQr(url) {
    var box = document.getElementById("k-qr");
    box.textContent = "";
    box.setAttribute("data-url", url || "");
    if (!url || typeof qrcode !== "function") return;
    var qr = qrcode(0, "M");
    qr.addData(url);
    qr.make();
    box.innerHTML = qr.createSvgTag({ cellSize: 4, margin: 16, scalable: true });
  }

  // ---------------------------------------------------------------- procedures

  function loadProcedures() {
    return Motcua.api("GET", "/api/procedures").then(function (data) {
      state.procedures = data;
      state.proceduresAt = Date.now();
      markHttp(true);
      if (state.screen === "procedures") renderProcedures();
    }, function (err) {
      handleAuthError(err);
      if (err.status === 0) markHttp(false);
      if (state.screen === "procedures") renderProcedures();
    });
  }

  function openProcedures() {
    renderProcedures();
    show("procedures");
    updatePager();
    if (!state.procedures || Date.now() - state.proceduresAt > 300000) loadProcedures();
  }

  function renderSchedule(schedule) {
    var box = document.getElementById("k-schedule");
    box.textContent = "";
    if (!schedule) return;
    box.appendChild(el("h2", "", t("proc_schedule")));
    var dl = el("dl");
    function row(label, value) {
      var div = el("div");
      div.appendChild(el("dt", "", label));
      div.appendChild(el("dd", "", value));
      dl.appendChild(div);
    }
    row(t("proc_days"), daysText(schedule.working_days || []));
    var hasLunch = schedule.lunch_start && schedule.lunch_end && schedule.lunch_start > schedule.open_time &&
      schedule.lunch_end < schedule.close_time;
    if (hasLunch) {
      row(t("proc_morning"), schedule.open_time + " – " + schedule.lunch_start);
      row(t("proc_afternoon"), schedule.lunch_end + " – " + schedule.close_time);
    } else {
      row(t("proc_hours"), schedule.open_time + " – " + schedule.close_time);
    }
    row(t("proc_cutoff"), schedule.cutoff_time);
    box.appendChild(dl);
    if (state.office.notices) box.appendChild(el("p", "k-notices", state.office.notices));
  }

  function daysText(days) {
    var names = t("weekdays");
    var sorted = days.slice().sort();
    if (!sorted.length) return "–";
    var contiguous = sorted.every(function (d, i) { return i === 0 || d === sorted[i - 1] + 1; });
    if (contiguous && sorted.length > 2) return names[sorted[0] - 1] + " – " + names[sorted[sorted.length - 1] - 1];
    return sorted.map(function (d) { return names[d - 1]; }).join(", ");
  }

  function renderProcedures() {
    var data = state.procedures;
    var nav = document.getElementById("k-proc-nav");
    var list = document.getElementById("k-proc-list");
    nav.textContent = "";
    list.textContent = "";
    renderSchedule(data && data.schedule);
    if (!data) {
      list.appendChild(el("p", "k-msg", isOnline() ? t("proc_loading") : t("proc_failed")));
      return;
    }
    var fields = data.fields || [];
    if (!fields.some(function (f) { return f.id === state.procField; })) {
      // Open on the first field that has something to read.
      var first = fields.filter(function (f) { return f.procedures.length; })[0] || fields[0];
      state.procField = first ? first.id : null;
    }
    fields.forEach(function (f) {
      var button = el("button", "k-proc-tab");
      button.type = "button";
      button.setAttribute("data-action", "proc-field");
      button.setAttribute("data-field", f.id);
      button.setAttribute("aria-current", f.id === state.procField ? "true" : "false");
      var known = findField(f.id);
      button.appendChild(el("span", "", known ? fieldName(known) : f.name));
      button.appendChild(el("small", "", t("proc_count", { n: f.procedures.length })));
      nav.appendChild(button);
    });
    var field = fields.filter(function (f) { return f.id === state.procField; })[0];
    if (!field) return;
    var known = findField(field.id);
    list.appendChild(el("h2", "", known ? fieldName(known) : field.name));
    if (!field.procedures.length) list.appendChild(el("p", "k-msg", t("proc_none")));
    field.procedures.forEach(function (p) {
      var card = el("article", "k-proc");
      card.appendChild(el("h3", "", p.name));
      var dl = el("dl");
      dl.appendChild(el("dt", "", t("proc_time")));
      dl.appendChild(el("dd", "", p.processing_time || t("not_specified")));
      dl.appendChild(el("dt", "", t("proc_fee")));
      dl.appendChild(el("dd", "", p.fee || t("not_specified")));
      if (p.documents && p.documents.length) {
        dl.appendChild(el("dt", "", t("proc_documents")));
        var dd = el("dd");
        var ul = el("ul");
        p.documents.forEach(function (d) { ul.appendChild(el("li", "", d)); });
        dd.appendChild(ul);
        dl.appendChild(dd);
      }
      card.appendChild(dl);
      list.appendChild(card);
    });
    list.scrollTop = 0;
    updatePager();
  }

  function scrollList(direction) {
    var list = document.getElementById("k-proc-list");
    list.scrollBy({ top: direction * list.clientHeight * 0.8, behavior: "smooth" });
  }

  /** Up/Down are only offered where there is more to see. */
  function updatePager() {
    var list = document.getElementById("k-proc-list");
    document.querySelector("[data-action=scroll-up]").disabled = list.scrollTop <= 2;
    document.querySelector("[data-action=scroll-down]").disabled =
      list.scrollTop + list.clientHeight >= list.scrollHeight - 2;
  }

  // ---------------------------------------------------------------- taps

  function onTap(event) {
    var target = event.target.closest("[data-action]");
    if (!target || target.disabled) return;
    if (Date.now() < state.guardUntil) return;  // the tap that opened this screen, repeated
    var action = target.getAttribute("data-action");
    switch (action) {
      case "lang":
        state.lang = state.lang === "vi" ? "en" : "vi";
        applyTexts();
        renderAll();
        break;
      case "field":
        if (Date.now() < state.blockedUntil) return;
        chooseField(Number(target.getAttribute("data-field")));
        break;
      case "priority":
        issue(state.choice, target.getAttribute("data-code"));
        break;
      case "no-priority":
        issue(state.choice, null);
        break;
      case "home":
        if (state.screen === "ticket") state.blockedUntil = Date.now() + 800;
        goHome(state.screen === "ticket");
        break;
      case "cancel-pending":
        cancelPending();
        break;
      case "procedures":
        openProcedures();
        break;
      case "proc-field":
        state.procField = Number(target.getAttribute("data-field"));
        renderProcedures();
        break;
      case "scroll-up":
        scrollList(-1);
        break;
      case "scroll-down":
        scrollList(1);
        break;
    }
  }

  function renderAll() {
    renderHome();
    if (state.screen === "priority") renderPriority();
    if (state.screen === "procedures") renderProcedures();
    tickClock();
  }

  // ---------------------------------------------------------------- live

  function startLive() {
    Motcua.live({
      handlers: {
        snapshot: function (data, reason) {
          // The kiosk's whole state: fields with their waits, opening hours, priority categories.
          state.fields = data.fields || state.fields;
          state.opening = data.opening || state.opening;
          if (data.categories) {
            state.categories = data.categories;
            if (state.screen === "priority") renderPriority();
          }
          if (data.office) {
            Object.keys(data.office).forEach(function (k) { state.office[k] = data.office[k]; });
            document.getElementById("k-office-name").textContent = data.office.name;
          }
          renderHome();
          // Procedures come over HTTP: again only when an admin changed the office, or once stale.
          if (reason === "settings" || !state.procedures || Date.now() - state.proceduresAt > 300000) loadProcedures();
        },
        update: function (message) { if (message.fields) mergeFields(message.fields); },
        status: function (status) {
          if (status === "online") { state.net.socket = true; state.net.http = true; updateNet(); }
          else if (status === "offline") {
            state.net.socket = false;
            updateNet();
            probe();  // is it only the socket, or the server too?
          }
        },
      },
    });
  }

  // ---------------------------------------------------------------- start

  document.addEventListener("click", onTap);
  ["pointerdown", "keydown", "wheel"].forEach(function (name) {
    document.addEventListener(name, resetIdle, { passive: true, capture: true });
  });
  document.addEventListener("scroll", resetIdle, { passive: true, capture: true });
  document.getElementById("k-proc-list").addEventListener("scroll", updatePager, { passive: true });
  document.addEventListener("contextmenu", function (e) { e.preventDefault(); });
  window.addEventListener("offline", function () { state.net.browser = false; updateNet(); });
  window.addEventListener("online", function () { state.net.browser = true; updateNet(); probe(); });

  applyTexts();
  renderHome();
  tickClock();
  setInterval(tickClock, 15000);
  setInterval(function () { if (state.screen === "home" && isOnline()) probe(); }, REFRESH_MS);
  show("home");
  updateNet();
  loadProcedures();
  startLive();
  // For people debugging a kiosk from the console, and for the appointment check-in (kiosk-checkin.js).
  window.KioskApp = { state: state, show: show, goHome: goHome, showTicket: showTicket, t: t, errorText: errorText };
})();
