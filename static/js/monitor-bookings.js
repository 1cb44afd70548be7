/* Booking room, on the live monitor: today's bookings per slot (GET /api/bookings), read again every
 * 30 seconds and when the page comes back into view. Plain ES2017. */
(function () {
  "use strict";

  const REFRESH_MS = 30000;
  const $ = (id) => document.getElementById(id);
  let timer = null;

  async function load() {
    clearTimeout(timer);
    try {
      const body = await Motcua.api("GET", "/api/bookings");
      const slots = body.slots;
      const total = slots.reduce((t, s) => ({ active: t.active + s.booked + s.checked_in, came: t.came + s.checked_in,
                                               cancelled: t.cancelled + s.cancelled }), { active: 0, came: 0, cancelled: 0 });
      $("bookings-summary").textContent = total.active || total.cancelled
        ? total.active + " lịch hẹn, " + total.came + " người đã đến lấy số, " + total.cancelled + " lịch đã hủy."
        : "Hôm nay không có lịch hẹn.";
      $("bookings-slots").innerHTML = slots.length ? slots.map((s) => "<tr data-slot=\"" + Motcua.escapeHtml(s.slot) + "\"><td>"
        + Motcua.escapeHtml(s.slot) + "</td><td class=\"num\">" + (s.booked + s.checked_in) + "</td><td class=\"num\">"
        + s.checked_in + "</td><td class=\"num\">" + s.booked + "</td><td class=\"num\">" + s.cancelled + "</td></tr>").join("")
        : "<tr><td colspan=\"5\" class=\"empty\">Không có lịch hẹn.</td></tr>";
    } catch (err) {
      $("bookings-summary").textContent = err.message;
    }
    timer = setTimeout(load, REFRESH_MS);
  }

  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "visible") load(); });
  load();
  window.MotcuaMonitorBookings = { load: load };
})();
