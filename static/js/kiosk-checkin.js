/* Booking room, at the kiosk: checking an appointment in (issue 16). Plain ES2017, after kiosk.js.
 *
 * Three ways in, one request (POST /api/bookings/check-in {code}):
 * - the booking's 8-digit code typed on the on-screen keypad;
 * - a USB QR scanner, which types the QR's text (the booking's link) and Enter, on the home screen or
 *   this one: keys typed outside any input are collected and sent on Enter;
 * - the kiosk's camera: frames are read with the vendored jsQR until a code is found.
 * The answer is a ticket like any other (kiosk.js shows it and follows its print), with a line
 * saying whether the citizen goes ahead of walk-ins (on time) or waits like one.
 */
(function () {
  "use strict";

  const kiosk = window.KioskApp;
  const app = document.getElementById("kiosk");
  const $ = (id) => document.getElementById(id);
  const SCAN_EVERY_MS = 200;
  const MAX_TYPED = 120;  // a scanned link is long; anything longer is not ours

  let code = "";       // digits typed on the keypad
  let typed = "";      // keys from a USB scanner (or a keyboard), until Enter
  let busy = false;
  let camera = null;   // {stream, timer}

  function status(text, error) {
    const node = $("k-checkin-status");
    node.hidden = !text;
    node.textContent = text || "";
    node.classList.toggle("k-checkin-status--error", !!error);
  }

  function renderCode() {
    const shown = code.length > 4 ? code.slice(0, 4) + "-" + code.slice(4) : code;
    $("k-checkin-code").textContent = shown || "____-____";
    $("k-checkin-code").classList.toggle("k-checkin-code--empty", !code);
  }

  function open() {
    code = "";
    renderCode();
    status("");
    kiosk.show("checkin");
  }

  async function submit(text) {
    if (busy || !text) return;
    busy = true;
    stopCamera();
    if (kiosk.state.screen !== "checkin") kiosk.show("checkin");
    status(kiosk.t("checkin_checking"));
    try {
      const data = await Motcua.api("POST", "/api/bookings/check-in", { code: text });
      kiosk.showTicket(data);
      const note = $("k-checkin-note");
      note.textContent = kiosk.state.lang === "en" ? data.booking.message_en : data.booking.message;
      note.dataset.onTime = String(data.booking.on_time);
      note.hidden = false;
    } catch (err) {
      status(kiosk.errorText(err), true);
      code = "";
      renderCode();
    } finally {
      busy = false;
    }
  }

  // ---------------------------------------------------------------- camera

  async function startCamera() {
    if (camera) { stopCamera(); return; }
    const video = $("k-checkin-video");
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "user" }, audio: false });
      video.srcObject = stream;
      video.hidden = false;
      await video.play();
      const canvas = document.createElement("canvas");
      const context = canvas.getContext("2d", { willReadFrequently: true });
      camera = { stream: stream, timer: setInterval(() => {
        if (!video.videoWidth) return;
        const scale = Math.min(1, 640 / video.videoWidth);
        canvas.width = Math.round(video.videoWidth * scale);
        canvas.height = Math.round(video.videoHeight * scale);
        context.drawImage(video, 0, 0, canvas.width, canvas.height);
        const found = jsQR(context.getImageData(0, 0, canvas.width, canvas.height).data, canvas.width, canvas.height,
                           { inversionAttempts: "dontInvert" });
        if (found && found.data) submit(found.data);
      }, SCAN_EVERY_MS) };
      $("k-checkin-camera").querySelector("span").textContent = kiosk.t("checkin_camera_stop");
      status("");
    } catch (err) {
      status(kiosk.t("checkin_no_camera"), true);
    }
  }

  function stopCamera() {
    if (!camera) return;
    clearInterval(camera.timer);
    camera.stream.getTracks().forEach((track) => track.stop());
    camera = null;
    const video = $("k-checkin-video");
    video.srcObject = null;
    video.hidden = true;
    $("k-checkin-camera").querySelector("span").textContent = kiosk.t("checkin_camera");
  }

  // ---------------------------------------------------------------- taps and keys

  document.addEventListener("click", (event) => {
    const target = event.target.closest("[data-checkin], [data-checkin-key]");
    if (!target || Date.now() < kiosk.state.guardUntil) return;
    const key = target.getAttribute("data-checkin-key");
    if (key !== null) {
      if (code.length < 8) code += key;
      renderCode();
      return;
    }
    const action = target.getAttribute("data-checkin");
    if (action === "open") open();
    else if (action === "clear") { code = ""; renderCode(); status(""); }
    else if (action === "submit") submit(code);
    else if (action === "camera") startCamera();
  });

  document.addEventListener("keydown", (event) => {
    const screen = kiosk.state.screen;
    if ((screen !== "home" && screen !== "checkin") || event.ctrlKey || event.altKey || event.metaKey) return;
    if (event.key === "Enter") {
      const text = typed.trim();
      typed = "";
      if (text.length >= 8) { event.preventDefault(); submit(text); }
      return;
    }
    if (event.key.length === 1 && typed.length < MAX_TYPED) typed += event.key;
  });

  // Leaving the screen (a tap on Back, the idle timer, a ticket shown) turns the camera off; a new
  // screen forgets a half-typed scan, and the line about an appointment goes with its ticket.
  new MutationObserver(() => {
    const screen = app.getAttribute("data-screen");
    if (screen !== "checkin") stopCamera();
    if (screen !== "ticket") $("k-checkin-note").hidden = true;
    typed = "";
  }).observe(app, { attributes: true, attributeFilter: ["data-screen"] });

  if (!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia)) $("k-checkin-camera").hidden = true;
  renderCode();
  window.KioskCheckin = { submit: submit, startCamera: startCamera, stopCamera: stopCamera };
})();
