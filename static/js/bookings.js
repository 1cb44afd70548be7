/* Booking room: the staff's bookings of a day (/bookings): GET /api/bookings?day=, cancel and move
 * (POST /api/bookings/<id>/cancel, /move). Logs in with POST /api/session when needed. Plain ES2017. */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("bookings-config").textContent);
  const $ = (id) => document.getElementById(id);
  const esc = Motcua.escapeHtml;
  const STATES = { booked: "Đã đặt", checked_in: "Đã lấy số", cancelled: "Đã hủy" };

  if (!config.logged_in) {
    $("sb-login").addEventListener("submit", async (event) => {
      event.preventDefault();
      const form = event.target;
      try {
        await Motcua.api("POST", "/api/session", { username: form.elements.username.value, password: form.elements.password.value });
        window.location.reload();
      } catch (err) {
        $("sb-login-error").textContent = err.message;
        $("sb-login-error").hidden = false;
      }
    });
    return;
  }

  let rows = [];
  let moving = null;

  function showError(err) {
    $("sb-error").textContent = err ? err.message : "";
    $("sb-error").hidden = !err;
  }

  async function load() {
    showError(null);
    try {
      const body = await Motcua.api("GET", "/api/bookings?day=" + encodeURIComponent($("sb-day").value));
      rows = body.bookings;
      $("sb-day-label").textContent = body.day_label;
      $("sb-slots").innerHTML = body.slots.map((s) => '<span class="sb-slot"><strong>' + esc(s.slot) + "</strong> · "
        + (s.booked + s.checked_in) + " hẹn" + (s.checked_in ? ", " + s.checked_in + " đã đến" : "")
        + (s.cancelled ? ", " + s.cancelled + " hủy" : "") + "</span>").join("");
      render();
    } catch (err) {
      showError(err);
    }
  }

  function render() {
    $("sb-empty").hidden = rows.length > 0;
    $("sb-table").hidden = rows.length === 0;
    $("sb-rows").innerHTML = rows.map((r) => '<tr data-id="' + r.id + '" data-state="' + esc(r.state) + '">'
      + "<td><strong>" + esc(r.slot) + "</strong></td><td>" + esc(r.field_name) + "</td><td>" + esc(r.code_text) + "</td>"
      + "<td>" + (r.erased ? "<em>đã xóa</em>" : esc(r.name)) + "</td><td>" + (r.erased ? "" : esc(r.phone)) + "</td>"
      + '<td><span class="sb-state" data-state="' + esc(r.state) + '">' + esc(STATES[r.state] || r.state)
      + (r.state === "checked_in" ? (r.on_time ? " · đúng giờ" : " · ngoài giờ hẹn") : "") + "</span></td>"
      + "<td>" + (r.ticket ? esc(r.ticket.number) : "") + "</td>"
      + "<td>" + (r.state === "booked" ? '<button type="button" class="sb-btn" data-move="' + r.id + '">Dời</button> '
      + '<button type="button" class="sb-btn sb-btn--danger" data-cancel="' + r.id + '">Hủy</button>' : "") + "</td></tr>").join("");
  }

  function shift(days) {
    const input = $("sb-day");
    if (days === 0) { input.value = config.today; load(); return; }
    const d = new Date(input.value + "T00:00:00Z");
    d.setUTCDate(d.getUTCDate() + days);
    input.value = d.toISOString().slice(0, 10);
    load();
  }

  document.addEventListener("click", async (event) => {
    const el = event.target.closest("button");
    if (!el) return;
    if (el.dataset.shift !== undefined) { shift(Number(el.dataset.shift)); return; }
    if (el.hasAttribute("data-close")) { $("sb-move").close(); return; }
    if (el.dataset.cancel) {
      const row = rows.filter((r) => String(r.id) === el.dataset.cancel)[0];
      if (!window.confirm("Hủy lịch hẹn " + row.code_text + " (" + row.slot + ")?")) return;
      try { await Motcua.api("POST", "/api/bookings/" + row.id + "/cancel"); } catch (err) { showError(err); }
      load();
      return;
    }
    if (el.dataset.move) {
      moving = rows.filter((r) => String(r.id) === el.dataset.move)[0];
      const form = $("sb-move-form");
      form.elements.day.value = moving.day;
      form.elements.slot.value = moving.slot;
      $("sb-move-code").textContent = moving.code_text;
      $("sb-move-error").hidden = true;
      $("sb-move").showModal();
    }
  });

  $("sb-move-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    try {
      await Motcua.api("POST", "/api/bookings/" + moving.id + "/move", { day: form.elements.day.value, slot: form.elements.slot.value });
      $("sb-move").close();
      load();
    } catch (err) {
      $("sb-move-error").textContent = err.message;
      $("sb-move-error").hidden = false;
    }
  });

  $("sb-day").addEventListener("change", load);
  load();
  window.MotcuaBookings = { load: load, get rows() { return rows; } };
})();
