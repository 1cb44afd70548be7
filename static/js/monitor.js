/* Reports room: the live monitor. Follows the office by Socket.IO (the session cookie logs it
 * in; leaders and admins are in the leaders room), keeps counters, queues, printers and alerts
 * current, ticks the clocks every second, and refreshes today's counts after events. */
(function () {
  "use strict";

  var esc = Motcua.escapeHtml;
  var STATE_NAMES = JSON.parse(document.getElementById("counter-states").textContent);  // rules/states.py
  var PAPER_NAMES = { ok: "Đủ giấy", low: "Sắp hết giấy", out: "Hết giấy", unknown: "Chưa rõ" };
  var LONG_WAIT_S = 30 * 60;     // a wait longer than this is shown in red
  var LONG_SERVICE_S = 20 * 60;  // a service longer than this is shown in red

  var state = { counters: {}, fields: [], waiting: {}, printers: [], alerts: [], today: null, served: {} };
  var refreshTimer = null;

  function $(id) { return document.getElementById(id); }

  function fmtNumber(n) { return Number(n || 0).toLocaleString("vi-VN"); }

  /** "mm:ss" or "h giờ mm phút" for a span in seconds. */
  function span(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    if (h) return h + " giờ " + ("0" + m).slice(-2) + " phút";
    return ("0" + m).slice(-2) + ":" + ("0" + s).slice(-2);
  }

  /** A wait already spent, in words ("4 phút", "1 giờ 05 phút"): the tile stands beside the clock,
   * where "04:03" would read as a time of day. */
  function waited(seconds) {
    var minutes = Math.floor(Math.max(0, seconds) / 60);
    if (minutes < 1) return "dưới 1 phút";
    if (minutes < 60) return minutes + " phút";
    return Math.floor(minutes / 60) + " giờ " + ("0" + (minutes % 60)).slice(-2) + " phút";
  }

  function since(iso) { return iso ? (Date.now() - Date.parse(iso)) / 1000 : 0; }

  // ------------------------------------------------------------------ rendering

  function renderCounters() {
    var list = Object.keys(state.counters).map(function (k) { return state.counters[k]; })
      .sort(function (a, b) { return a.number - b.number; });
    if (!list.length) { $("counters").innerHTML = '<p class="muted">Chưa có quầy nào.</p>'; return; }
    $("counters").innerHTML = list.map(function (c) {
      var cur = c.current, body;
      if (cur) {
        var serving = cur.state === "serving";
        body = '<div class="counter-ticket">' + esc(cur.number) + '</div>' +
          '<div class="counter-time" data-since="' + esc(serving ? cur.started_at : cur.called_at) + '" data-long="' +
          (serving ? LONG_SERVICE_S : 600) + '" data-prefix="' + (serving ? "Đang phục vụ " : "Đã gọi, chờ công dân ") + '"></div>' +
          '<div class="counter-clerk">' + esc(cur.field_name) + '</div>';
      } else if (c.state === "paused") {
        body = '<div class="counter-ticket idle">Tạm dừng: ' + esc(c.pause_reason || "không rõ lý do") + '</div>' +
          '<div class="counter-time" data-since="' + esc(c.state_since) + '" data-long="1800" data-prefix="Từ ' +
          esc(Motcua.clock(c.state_since)) + ' · đã "></div>';
      } else if (c.state === "closed") {
        body = '<div class="counter-ticket idle">Quầy đóng</div>' +
          '<div class="counter-time muted">Từ ' + esc(Motcua.clock(c.state_since)) + '</div>';
      } else {
        body = '<div class="counter-ticket idle">Đang rảnh</div>' +
          '<div class="counter-time" data-since="' + esc(c.state_since) + '" data-long="0" data-prefix="Mở từ ' +
          esc(Motcua.clock(c.state_since)) + ' · "></div>';
      }
      var today = state.served[String(c.id)] || {};
      var served = today.served || 0;
      var clerk = c.clerk_name || (c.state !== "closed" ? today.clerk : null);
      return '<article class="counter-card state-' + esc(c.state) + '" data-counter="' + c.id + '">' +
        '<div class="counter-head"><span class="counter-name">Quầy ' + esc(c.number) +
        (c.name && c.name !== "Quầy " + c.number ? " · " + esc(c.name) : "") + '</span>' +
        '<span class="counter-state">' + esc(STATE_NAMES[c.state] || c.state) + '</span></div>' +
        '<div class="counter-clerk">' + (clerk ? "Cán bộ: " + esc(clerk) : "Chưa có cán bộ đăng nhập") + '</div>' +
        body +
        '<div class="counter-foot">Đã phục vụ hôm nay: <strong>' + fmtNumber(served) + '</strong></div>' +
        '</article>';
    }).join("");
    tick();
  }

  function oldestByField() {
    var oldest = {};
    Object.keys(state.waiting).forEach(function (id) {
      var t = state.waiting[id];
      var cur = oldest[t.field_id];
      if (!cur || Date.parse(t.arrival_at) < Date.parse(cur.arrival_at)) oldest[t.field_id] = t;
    });
    return oldest;
  }

  function renderFields() {
    var oldest = oldestByField();
    if (!state.fields.length) { $("fields").innerHTML = '<tr><td colspan="5" class="empty">Chưa có lĩnh vực.</td></tr>'; return; }
    $("fields").innerHTML = state.fields.map(function (f) {
      var o = oldest[f.id];
      return '<tr data-field="' + f.id + '"><td>' + esc(f.name) + (f.active ? "" : ' <span class="chip chip-off">Tạm ngừng</span>') +
        '</td><td class="num big-num">' + fmtNumber(f.waiting) + '</td>' +
        '<td class="num" data-oldest="' + esc(o ? o.arrival_at : "") + '">' + (o ? "" : "—") + '</td>' +
        '<td class="num">' + fmtNumber(f.open_counters) + '</td>' +
        '<td class="num wrap">' + (f.waiting ? esc(Motcua.waitText(f.estimated_wait_s)) : "—") + '</td></tr>';
    }).join("");
    tick();
  }

  /** A printer by its kiosk's name (issue 14: each kiosk has its own), else its own name. */
  function printerName(p) { return p.kiosk_name || p.name; }

  function renderPrinters() {
    if (!state.printers.length) {
      $("printers").innerHTML = '<tr><td colspan="4" class="empty">Chưa có máy in nào báo trạng thái (kiosk không in hoặc chưa kết nối).</td></tr>';
      return;
    }
    $("printers").innerHTML = state.printers.map(function (p) {
      var paperClass = p.paper === "out" ? "printer-bad" : p.paper === "low" ? "printer-warn" : p.paper === "ok" ? "printer-ok" : "";
      return '<tr><td>' + esc(printerName(p)) + (p.message ? '<br><span class="muted small">' + esc(p.message) + '</span>' : "") + '</td>' +
        '<td class="nowrap ' + (p.online ? "printer-ok" : "printer-bad") + '">' + (p.online ? "Trực tuyến" : "Mất kết nối") + '</td>' +
        '<td class="nowrap ' + paperClass + '">' + esc(PAPER_NAMES[p.paper] || p.paper) + '</td>' +
        '<td class="nowrap">' + esc(Motcua.clock(p.checked_at)) + '</td></tr>';
    }).join("");
  }

  /** Printer problems stay listed while they last; other alerts show the latest few. */
  function renderAlerts() {
    var items = [];
    state.printers.forEach(function (p) {
      var name = printerName(p);
      if (p.paper === "out") items.push({ level: "error", message: "Máy in “" + name + "” đã hết giấy. Hãy thay cuộn giấy.", at: p.checked_at });
      else if (!p.online) items.push({ level: "error", message: "Máy in “" + name + "” không phản hồi.", at: p.checked_at });
      else if (p.paper === "low") items.push({ level: "warning", message: "Máy in “" + name + "” sắp hết giấy.", at: p.checked_at });
    });
    state.alerts.forEach(function (a) { if (!/^(paper_|printer_)/.test(a.kind || "")) items.push(a); });
    var rank = { critical: 0, error: 0, warning: 1, info: 2 };
    function level(a) { return a.level in rank ? rank[a.level] : 1; }
    items.sort(function (a, b) { return level(a) - level(b); });  // errors first; sort is stable
    $("alerts").innerHTML = items.slice(0, 8).map(function (a) {
      return '<li class="alert-' + esc(a.level || "warning") + '"><time>' + esc(Motcua.clock(a.at)) + '</time><span>' +
        esc(a.message) + '</span></li>';
    }).join("");
  }

  function renderToday() {
    var t = state.today;
    if (!t) return;
    $("today-date").textContent = t.day.split("-").reverse().join("/");  // a monitor left open past midnight
    $("t-issued").textContent = fmtNumber(t.issued);
    $("t-served").textContent = fmtNumber(t.served);
    $("t-in-service").textContent = t.in_service + " đang được gọi/phục vụ";
    $("t-noshow").innerHTML = fmtNumber(t.no_show) + " <small>/ " + fmtNumber(t.cancelled) + "</small>";
    $("t-wait").innerHTML = (t.wait.avg == null ? "—" : (t.wait.avg / 60).toFixed(1).replace(".", ",")) + " <small>phút</small>";
    $("t-rating").textContent = t.ratings
      ? (t.satisfied_share * 100).toFixed(1).replace(".", ",") + "% hài lòng trở lên (" + t.ratings + " lượt đánh giá)"
      : "Chưa có đánh giá";
    state.served = t.by_counter || {};
    renderCounters();
  }

  /** Every second: clocks, time serving / paused, longest wait now. */
  function tick() {
    $("live-clock").textContent = Motcua.clock(new Date(), true);  // the office's time, whatever the PC's zone
    document.querySelectorAll("[data-since]").forEach(function (el) {
      var iso = el.getAttribute("data-since");
      if (!iso) return;
      var s = since(iso), long = Number(el.getAttribute("data-long") || 0);
      el.textContent = (el.getAttribute("data-prefix") || "") + span(s);
      el.classList.toggle("long", long > 0 && s > long);
    });
    document.querySelectorAll("[data-oldest]").forEach(function (el) {
      var iso = el.getAttribute("data-oldest");
      if (!iso) return;
      var s = since(iso);
      el.textContent = span(s);
      el.classList.toggle("wait-long", s > LONG_WAIT_S);
    });
    var ids = Object.keys(state.waiting), oldest = null;
    ids.forEach(function (id) {
      var t = state.waiting[id];
      if (!oldest || Date.parse(t.arrival_at) < Date.parse(oldest.arrival_at)) oldest = t;
    });
    $("t-waiting").textContent = fmtNumber(ids.length);
    var tile = $("tile-longest");
    if (oldest) {
      var s = since(oldest.arrival_at);
      $("t-longest").textContent = waited(s);
      $("t-longest-who").textContent = "Số " + oldest.number + " · " + oldest.field_name + " · lấy số lúc " + Motcua.clock(oldest.arrival_at);
      tile.classList.toggle("tile-bad", s > LONG_WAIT_S);
    } else {
      $("t-longest").textContent = "—";
      $("t-longest-who").textContent = "Không có ai đang chờ";
      tile.classList.remove("tile-bad");
    }
  }

  // ------------------------------------------------------------------ data

  async function refreshToday() {
    try {
      state.today = await Motcua.api("GET", "/api/reports/today");
      renderToday();
    } catch (err) {
      if (err.status === 401 || err.status === 403) window.location.reload();
    }
  }

  /** Changes come in bursts (a call, then a start, then a finish): refresh the counts once. */
  function refreshSoon() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(refreshToday, 800);
  }

  function keepWaiting(ticket) {
    if (!ticket) return;
    if (ticket.state === "waiting") state.waiting[ticket.id] = ticket;
    else delete state.waiting[ticket.id];
  }

  function setStatus(s) {
    var el = $("live-status");
    el.className = "live-status " + s;
    el.textContent = s === "online" ? "Đang cập nhật trực tiếp" : s === "offline" ? "Mất kết nối – đang thử lại…" : "Đang kết nối…";
  }

  var handlers = {
    status: setStatus,
    snapshot: function (data) {
      Motcua.setTimeZone(data.office && data.office.timezone);  // times in the office's zone (default Asia/Ho_Chi_Minh)
      state.counters = {};
      (data.counters || []).forEach(function (c) { state.counters[c.id] = c; });
      state.fields = data.fields || [];
      state.waiting = {};
      (data.waiting || []).forEach(keepWaiting);
      state.printers = data.printers || [];
      renderCounters(); renderFields(); renderPrinters(); renderAlerts();
      refreshSoon();
      document.dispatchEvent(new CustomEvent("monitor:snapshot", { detail: data }));  // monitor-alerts.js
    },
    update: function (message) {
      // One change of the office; today's counts are re-read soon after tickets move or a rating.
      (message.counters || []).forEach(function (c) { state.counters[c.id] = c; });
      (message.fields || []).forEach(function (f) {
        var i = state.fields.findIndex(function (x) { return x.id === f.id; });
        if (i >= 0) state.fields[i] = f; else state.fields.push(f);
      });
      (message.tickets || []).forEach(keepWaiting);
      // An alert naming a counter (a transfer to it) is for that counter's console.
      (message.alerts || []).forEach(function (a) { if (!a.counter_id) onAlert(a); });
      if (message.counters) renderCounters();
      if (message.fields || message.tickets) renderFields();
      if (message.tickets || message.rating) refreshSoon();
      document.dispatchEvent(new CustomEvent("monitor:update", { detail: message }));  // monitor-alerts.js
    },
  };

  function onAlert(a) {
    if (/^low_rating/.test(a.kind || "")) return;  // rating alerts have their own list (monitor-alerts.js)
    a = Object.assign({ at: new Date().toISOString() }, a);
    if (a.printer && a.printer.name) {
      var row = { name: a.printer.name, kiosk_name: a.printer.kiosk_name, online: !!a.printer.online,
                  paper: a.printer.paper || "unknown",
                  message: a.printer.message || "", checked_at: a.at };
      var i = state.printers.findIndex(function (x) { return x.name === row.name; });
      if (i >= 0) state.printers[i] = row; else state.printers.push(row);
      renderPrinters();
    }
    if (a.level !== "ok") state.alerts.unshift(a);
    state.alerts = state.alerts.slice(0, 20);
    renderAlerts();
  }

  var today = $("today-data");
  if (today) { try { state.today = JSON.parse(today.textContent); state.served = state.today.by_counter || {}; } catch (e) { /* rendered by the server anyway */ } }
  Motcua.live({ handlers: handlers });
  setInterval(tick, 1000);
  setInterval(refreshToday, 60000);  // figures drift otherwise only through missed events
  tick();
})();
