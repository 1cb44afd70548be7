/* Shared client room: JSON API calls (CSRF, clear errors) and the live connection
 * (Socket.IO with sequence-number gap detection and snapshot resync). Plain ES2017, no build. */
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

  /**
   * Follow an office live. handlers: {snapshot(data), <event>(payload), status(state)}.
   * state is "connecting" | "online" | "offline". Events carry .seq; a gap asks for a snapshot.
   */
  function live(options) {
    var handlers = options.handlers || {};
    var lastSeq = null;
    var socket = io({ auth: options.auth || {}, transports: ["websocket", "polling"],
                      reconnectionDelay: 500, reconnectionDelayMax: 3000 });
    function status(state) { if (handlers.status) handlers.status(state); }
    status("connecting");
    socket.on("connect", function () { status("online"); });
    socket.on("disconnect", function () { status("offline"); });
    socket.on("connect_error", function () { status("offline"); });
    socket.on("snapshot", function (data) {
      lastSeq = data.seq;
      if (handlers.snapshot) handlers.snapshot(data);
    });
    var names = Object.keys(handlers).filter(function (n) { return n !== "snapshot" && n !== "status"; });
    names.forEach(function (name) {
      socket.on(name, function (payload) {
        if (payload && typeof payload.seq === "number" && lastSeq !== null) {
          if (payload.seq <= lastSeq) return;          // already part of the snapshot we hold
          if (payload.seq > lastSeq + 1) {             // missed something: resync, then apply
            socket.emit("snapshot_request");
          }
          lastSeq = payload.seq;
        }
        handlers[name](payload);
      });
    });
    return {
      socket: socket,
      lastSeq: function () { return lastSeq; },
      resync: function () { socket.emit("snapshot_request"); },
    };
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

  /** Local "HH:MM" of an ISO UTC timestamp. */
  function clock(iso) {
    if (!iso) return "";
    var d = new Date(iso);
    return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
  }

  window.Motcua = { api: api, ApiError: ApiError, live: live, escapeHtml: escapeHtml,
                    waitText: waitText, clock: clock, csrfToken: csrfToken };
})();
