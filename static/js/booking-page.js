/* Booking room: a booking's own page (/b/<token>): cancelling it (DELETE /api/public/bookings/<token>). */
(function () {
  "use strict";

  const main = document.getElementById("booking");
  const button = document.getElementById("b-cancel");
  const error = document.getElementById("b-error");

  button.addEventListener("click", async () => {
    if (!window.confirm("Hủy lịch hẹn này? Chỗ của bạn sẽ nhường cho người khác.")) return;
    button.disabled = true;
    error.hidden = true;
    try {
      await Motcua.api("DELETE", "/api/public/bookings/" + encodeURIComponent(main.dataset.token));
      window.location.reload();
    } catch (err) {
      error.textContent = err.message;
      error.hidden = false;
      button.disabled = false;
    }
  });
})();
