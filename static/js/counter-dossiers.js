/* Dossiers room: the dossier codes (mã hồ sơ) of the visit at the clerk's console. Plain ES2017.
 *
 * counter.js tells which visit is on screen ("counter:visit": the ticket at the counter, else the
 * one just finished here); this module lists its codes and takes new ones. A code is typed, or a
 * USB scanner types it into the focused box and presses Enter. H puts the cursor in the box, Esc
 * takes it out (the shortcuts work again).
 * A scanner that fires while the box is not focused is caught too: keys that come faster than any
 * hand types (SCAN_GAP_MS apart) are gathered instead of reaching the console's one-key shortcuts
 * (a code such as 000.00.15.H42-... holds letters that are shortcuts), and its Enter adds them.
 * Codes begin with the unit code's digits, so a scan's first key is never a shortcut.
 */
(function () {
  "use strict";

  var M = window.Motcua;
  var SCAN_GAP_MS = 35;   // keys closer than this come from a scanner, not a hand
  var SCAN_MIN = 8;       // shorter bursts are not a code
  var box = document.getElementById("dossiers");
  var form = document.getElementById("dossier-form");
  var input = document.getElementById("dossier-code");
  var kind = document.getElementById("dossier-kind");
  var list = document.getElementById("dossier-list");
  var errorBox = document.getElementById("dossier-error");
  var visit = null;       // the ticket on screen {id, number, state}
  var loadedFor = null;   // ticket id whose codes are listed
  var codes = [];
  var busy = false;

  function showError(text) { errorBox.textContent = text || ""; errorBox.hidden = !text; }

  function render() {
    box.hidden = !visit;
    if (!visit) return;
    document.getElementById("dossiers-for").textContent =
      "· số " + visit.number + (visit.state === "done" ? " (vừa phục vụ xong)" : "");
    list.innerHTML = codes.length ? codes.map(function (d) {
      return '<li data-dossier="' + d.id + '"><code class="cv-dossier-code">' + M.escapeHtml(d.code) + "</code>" +
        '<span class="cv-dossier-kind">' + M.escapeHtml(d.kind_label) + "</span>" +
        '<span class="cv-dossier-actions"><a class="btn btn-small btn-quiet" href="' + M.escapeHtml(d.slip_url) +
        '" target="_blank" rel="noopener" title="In phiếu có mã QR để công dân đánh giá sau">In phiếu</a>' +
        '<button type="button" class="btn btn-small btn-quiet" data-remove-dossier="' + d.id + '" aria-label="Gỡ mã ' +
        M.escapeHtml(d.code) + '">Gỡ</button></span></li>';
    }).join("") : '<li class="muted small cv-dossier-none">Chưa có mã hồ sơ cho lượt này.</li>';
  }

  async function load(ticketId) {
    try {
      var body = await M.api("GET", "/api/tickets/" + ticketId + "/dossiers");
      if (visit && visit.id === ticketId) { codes = body.dossiers; loadedFor = ticketId; render(); }
    } catch (err) { /* the list stays as it was; adding still works */ }
  }

  document.addEventListener("counter:visit", function (ev) {
    var next = ev.detail.visit;
    var changed = (next && next.id) !== (visit && visit.id);
    visit = next;
    if (changed) { codes = []; loadedFor = null; showError(""); input.value = ""; }
    render();
    if (visit && loadedFor !== visit.id) load(visit.id);
  });

  async function add(text) {
    if (!visit || busy) return;
    text = String(text || "").trim();
    if (!text) { showError("Hãy nhập hoặc quét mã hồ sơ."); return; }
    busy = true;
    showError("");
    var ticketId = visit.id;
    try {
      var body = await M.api("POST", "/api/tickets/" + ticketId + "/dossiers", { code: text, kind: kind.value });
      if (visit && visit.id === ticketId) {
        if (!codes.some(function (d) { return d.id === body.dossier.id; })) codes.push(body.dossier);
        input.value = "";
        render();
        box.scrollIntoView({ block: "nearest" });  // the console's left column scrolls: keep the list in view
      }
    } catch (err) {
      showError(err.message || "Không ghi được mã hồ sơ.");
      input.value = text;
    } finally {
      busy = false;
    }
  }

  // Esc leaves the box: the console's one-key shortcuts work again.
  input.addEventListener("keydown", function (ev) { if (ev.key === "Escape") { ev.preventDefault(); input.blur(); } });

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    add(input.value);
    input.focus();  // the next scan goes in the box too
  });

  list.addEventListener("click", async function (ev) {
    var button = ev.target.closest("[data-remove-dossier]");
    if (!button || !visit || busy) return;
    var id = parseInt(button.dataset.removeDossier, 10);
    busy = true;
    try {
      await M.api("DELETE", "/api/tickets/" + visit.id + "/dossiers/" + id);
      codes = codes.filter(function (d) { return d.id !== id; });
      render();
    } catch (err) {
      showError(err.message || "Không gỡ được mã hồ sơ.");
    } finally {
      busy = false;
    }
  });

  // ------------------------------------------------------------------ keys: H, and a scanner's burst

  var burst = "";
  var lastAt = -1e9;

  function consoleKeysActive(ev) {
    if (box.hidden || document.getElementById("view-console").hidden) return false;
    if (document.querySelector("dialog[open]")) return false;
    var tag = ev.target && ev.target.tagName;
    return !(tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (ev.target && ev.target.isContentEditable));
  }

  // Capture phase: before counter.js's shortcuts see the key.
  document.addEventListener("keydown", function (ev) {
    if (!consoleKeysActive(ev) || ev.ctrlKey || ev.altKey || ev.metaKey) { burst = ""; return; }
    var fast = ev.timeStamp - lastAt < SCAN_GAP_MS;
    lastAt = ev.timeStamp;
    if (ev.key === "Enter" && fast && burst.length >= SCAN_MIN) {
      ev.preventDefault();
      ev.stopImmediatePropagation();
      var scanned = burst;
      burst = "";
      add(scanned);
      return;
    }
    if (ev.key && ev.key.length === 1) {
      if (fast && burst) {
        burst += ev.key;
        ev.preventDefault();
        ev.stopImmediatePropagation();
        return;
      }
      burst = ev.key;  // perhaps a scan's first key (a digit: no shortcut); a hand's key goes on as usual
      if (ev.key === "h" || ev.key === "H") {
        ev.preventDefault();
        input.focus();
        input.select();
      }
      return;
    }
    burst = "";
  }, true);
})();
