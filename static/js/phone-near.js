/* Booking room, on the citizen's phone page: "your turn is near" and "it is your turn" (issue 16).
 * Plain ES2017, after phone.js, which announces every status it renders ("motcua:phone-status").
 *
 * - Near (the server's rule, rules.booking: at most N people or M minutes ahead, office settings):
 *   a banner, and the first time it is seen live, the chime (static/sounds/chime.ogg, a local
 *   file) and a vibration.
 * - Called: the number and the counter fill the screen until tapped away; again on a recall.
 * A phone that slept catches up when it wakes (phone.js refetches on visibilitychange) and the
 * same event brings the state seen now, so a missed call still shows; only a change seen while
 * awake makes noise twice (near, then called).
 */
(function () {
  "use strict";

  const main = document.getElementById("phone");
  const sound = new Audio("/static/sounds/chime.ogg");
  sound.preload = "auto";
  let unlocked = false;
  let near = null;        // null until the first status: a page opened when already near stays quiet
  let shownCall = null;   // "<counter>/<recall count>" the overlay last showed

  // A phone plays sound only after a tap on the page: the first tap plays the chime silently once.
  function unlock() {
    if (unlocked) return;
    unlocked = true;
    sound.muted = true;
    sound.play().then(() => { sound.pause(); sound.currentTime = 0; sound.muted = false; },
                      () => { sound.muted = false; });
  }
  ["pointerup", "touchend", "keydown"].forEach((type) => document.addEventListener(type, unlock, { passive: true }));

  function beep() {
    // No codec for the file (some phones lack Ogg): one short tone made here instead.
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return;
    const ctx = new Ctx();
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.frequency.value = 880;
    gain.gain.setValueAtTime(0.4, ctx.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + 0.8);
    osc.connect(gain).connect(ctx.destination);
    osc.start();
    osc.stop(ctx.currentTime + 0.8);
  }

  function ring(pattern) {
    if (navigator.vibrate) {
      try { navigator.vibrate(pattern); } catch (e) { /* not allowed yet */ }
    }
    sound.currentTime = 0;
    main.dataset.rang = String(Number(main.dataset.rang || 0) + 1);  // alerts given, and of them ...
    const played = sound.play();
    if (played && played.then) {
      played.then(() => { main.dataset.chimed = String(Number(main.dataset.chimed || 0) + 1); }, beep);  // ... chimed
    }
  }

  // ---------------------------------------------------------------- the banner and the overlay

  const banner = document.createElement("section");
  banner.className = "card near-banner";
  banner.id = "near-banner";
  banner.setAttribute("role", "alert");
  banner.hidden = true;
  banner.innerHTML = '<p class="near-title">Sắp đến lượt bạn!</p><p class="near-text" id="near-text"></p>';
  main.insertBefore(banner, main.children[1] || null);

  const overlay = document.createElement("div");
  overlay.className = "called-overlay";
  overlay.id = "called-overlay";
  overlay.setAttribute("role", "alertdialog");
  overlay.setAttribute("aria-labelledby", "called-overlay-title");
  overlay.hidden = true;
  overlay.innerHTML = '<p class="co-lead" id="called-overlay-title">ĐẾN LƯỢT BẠN</p>'
    + '<p class="co-number" id="co-number"></p><p class="co-to">Mời đến</p>'
    + '<p class="co-counter">Quầy <span id="co-counter"></span></p>'
    + '<button type="button" class="co-ok" id="co-ok">Đã hiểu</button>';
  document.body.appendChild(overlay);
  document.getElementById("co-ok").addEventListener("click", () => { overlay.hidden = true; });

  function nearText(s) {
    const parts = [];
    if (s.people_ahead === 0) parts.push("Bạn là người được gọi tiếp theo.");
    else parts.push("Còn " + s.people_ahead + " người trước bạn.");
    if (s.estimated_wait_s) parts.push("Thời gian chờ " + Motcua.waitText(s.estimated_wait_s) + ".");
    parts.push("Xin có mặt gần quầy và để ý màn hình.");
    return parts.join(" ");
  }

  document.addEventListener("motcua:phone-status", (event) => {
    const s = event.detail;
    const isNear = s.state === "waiting" && !!s.near;
    banner.hidden = !isNear;
    if (isNear) document.getElementById("near-text").textContent = nearText(s);
    if (isNear && near === false) ring([300, 150, 300]);
    near = isNear;

    const call = s.state === "called" ? s.counter_number + "/" + s.ticket.recall_count : null;
    if (call && call !== shownCall) {
      document.getElementById("co-number").textContent = s.number;
      document.getElementById("co-counter").textContent = s.counter_number;
      overlay.hidden = false;
    } else if (!call) {
      overlay.hidden = true;
    }
    shownCall = call;
  });

  window.MotcuaPhoneNear = { ring: ring, get near() { return near; } };
})();
