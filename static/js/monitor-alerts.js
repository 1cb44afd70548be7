/* Dossiers room: the leaders' list of "Không hài lòng" ratings on the live monitor. Plain ES2017.
 *
 * monitor.js passes on what the live connection brings ("monitor:snapshot", "monitor:update"):
 * a new low rating arrives as an alert of kind "low_rating", a handled one (here or on another
 * leader's screen) as "low_rating_handled". On every snapshot the open alerts are read again
 * (GET /api/rating-alerts), so a monitor opened later, or back after a lost connection, lists
 * every alert nobody has handled. "Đã xử lý" asks for a note and marks it (audit log).
 */
(function () {
  "use strict";

  var esc = Motcua.escapeHtml;
  var card = document.getElementById("rating-alerts-card");
  var listEl = document.getElementById("rating-alerts");
  var dialog = document.getElementById("rating-alert-dialog");
  var alerts = {};  // alert id -> alert view (open ones)
  var editing = null;

  function render() {
    var items = Object.keys(alerts).map(function (k) { return alerts[k]; })
      .sort(function (a, b) { return a.at < b.at ? -1 : a.at > b.at ? 1 : a.alert_id - b.alert_id; });
    card.hidden = items.length === 0;
    document.getElementById("rating-alerts-count").textContent = items.length ? "(" + items.length + ")" : "";
    listEl.innerHTML = items.map(function (a) {
      var where = a.at_counter ? "Quầy " + a.at_counter.number : "Quầy đã xóa";
      var parts = [
        '<div class="ra-head"><time>' + esc(Motcua.clock(a.at)) + "</time> <strong>" + esc(where) + "</strong>" +
          (a.clerk_name ? " · " + esc(a.clerk_name) : "") + " · số " + esc(a.number) +
          (a.field_name ? " · " + esc(a.field_name) : "") +
          ' <span class="ra-label">' + esc(a.label) + "</span>" +
          ' <span class="ra-channel">' + esc(a.channel_label) + "</span></div>",
      ];
      if (a.codes && a.codes.length) parts.push('<div class="ra-codes">Hồ sơ: ' + a.codes.map(function (c) {
        return "<code>" + esc(c) + "</code>"; }).join(", ") + "</div>");
      if (a.reasons && a.reasons.length) parts.push('<div class="ra-reasons">Lý do: ' + esc(a.reasons.join(", ")) + "</div>");
      if (a.comment) parts.push('<div class="ra-comment">“' + esc(a.comment) + "”</div>");
      return '<li class="rating-alert" data-alert="' + a.alert_id + '">' + '<div class="ra-body">' + parts.join("") + "</div>" +
        '<button type="button" class="btn btn-small" data-handle="' + a.alert_id + '">Đã xử lý…</button></li>';
    }).join("");
  }

  async function reload() {
    try {
      var body = await Motcua.api("GET", "/api/rating-alerts?state=open");
      alerts = {};
      body.alerts.forEach(function (a) { alerts[a.alert_id] = a; });
      render();
    } catch (err) { /* the live alerts still arrive; the list is read again on the next snapshot */ }
  }

  document.addEventListener("monitor:snapshot", reload);
  document.addEventListener("monitor:update", function (ev) {
    var changed = false;
    (ev.detail.alerts || []).forEach(function (a) {
      if (a.kind === "low_rating") { alerts[a.alert_id] = a; changed = true; }
      if (a.kind === "low_rating_handled" && alerts[a.alert_id]) {
        delete alerts[a.alert_id];
        changed = true;
        // Another leader handled it while this one was writing: say so, keep what was typed.
        if (editing === a.alert_id && dialog.open) handledElsewhere(a);
      }
    });
    if (changed) render();
  });

  function handledElsewhere(a) {
    showError((a.handled_by || "Lãnh đạo khác") + " đã xử lý cảnh báo này" +
              (a.note ? ": “" + a.note + "”" : "") + ". Ghi chú của bạn chưa được lưu.");
    document.getElementById("rating-alert-save").disabled = true;
  }

  function showError(text) {
    var el = document.getElementById("rating-alert-error");
    el.textContent = text || "";
    el.hidden = !text;
  }

  listEl.addEventListener("click", function (ev) {
    var button = ev.target.closest("[data-handle]");
    if (!button) return;
    var a = alerts[button.dataset.handle];
    if (!a) return;
    editing = a.alert_id;
    document.getElementById("rating-alert-what").textContent = "Số " + a.number + " · " +
      (a.at_counter ? "quầy " + a.at_counter.number : "") + (a.clerk_name ? " · " + a.clerk_name : "") + " · " + a.label;
    document.getElementById("rating-alert-note").value = "";
    showError("");
    document.getElementById("rating-alert-save").disabled = false;
    dialog.showModal();
    document.getElementById("rating-alert-note").focus();
  });

  document.getElementById("rating-alert-cancel").addEventListener("click", function () { dialog.close(); });

  document.getElementById("rating-alert-form").addEventListener("submit", async function (ev) {
    ev.preventDefault();
    var save = document.getElementById("rating-alert-save");
    var note = document.getElementById("rating-alert-note").value.trim();
    if (!note) { showError("Hãy ghi cách đã xử lý."); return; }
    save.disabled = true;
    try {
      await Motcua.api("POST", "/api/rating-alerts/" + editing + "/handle", { note: note });
      delete alerts[editing];
      render();
      dialog.close();
    } catch (err) {
      if (err.code === "already_handled") {
        delete alerts[editing];
        render();
        showError(err.message || "Cảnh báo này đã được xử lý. Ghi chú của bạn chưa được lưu.");
        return;  // the save button stays off: there is nothing left to save
      }
      showError(err.message || "Không lưu được.");
    }
    save.disabled = false;
  });

  reload();
})();
