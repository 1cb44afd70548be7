/* Shared client room: JSON API calls (CSRF, clear errors) and the live connection every screen
 * uses (Socket.IO, protocol v2: sequence numbers, gap detection, one snapshot per real gap,
 * reconnect). Plain ES2017, no build. */
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  /** Error thrown by api(): .code and .message come from the server's {"error","message"}. */
  function ApiError(status, body) {
    this.name = "ApiError";
    this.status = status;
    this.code = (body && body.error) || (status === 0 ? "network" : "http_" + status);
    this.message = (body && body.message) ||
      (status === 0 ? "Mất kết nối tới máy chủ. Đang thử lại…" : "Lỗi " + status);
    this.body = body || {};
  }
  ApiError.prototype = Object.create(Error.prototype);

  /** Call the JSON API; resolves with the parsed body, rejects with ApiError. */
  async function api(method, url, body, options) {
    var headers = { "Accept": "application/json", "X-CSRF-Token": csrfToken() };
    var init = { method: method, headers: headers, credentials: "same-origin" };
    if (body !== undefined && body !== null) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    if (options && options.signal) init.signal = options.signal;
    var response;
    try {
      response = await fetch(url, init);
    } catch (err) {
      throw new ApiError(0, null);
    }
    var data = null;
    try { data = await response.json(); } catch (err) { data = null; }
    if (!response.ok) throw new ApiError(response.status, data);
    return data;
  }

  var GAP_WAIT_MS = 1000;         // a missing number may only be late (two server processes)
  var SNAPSHOT_RETRY_MS = 15000;  // a snapshot asked for and never answered is asked again
  var SERVER_CLOSE_RETRY_MS = 300; // after the server closed the socket, one reconnect after this
  var RELOAD_GUARD_MS = 60000;    // a refused screen reloads at most once in this time

  /** The server refused this screen's socket (logged out, password changed, device revoked):
   * reload, so the server shows what now applies (the login or pairing page); at most once a
   * minute, so a page the server still serves but whose socket it refuses cannot loop. */
  function reloadOnce() {
    if (typeof location === "undefined" || typeof sessionStorage === "undefined") return;  // not a page (bench)
    var key = "motcua-refused-reload:" + location.pathname;
    var last = Number(sessionStorage.getItem(key) || 0);
    if (Date.now() - last < RELOAD_GUARD_MS) return;
    sessionStorage.setItem(key, String(Date.now()));
    location.reload();
  }
  var lives = [];                 // every live connection of the page, for tests and debugging

  /**
   * Follow an office live (protocol v2, docs/API.md "Socket.IO"). handlers:
   *   snapshot(data, reason)  the whole state of this screen's role; reason is "connect" (pushed
   *                           on every (re)connect), "resync" (asked for after a real gap) or
   *                           "settings" (an admin changed the office: it came in an update)
   *   update(message)         one numbered change: in order, once, never one the snapshot holds
   *   status(state)           "connecting" | "online" | "offline"
   *   refused()               the server refused the socket (identity ended); default: reload
   *                           the page once, so the server shows the login or pairing page
   *   <name>(payload)         any other event, unnumbered, as it comes
   *
   * Every event carrying a numeric seq is numbered, whatever its name (socket.onAny): the server
   * numbers each change of the office once and sends every screen one message per change, so
   * the numbers a screen receives are consecutive and a missing one is a message really lost.
   * A number that runs ahead is held for GAP_WAIT_MS (it may only be overtaken); still missing,
   * the module asks for one snapshot, keeps what arrives meanwhile, and applies what is newer
   * than the snapshot. A reconnect needs no request: the server sends the snapshot itself.
   */
  function live(options) {
    var handlers = options.handlers || {};
    var gapWaitMs = options.gapWaitMs || GAP_WAIT_MS;
    var stats = { snapshots: 0, requests: 0, gaps: 0, updates: 0, stale: 0, settings: 0 };
    var lastSeq = null;      // the number the screen's state is at
    var awaiting = true;     // a snapshot is on its way (the server sends one on connect)
    var requested = false;   // ... because we asked for it
    var held = {};           // seq -> [event, payload] that came before a missing number
    var gapTimer = null;
    var retryTimer = null;
    var socket = io({ auth: options.auth || {}, transports: ["websocket", "polling"],
                      reconnectionDelay: options.reconnectionDelay || 500,
                      reconnectionDelayMax: options.reconnectionDelayMax || 3000 });

    function status(state) { if (handlers.status) handlers.status(state); }

    function stopTimers() {
      clearTimeout(gapTimer); gapTimer = null;
      clearTimeout(retryTimer); retryTimer = null;
    }

    function requestSnapshot() {
      stopTimers();
      awaiting = true;
      requested = true;
      stats.requests += 1;
      socket.emit("snapshot_request");
      retryTimer = setTimeout(function () { if (awaiting && socket.connected) requestSnapshot(); }, SNAPSHOT_RETRY_MS);
    }

    function apply(event, payload) {
      stats.updates += 1;
      if (event === "update" && payload.snapshot) {
        stats.settings += 1;
        if (handlers.snapshot) handlers.snapshot(Object.assign({}, payload.snapshot, { seq: payload.seq }), "settings");
      } else if (handlers[event]) {
        handlers[event](payload);
      }
    }

    /** Apply the held messages that follow the state's number; wait for a missing one. */
    function drain() {
      Object.keys(held).forEach(function (seq) {
        if (Number(seq) <= lastSeq) { delete held[seq]; stats.stale += 1; }
      });
      while (held[lastSeq + 1]) {
        var next = held[lastSeq + 1];
        delete held[lastSeq + 1];
        lastSeq += 1;
        apply(next[0], next[1]);
      }
      if (Object.keys(held).length === 0) { clearTimeout(gapTimer); gapTimer = null; return; }
      if (gapTimer === null) {
        gapTimer = setTimeout(function () {
          gapTimer = null;
          if (!awaiting && Object.keys(held).length) { stats.gaps += 1; requestSnapshot(); }
        }, gapWaitMs);
      }
    }

    function onSnapshot(data) {
      var reason = requested ? "resync" : "connect";
      stopTimers();
      awaiting = false;
      requested = false;
      lastSeq = data.seq;
      stats.snapshots += 1;
      if (handlers.snapshot) handlers.snapshot(data, reason);
      drain();
    }

    var closedByServer = false;  // the server ended this socket: its identity ended or changed

    status("connecting");
    socket.on("connect", function () { closedByServer = false; status("online"); });
    socket.on("disconnect", function (reason) {
      // The next connect brings a snapshot; until then, keep what arrives and ask nothing.
      stopTimers();
      awaiting = true;
      requested = false;
      status("offline");
      if (reason === "io server disconnect") {
        // A role changed (join the new room) or the session/device ended (refused below): the
        // client does not reconnect by itself after this, so try once.
        closedByServer = true;
        setTimeout(function () { socket.connect(); }, SERVER_CLOSE_RETRY_MS);
      }
    });
    socket.on("connect_error", function (err) {
      status("offline");
      var refused = err && err.message === "unauthorized";
      if (refused || closedByServer) {
        closedByServer = false;
        if (handlers.refused) handlers.refused(); else reloadOnce();
      }
    });
    socket.onAny(function (event, payload) {
      if (event === "snapshot") { onSnapshot(payload); return; }
      if (payload && typeof payload.seq === "number") {
        if (lastSeq !== null && payload.seq <= lastSeq) { stats.stale += 1; return; }
        held[payload.seq] = [event, payload];
        if (!awaiting) drain();
        return;
      }
      if (handlers[event]) handlers[event](payload);
    });

    var handle = {
      socket: socket,
      stats: stats,
      lastSeq: function () { return lastSeq; },
      /** Ask for a fresh snapshot now (a board at midnight: yesterday's calls must go). */
      resync: function () { if (!awaiting) requestSnapshot(); },
    };
    lives.push(handle);
    return handle;
  }

  function escapeHtml(text) {
    return String(text == null ? "" : text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  /** Minutes text for a wait in seconds, Vietnamese. */
  function waitText(seconds) {
    var minutes = Math.round((seconds || 0) / 60);
    if (minutes < 1) return "dưới 1 phút";
    if (minutes < 60) return "khoảng " + minutes + " phút";
    return "khoảng " + Math.floor(minutes / 60) + " giờ " + (minutes % 60) + " phút";
  }

  // Staff screens show the office's wall clock, not the PC's (a PC set to UTC showed 22:13 for a
  // 05:13 arrival): docs/API.md "Conventions". A screen that knows its office's zone sets it.
  var DEFAULT_TIME_ZONE = "Asia/Ho_Chi_Minh";
  var timeZone = DEFAULT_TIME_ZONE;
  var partsFormat = null;

  /** Use the office's IANA time zone from now on; an unknown or empty name keeps the current one. */
  function setTimeZone(name) {
    if (!name || name === timeZone) return timeZone;
    try {
      partsFormat = makeFormat(name);
      timeZone = name;
    } catch (err) { /* RangeError: not a zone this browser knows */ }
    return timeZone;
  }

  function makeFormat(name) {
    return new Intl.DateTimeFormat("en-GB", { timeZone: name, hourCycle: "h23", year: "numeric", month: "2-digit",
      day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" });
  }

  /** {year, month, day, hour, minute, second} (2-digit strings) of an instant in the office's zone. */
  function officeParts(when) {
    var d = when instanceof Date ? when : new Date(when);
    if (!partsFormat) partsFormat = makeFormat(timeZone);
    var parts = {};
    partsFormat.formatToParts(d).forEach(function (p) { parts[p.type] = p.value; });
    return parts;
  }

  /** Office "HH:MM" of an ISO UTC timestamp ("HH:MM:SS" with ``seconds``); "" for none. */
  function clock(iso, seconds) {
    if (!iso) return "";
    var d = new Date(iso);
    if (isNaN(d.getTime())) return "";
    var p = officeParts(d);
    return p.hour + ":" + p.minute + (seconds ? ":" + p.second : "");
  }

  window.Motcua = { api: api, ApiError: ApiError, live: live, lives: lives, escapeHtml: escapeHtml,
                    waitText: waitText, clock: clock, officeParts: officeParts, setTimeZone: setTimeZone,
                    timeZone: function () { return timeZone; }, csrfToken: csrfToken };
})();
