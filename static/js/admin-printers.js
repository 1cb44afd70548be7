/* Admin room, kiosk printers (issue 14) on the devices page: each kiosk printer's live state
 * (read again every few seconds), the "In thử" button (a test page on that kiosk's printer only,
 * followed until it printed or failed), and the printer dialog's address field shown only for the
 * kinds that have one. The dialog itself is admin.js's generic form (PUT .../printer). */
(function () {
  "use strict";

  var REFRESH_MS = 5000;
  var FOLLOW_MS = 1000;
  var FOLLOW_FOR_MS = 40000;

  function chip(state, kind) {
    if (kind !== "network" && kind !== "agent") return null;
    var span = document.createElement("span");
    if (!state) { span.className = "chip chip-off"; span.textContent = "Chưa có trạng thái"; }
    else if (state.paper === "out") { span.className = "chip chip-bad"; span.textContent = "Hết giấy"; }
    else if (!state.online) { span.className = "chip chip-bad"; span.textContent = "Mất kết nối"; }
    else if (state.paper === "low") { span.className = "chip chip-warn"; span.textContent = "Sắp hết giấy"; }
    else { span.className = "chip chip-ok"; span.textContent = "Sẵn sàng"; }
    return span;
  }

  function showState(box, item) {
    var slot = box.querySelector("[data-printer-state]");
    var span = chip(item.state, item.printer.kind);
    if (!slot || !span) return;
    slot.textContent = "";
    slot.appendChild(span);
    var trouble = item.state && (!item.state.online || item.state.paper === "out" || item.state.paper === "low");
    if (trouble && item.state.message) {
      var msg = document.createElement("span");
      msg.className = "kp-msg muted";
      msg.textContent = " " + item.state.message;
      slot.appendChild(msg);
    }
  }

  async function refresh() {
    try {
      var body = await Motcua.api("GET", "/api/admin/printers");
      (body.printers || []).forEach(function (item) {
        var box = document.querySelector('[data-kiosk-printer="' + item.device_id + '"]');
        if (box) showState(box, item);
      });
    } catch (err) { /* the next round tries again; the page keeps the last state */ }
  }

  var OUTCOMES = {
    printed: ["ok", "Đã in trang thử."],
    paper_out: ["error", "Máy in hết giấy: chưa in được."],
    not_printed: ["error", "Chưa in được"],
  };

  async function testPrint(button) {
    var box = button.closest("[data-kiosk-printer]");
    var out = box.querySelector("[data-test-result]");
    button.disabled = true;
    out.className = "kp-test";
    out.textContent = "Đang gửi lệnh in thử…";
    try {
      var queued = await Motcua.api("POST", button.dataset.testPrint);
      var until = Date.now() + FOLLOW_FOR_MS;
      while (Date.now() < until) {
        await new Promise(function (resolve) { setTimeout(resolve, FOLLOW_MS); });
        var job = await Motcua.api("GET", "/api/print-jobs/" + queued.job_id);
        var outcome = OUTCOMES[job.outcome];
        if (job.outcome === "printing" && job.state !== "failed") { out.textContent = "Đang in thử…"; continue; }
        if (!outcome) break;
        out.className = "kp-test kp-test-" + outcome[0];
        out.textContent = outcome[1] + (job.outcome === "not_printed" && job.error ? ": " + job.error : "");
        refresh();
        return;
      }
      out.className = "kp-test kp-test-error";
      out.textContent = "Máy in chưa nhận lệnh in thử (kiểm tra máy in hoặc chương trình in trên kiosk).";
    } catch (err) {
      out.className = "kp-test kp-test-error";
      out.textContent = (err && err.message) || "Không gửi được lệnh in thử.";
    } finally {
      button.disabled = false;
    }
  }

  function syncUrl(form) {
    var kind = form.querySelector("[data-printer-kind]");
    var url = form.querySelector("[data-printer-url]");
    if (!kind || !url) return;
    var wrap = url.closest("label.fld");
    var used = kind.value === "network" || kind.value === "agent";
    wrap.hidden = !used;
    url.disabled = !used;
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-test-print]");
    if (button && !button.disabled) testPrint(button);
    var opener = event.target.closest('[data-open="printer-dialog"]');
    if (opener) setTimeout(function () { syncUrl(document.querySelector("#printer-dialog form")); }, 0);
  });
  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-printer-kind]")) syncUrl(event.target.form);
  });

  if (document.querySelector("[data-kiosk-printer]")) setInterval(refresh, REFRESH_MS);
})();
