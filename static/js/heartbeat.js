/* System room: a paired screen (kiosk, display, tablet) reports its own clock to the server every
   minute, so the status page can flag a screen whose clock is minutes off (wrong clocks break day
   rollover and waiting times). Also keeps the device's "last seen" fresh. */
(function () {
  "use strict";
  var EVERY_MS = 60000;

  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function beat() {
    var now = new Date();
    fetch("/api/heartbeat", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": csrf() },
      body: JSON.stringify({ clock_ms: now.getTime(), tz_offset_min: -now.getTimezoneOffset(),
                             page: location.pathname.slice(0, 40) }),
    }).catch(function () { /* offline: the next beat tries again */ });
  }

  beat();
  setInterval(beat, EVERY_MS);
})();
