/* Bench room (screens): many of the product's own live connections in one Node.js process.
 *
 *   node --experimental-websocket bench/live_screens.js     (driven by bench_day.py / bench_display.py)
 *
 * Each screen is what a page runs: the vendored socket.io-client 4.8 (static/vendor/socket.io.min.js,
 * the browser build, over Node's own WebSocket) and the shared client module static/js/motcua.js
 * (Motcua.live: a number for every event, a held number for a gap, one snapshot_request when a
 * number stays missing). Node runs them all on one event loop, as a browser runs a page: one
 * thread, every frame taken in the order it came. A screen's WebSocket carries its session cookie
 * (console, monitor) and its page's Origin as the browser's would.
 *
 * Commands, one JSON object a line on stdin:
 *   {"cmd": "open", "url": U, "screens": [S...]}   connect; answers {"event": "ready", ...} once
 *                                                  every screen has its first snapshot (or
 *                                                  "timeout_ms", default 30 s)
 *   {"cmd": "add", "screens": [S...]}               connect, answer nothing (a citizen's phone)
 *   {"cmd": "close", "ids": [...]}                  a screen leaves (a phone whose ticket is done)
 *   {"cmd": "stop", "final_seq": N}                 wait (at most 30 s) until every open screen is
 *                                                  at N, then answer {"event": "result", ...}
 * A screen S is {id, kind, auth?, cookie?, ticket?, drop_seq?}: drop_seq, an update this screen loses
 * on the way (taken off the wire before the client sees it), proves a real gap is noticed and
 * costs one snapshot request. Every arrival of a frame is stamped with
 * process.hrtime (CLOCK_MONOTONIC on Linux, the clock of Python's time.monotonic) before parsing.
 */
"use strict";

const path = require("path");
const readline = require("readline");

const ROOT = path.resolve(__dirname, "..");
if (typeof WebSocket !== "function") {
  process.stderr.write("live_screens.js needs a global WebSocket: node --experimental-websocket (Node 20)\n");
  process.exit(2);
}
const NativeWebSocket = WebSocket;
const OPEN_TIMEOUT_MS = 30000;
const SETTLE_TIMEOUT_MS = 30000;
const TERMINAL = new Set(["done", "no_show", "cancelled"]);

const screens = new Map(); // id -> screen
const byQuery = new Map(); // the "bench" query value of a socket's URL -> screen
let serverUrl = null;

function now() {
  /** Seconds on CLOCK_MONOTONIC. */
  return Number(process.hrtime.bigint()) / 1e9;
}

function send(obj) {
  /** One JSON line to the driver. */
  process.stdout.write(JSON.stringify(obj) + "\n");
}

// The page's WebSocket: the browser sends the page's cookies and Origin with the handshake; this one
// does the same for the screen named in the URL, and counts every frame the screen receives.
globalThis.WebSocket = class PageWebSocket extends NativeWebSocket {
  constructor(url, protocols) {
    const screen = byQuery.get(new URL(url).searchParams.get("bench"));
    const headers = { origin: serverUrl };
    if (screen && screen.cookie) headers.cookie = screen.cookie;
    super(url, { protocols: protocols || [], headers });
    if (screen) {
      this.addEventListener("message", (ev) => {
        // Registered before the client's own onmessage: stopping the event here loses the frame.
        if (screen.frame(ev.data, now()) === false) ev.stopImmediatePropagation();
      });
      const out = this.send.bind(this);
      this.send = (data) => { screen.sent(data); out(data); };
    }
  }
};
globalThis.window = globalThis;
globalThis.io = require(path.join(ROOT, "static/vendor/socket.io.min.js"));
require(path.join(ROOT, "static/js/motcua.js"));
const realIo = globalThis.io;

class Screen {
  /** One screen: its live connection and what it received. */
  constructor(spec) {
    Object.assign(this, { id: spec.id, kind: spec.kind, cookie: spec.cookie || null, ticket: spec.ticket || null,
                          dropSeq: spec.drop_seq || null, dropped: 0 });
    this.messages = 0; this.bytes = 0; this.snapshotRequestsSent = 0;
    this.firstSeq = null; this.lastSeq = null; this.seqs = new Set();
    this.calls = []; // [ticket id, arrival, seq] of every update carrying a call
    this.disconnects = []; // unexpected: [seconds, reason]
    this.ready = false; this.closed = false; this.ticketOver = false;
    byQuery.set(this.id, this);
    globalThis.io = (opts) => realIo(serverUrl, Object.assign({}, opts, { forceNew: true, query: { bench: this.id } }));
    this.live = globalThis.Motcua.live({
      auth: spec.auth || {},
      handlers: {
        snapshot: (data) => { if (this.firstSeq === null) this.firstSeq = data.seq; this.ready = true; },
        update: (message) => this.update(message),
      },
    });
    globalThis.io = realIo;
    this.live.socket.on("disconnect", (reason) => {
      if (!this.closed && !this.ticketOver) this.disconnects.push([now(), reason]);
    });
  }

