/* Booking room: the rotating join QR code (the hall's board and the entrance poster). Plain ES2017.
 *
 * Every element with data-join-qr gets the office's current join code from GET /api/join/code
 * (a display device or staff), drawn as an SVG by the vendored qrcode.js, and asks again just after
 * the code changes (the answer says when), and when a sleeping screen wakes up. The element's
 * [data-join-box] ancestor is hidden while the office does not offer numbers by phone.
 */
(function () {
  "use strict";

  const RETRY_MS = 10000;
  const OFF_RECHECK_MS = 60000;

  function draw(box, url) {
    const qr = qrcode(0, "M");
    qr.addData(url);
    qr.make();
    box.innerHTML = qr.createSvgTag({ cellSize: 4, margin: 16, scalable: true });
    box.dataset.url = url;
  }

  function start(box) {
    const holder = box.closest("[data-join-box]") || box;
    let timer = null;

    async function refresh() {
      clearTimeout(timer);
      let next = RETRY_MS;
      try {
        const data = await Motcua.api("GET", "/api/join/code");
        holder.hidden = !data.enabled;
        if (data.enabled) {
          draw(box, data.url);
          box.dataset.code = data.code;
          next = Math.max(1, data.expires_in_s) * 1000 + 500;  // just after the code changes
        } else {
          next = OFF_RECHECK_MS;
        }
      } catch (err) {
        if (err.status === 401 || err.status === 403) return;  // not paired, not staff: nothing to show
      }
      timer = setTimeout(refresh, next);
    }

    document.addEventListener("visibilitychange", () => { if (document.visibilityState === "visible") refresh(); });
    refresh();
    return { refresh: refresh };
  }

  const started = Array.prototype.map.call(document.querySelectorAll("[data-join-qr]"), start);
  window.MotcuaJoinQr = { started: started, draw: draw };
})();
