/* Display room: plays queue announcements aloud, strictly one after another.
 *
 * Plain ES2017, no build step. Usage:
 *   const announcer = new MotcuaAnnouncer({variant: "vi", onBlocked: showBanner});
 *   announcer.announce({text, words, clips, recall});
 *
 * An announcement is {text, words, clips, recall}: `text` is the sentence shown on screen,
 * `words` the same sentence with numbers in words (display/voice.py announcement_words),
 * `clips` the clip keys (announcement_clips) or ready URLs, chime first. Each one plays the
 * chime, then `words` through speechSynthesis when the browser has a Vietnamese voice
 * (lang "vi..."), otherwise the clips in sequence through one HTMLAudioElement.
 *
 * Autoplay: Chromium refuses sound before the first click unless started with
 * --autoplay-policy=no-user-gesture-required. When refused, the announcer stops, keeps its
 * queue, calls onBlocked and fires "blocked" (on the instance and as window event
 * "motcua:audio-blocked"); the page shows MotcuaAnnouncer.BLOCKED_MESSAGE, and the next
 * click or key press (or a call to unlock()) resumes.
 *
 * Observing: MotcuaAnnouncer.log (all instances) and announcer.log hold the texts of the
 * announcements finished (played or muted; not those cut short by clear()), in order;
 * announcer.history adds how each was played: "speech", "clips", "muted" or "stopped". Events
 * on the instance: announcestart, announceend, clipstart, clipend, speechstart, speechend,
 * blocked, unblocked, clipschanged.
 *
 * When the recording behind a clip key changes, call announcer.forget([key]) after making
 * clipUrl(key) answer the new URL: the audio loaded for the old one is let go.
 */