  frame(data, at) {
    /** A WebSocket frame arrived: count the events; stamp a call before anything parses it; false
     * drops the frame. */
    if (typeof data !== "string" || !data.startsWith("42")) return true;
    if (this.dropSeq !== null && data.startsWith(`42["update",{"seq":${this.dropSeq},`)) {
      this.dropped += 1;
      return false;
    }
    this.messages += 1;
    this.bytes += Buffer.byteLength(data);
    const numbered = /^42\["update",\{"seq":(\d+),/.exec(data);
    if (numbered) this.seqs.add(Number(numbered[1])); // delivered, whether or not a snapshot holds it
    if (data.startsWith('42["update"') && data.includes('"call":')) {
      const body = JSON.parse(data.slice(2))[1];
      if (body.call) this.calls.push([body.call.ticket.id, at, body.seq]);
    }
    return true;
  }

  sent(data) {
    /** A frame the screen sent: count its snapshot requests. */
    if (typeof data === "string" && data.startsWith("42") && data.includes('"snapshot_request"')) {
      this.snapshotRequestsSent += 1;
    }
  }

  update(message) {
    /** A numbered change, in order, as the page's handler gets it. */
    this.lastSeq = message.seq;
    if (this.ticket !== null) {
      for (const t of message.tickets || []) {
        if (t.id === this.ticket && TERMINAL.has(t.state)) this.ticketOver = true;
      }
    }
  }

  close() {
    /** The screen leaves. */
    this.closed = true;
    this.closedAt = this.live.lastSeq();
    this.live.socket.disconnect();
  }

  result(finalSeq) {
    /** Figures of this screen; missed = numbers after its first snapshot that never came. */
    const last = this.closed || this.ticketOver ? (this.live.lastSeq() || this.firstSeq) : finalSeq;
    let missed = 0;
    if (this.firstSeq !== null) {
      for (let n = this.firstSeq + 1; n <= last; n++) if (!this.seqs.has(n)) missed += 1;
    }
    const st = this.live.stats;
    return {
      id: this.id, kind: this.kind, ready: this.ready, left: this.closed || this.ticketOver,
      messages: this.messages, bytes: this.bytes,
      snapshot_requests: this.snapshotRequestsSent, snapshots: st.snapshots, gaps: st.gaps, stale: st.stale,
      updates: st.updates, missed, first_seq: this.firstSeq, last_seq: this.live.lastSeq(),
      calls: this.calls, disconnects: this.disconnects, dropped: this.dropped,
    };
  }
}

function waitFor(test, timeoutMs) {
  /** Resolve true once test() holds, false after timeoutMs (polled every 20 ms). */
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve) => {
    const tick = () => {
      if (test()) return resolve(true);
      if (Date.now() > deadline) return resolve(false);
      setTimeout(tick, 20);
    };
    tick();
  });
}

async function handle(command) {
  /** Carry out one driver command. */
  if (command.cmd === "open") {
    serverUrl = serverUrl || command.url;
    const opened = command.screens.map((spec) => { const s = new Screen(spec); screens.set(s.id, s); return s; });
    const t0 = now();
    const all = await waitFor(() => opened.every((s) => s.ready), command.timeout_ms || OPEN_TIMEOUT_MS);
    send({ event: "ready", count: opened.filter((s) => s.ready).length, of: opened.length, all,
           seconds: Math.round((now() - t0) * 1000) / 1000 });
  } else if (command.cmd === "add") {
    for (const spec of command.screens) { const s = new Screen(spec); screens.set(s.id, s); }
  } else if (command.cmd === "close") {
    for (const id of command.ids) { const s = screens.get(id); if (s && !s.closed) s.close(); }
  } else if (command.cmd === "stop") {
    const open = [...screens.values()].filter((s) => !s.closed && !s.ticketOver);
    const settled = await waitFor(() => open.every((s) => s.live.lastSeq() >= command.final_seq), SETTLE_TIMEOUT_MS);
    const result = [...screens.values()].map((s) => s.result(command.final_seq));
    for (const s of screens.values()) { s.closed = true; s.live.socket.disconnect(); }
    // A pipe takes a long line in parts: exit once all of it is written, not before.
    process.stdout.write(JSON.stringify({ event: "result", settled, screens: result }) + "\n", () => process.exit(0));
  }
}

const queue = [];
let busy = false;
readline.createInterface({ input: process.stdin }).on("line", (line) => {
  if (!line.trim()) return;
  queue.push(JSON.parse(line));
  const next = async () => {
    if (busy || !queue.length) return;
    busy = true;
    try { await handle(queue.shift()); } finally { busy = false; next(); }
  };
  next();
}).on("close", () => setTimeout(() => process.exit(0), 100));