(function (global) {
  "use strict";

  const AUTOPLAY_FLAG = "--autoplay-policy=no-user-gesture-required";
  const BLOCKED_MESSAGE =
    "Bấm vào màn hình để bật âm thanh. Để màn hình tự đọc số khi khởi động, chạy Chromium " +
    "với cờ " + AUTOPLAY_FLAG + ". (Click to enable sound.)";

  const DEFAULTS = {
    base: "/static/sounds", // bundled clips: <base>/<variant>/<key>.<ext>, <base>/chime.<ext>
    variant: "vi", // "vi" (North) or "vi-south"
    ext: "ogg",
    clipUrl: null, // optional function(key) -> URL, e.g. an office's own recordings
    mode: "auto", // "auto": speech when a Vietnamese voice exists, else clips; "clips": clips only
    muted: false, // muted announcements still pass through the queue and the log
    rate: 0.9, // speech rate: a hall is noisy, numbers must be clear
    maxQueue: 5, // a backlog older than this is dropped rather than read out late
    voiceWaitMs: 1500, // how long to wait for the browser's voice list to load
    clipTimeoutMs: 15000, // a clip that neither ends nor fails is given up after this
    unlockOnGesture: true, // resume on the next click/touch/key after a block
    onBlocked: null,
    onUnblocked: null,
    onAnnounce: null, // function(entry) after each announcement finishes
  };

  // A 10 ms silent WAV, to probe the autoplay policy without making a sound.
  function silentWavUrl() {
    const samples = 80; // 8 kHz, 8-bit mono
    const bytes = new Uint8Array(44 + samples);
    const view = new DataView(bytes.buffer);
    const ascii = (offset, s) => { for (let i = 0; i < s.length; i++) bytes[offset + i] = s.charCodeAt(i); };
    ascii(0, "RIFF"); view.setUint32(4, 36 + samples, true); ascii(8, "WAVE");
    ascii(12, "fmt "); view.setUint32(16, 16, true); view.setUint16(20, 1, true);
    view.setUint16(22, 1, true); view.setUint32(24, 8000, true); view.setUint32(28, 8000, true);
    view.setUint16(32, 1, true); view.setUint16(34, 8, true);
    ascii(36, "data"); view.setUint32(40, samples, true);
    bytes.fill(128, 44); // 8-bit PCM silence is the midpoint
    let binary = "";
    bytes.forEach((b) => { binary += String.fromCharCode(b); });
    return "data:audio/wav;base64," + global.btoa(binary);
  }

  function isChime(entry) {
    return entry === "chime" || /(^|\/)chime(\.[a-z0-9]+)?([?#].*)?$/i.test(entry);
  }

  class Announcer {
    /** Create an announcer; see DEFAULTS for the options. */
    constructor(options) {
      this.options = Object.assign({}, DEFAULTS, options || {});
      this.muted = Boolean(this.options.muted);
      this.blocked = false;
      this.queue = [];
      this.current = null;
      this.log = [];
      this.history = [];
      this._events = document.createElement("span"); // an EventTarget that works everywhere
      this._audio = null;
      this._stopStep = null;
      this._utterance = null;
      this._running = false;
      this._unlockWaiters = [];
      this._voicePromise = null;
      this._keyOfUrl = new Map(); // clip URL played -> its key, so forget(keys) finds them
      if (this.options.unlockOnGesture) {
        const resume = () => { if (this.blocked) this.unlock(); };
        ["pointerdown", "touchstart", "keydown"].forEach((type) =>
          document.addEventListener(type, resume, { capture: true, passive: true }));
      }
    }

    /** Listen to an announcer event (announcestart, clipend, blocked, ...). */
    on(type, handler) {
      const listener = (event) => handler(event.detail);
      this._events.addEventListener(type, listener);
      return () => this._events.removeEventListener(type, listener);
    }

    _emit(type, detail) {
      this._events.dispatchEvent(new CustomEvent(type, { detail }));
    }

    /** Return the URL of clip `key`: the clipUrl option if given, else the bundled file. */
    clipUrl(key) {
      if (typeof this.options.clipUrl === "function") {
        const url = this.options.clipUrl(key);
        if (url) return url;
      }
      const o = this.options;
      if (key === "chime") return o.base + "/chime." + o.ext;
      return o.base + "/" + o.variant + "/" + key + "." + o.ext;
    }

    _resolveClip(entry) {
      // Entries with a slash are URLs already; bare entries are clip keys.
      if (entry.indexOf("/") !== -1) return entry;
      const url = this.clipUrl(entry);
      this._keyOfUrl.set(url, entry);
      return url;
    }

    /**
     * The recordings behind these clip keys changed (an office uploaded or deleted its own):
     * let go of the audio loaded for them. URLs are resolved when an announcement starts, so the
     * next one asks clipUrl() again; a clip playing now finishes.
     */
    forget(keys) {
      const gone = new Set(keys || []);
      if (!gone.size) return;
      const playing = Boolean(this._stopStep);
      this._keyOfUrl.forEach((key, url) => {
        if (!gone.has(key)) return;
        this._keyOfUrl.delete(url);
        const held = this._audio && this._audio.getAttribute("src") === url;
        if (held && !playing) {
          // The element keeps the last clip decoded; drop it so nothing can replay the old one.
          this._audio.removeAttribute("src");
          this._audio.load();
        }
      });
      this._emit("clipschanged", { keys: Array.from(gone) });
    }

    /** Queue an announcement; the promise resolves with how it was played, or "dropped". */
    announce(announcement) {
      const a = announcement || {};
      const item = {
        text: String(a.text || a.words || ""),
        words: String(a.words || ""),
        clips: Array.isArray(a.clips) ? a.clips.slice() : [],
        recall: Boolean(a.recall),
      };
      // Digits read by a synthesiser come out wrong in Vietnamese; the text is the last resort.
      if (!item.words && !item.clips.length) item.words = item.text;
      if (!item.text && !item.clips.length) return Promise.resolve("dropped");
      // The same call still waiting (a reconnect replay, a double click) is said once.
      const waiting = this.queue.slice(this.current ? 1 : 0);
      if (waiting.some((q) => q.text === item.text)) return Promise.resolve("dropped");
      const done = new Promise((resolve) => { item.resolve = resolve; });
      this.queue.push(item);
      while (this.queue.length > this.options.maxQueue) {
        const start = this.current ? 1 : 0;
        const [old] = this.queue.splice(start, 1);
        old.resolve("dropped");
      }
      this._pump();
      return done;
    }

    /** Mute or unmute; muting stops what is playing now. */
    setMuted(muted) {
      this.muted = Boolean(muted);
      if (this.muted) this._stop("muted");
    }

    /** Drop everything waiting and stop what is playing. */
    clear() {
      const waiting = this.queue.splice(this.current ? 1 : 0);
      waiting.forEach((item) => item.resolve("dropped"));
      this._stop("stopped");
    }

    /** Resume after a block; call it from a click handler (a user gesture). */
    unlock() {
      // Inside a gesture, starting any media grants the page sound from now on.
      this._playUrl(silentWavUrl(), true);
      if ("speechSynthesis" in global) {
        try { global.speechSynthesis.resume(); } catch (e) { /* nothing to resume */ }
      }
      if (!this.blocked) return;
      this.blocked = false;
      this._emit("unblocked", {});
      if (typeof this.options.onUnblocked === "function") this.options.onUnblocked();
      this._unlockWaiters.splice(0).forEach((resolve) => resolve());
    }

    /** Resolve true when the browser lets this page play sound now; false means blocked. */
    async probe() {
      const result = await this._playUrl(silentWavUrl(), true);
      if (result === "blocked") { this._setBlocked(); return false; }
      return true;
    }

    _setBlocked() {
      if (this.blocked) return;
      this.blocked = true;
      const detail = { message: BLOCKED_MESSAGE, flag: AUTOPLAY_FLAG };
      this._emit("blocked", detail);
      global.dispatchEvent(new CustomEvent("motcua:audio-blocked", { detail }));
      if (typeof this.options.onBlocked === "function") this.options.onBlocked(detail);
    }

    _stop(reason) {
      if (this._stopStep) this._stopStep(reason);
    }

    async _pump() {
      if (this._running) return;
      this._running = true;
      try {
        while (this.queue.length) {
          if (this.blocked) {
            await new Promise((resolve) => this._unlockWaiters.push(resolve));
            continue;
          }
          const item = this.queue[0];
          this.current = item;
          this._emit("announcestart", { text: item.text, recall: item.recall });
          const via = await this._play(item);
          if (via === "blocked") continue; // stays first in the queue, said again after unlock
          this.queue.shift();
          this.current = null;
          const entry = { text: item.text, via, recall: item.recall, at: Date.now() };
          if (via !== "stopped") {
            this.log.push(item.text);
            Announcer.log.push(item.text);
          }
          this.history.push(entry);
          this._emit("announceend", entry);
          if (typeof this.options.onAnnounce === "function") this.options.onAnnounce(entry);
          item.resolve(via);
        }
      } finally {
        this.current = null;
        this._running = false;
      }
    }

    async _play(item) {
      if (this.muted) return "muted";
      const clips = item.clips.map((entry) => this._resolveClip(entry));
      const chime = clips.length && isChime(item.clips[0]) ? clips.shift() : this.clipUrl("chime");
      const voice = this.options.mode === "clips" || !item.words ? null : await this._vietnameseVoice();
      const first = await this._playClip(chime);
      if (first === "blocked" || first === "muted" || first === "stopped") return first;
      if (voice && !this.muted) {
        const spoken = await this._speak(item.words, voice);
        if (spoken === "blocked" || spoken === "muted" || spoken === "stopped") return spoken;
        if (spoken === "ok") return "speech";
        // The voice failed (an online voice with no network, say): fall back to the clips.
      }
      if (this.muted) return "muted";
      for (const url of clips) {
        // A missing clip is skipped rather than stalling the queue behind it.
        const result = await this._playClip(url);
        if (result === "blocked" || result === "muted" || result === "stopped") return result;
      }
      return "clips";
    }

    async _playClip(url) {
      // Muting between two clips must stop the rest of the sentence too.
      if (this.muted) return "muted";
      this._emit("clipstart", { url });
      const result = await this._playUrl(url, false);
      if (result === "blocked") this._setBlocked();
      this._emit("clipend", { url, result });
      return result;
    }

    _playUrl(url, probing) {
      return new Promise((resolve) => {
        // One element for the page: once it may play, it stays allowed.
        const audio = probing ? new Audio() : (this._audio = this._audio || new Audio());
        let timer = null;
        const finish = (result) => {
          if (!timer) return;
          clearTimeout(timer);
          timer = null;
          audio.onended = audio.onerror = null;
          if (!probing) this._stopStep = null;
          if (result !== "ok" && result !== "error") audio.pause();
          resolve(result);
        };
        timer = setTimeout(() => finish("timeout"), this.options.clipTimeoutMs);
        if (!probing) this._stopStep = finish;
        audio.onended = () => finish("ok");
        audio.onerror = () => finish("error");
        audio.muted = false;
        audio.src = url;
        const playing = audio.play();
        if (playing && playing.catch) {
          playing.catch((err) => finish(err && err.name === "NotAllowedError" ? "blocked" : "error"));
        }
      });
    }

    _vietnameseVoice() {
      if (!("speechSynthesis" in global)) return Promise.resolve(null);
      const synth = global.speechSynthesis;
      const pick = () => {
        const voices = synth.getVoices().filter((v) => /^vi/i.test(v.lang || ""));
        // An on-device voice works offline; a network one is the second choice.
        voices.sort((a, b) => Number(b.localService) - Number(a.localService));
        return voices[0] || null;
      };
      if (synth.getVoices().length) return Promise.resolve(pick());
      if (!this._voicePromise) {
        // Chromium fills the voice list asynchronously; ask once, wait a little.
        this._voicePromise = new Promise((resolve) => {
          const timer = setTimeout(resolve, this.options.voiceWaitMs);
          synth.addEventListener("voiceschanged", () => { clearTimeout(timer); resolve(); }, { once: true });
        });
      }
      return this._voicePromise.then(pick);
    }

    _speak(words, voice) {
      const synth = global.speechSynthesis;
      return new Promise((resolve) => {
        const utterance = new SpeechSynthesisUtterance(words);
        utterance.voice = voice;
        utterance.lang = voice.lang;
        utterance.rate = this.options.rate;
        let timer = null;
        const finish = (result) => {
          if (!timer) return;
          clearTimeout(timer);
          timer = null;
          this._utterance = null;
          this._stopStep = null;
          if (result !== "ok" && result !== "error") synth.cancel();
          this._emit("speechend", { words, result });
          resolve(result);
        };
        // Chromium sometimes never fires "end"; a generous bound keeps the queue moving.
        timer = setTimeout(() => finish("ok"), 5000 + words.length * 200);
        this._stopStep = finish;
        // Keep a reference: Chromium may collect the utterance and drop its events.
        this._utterance = utterance;
        utterance.onend = () => finish("ok");
        utterance.onerror = (event) => {
          if (event.error === "not-allowed") { this._setBlocked(); finish("blocked"); }
          else finish("error");
        };
        this._emit("speechstart", { words });
        synth.speak(utterance);
      });
    }
  }

  Announcer.log = [];
  Announcer.DEFAULTS = DEFAULTS;
  Announcer.AUTOPLAY_FLAG = AUTOPLAY_FLAG;
  Announcer.BLOCKED_MESSAGE = BLOCKED_MESSAGE;
  Announcer.create = (options) => new Announcer(options);

  global.MotcuaAnnouncer = Announcer;
})(window);
