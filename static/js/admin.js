/* Admin room: the administration pages' behaviour. Plain ES2017, no build.
 *
 * Pages are rendered by the server; this file sends their forms to the JSON API under
 * /api/admin (with the CSRF header, through Motcua.api), shows the server's message for each
 * refused field next to that field, opens the add/edit dialogs, uploads files, shows a new
 * device's pairing link with its QR code, and plays voice clips.
 *
 * Markup it understands:
 *   <form data-api="/api/..." data-method="PUT">      JSON form; data-success="pairing" for devices
 *   <form data-upload="/api/...">                      multipart upload of its file input
 *   <button data-open="dialog-id" data-api data-method data-edit='{json}'>  open an add/edit dialog
 *   <button data-call="/api/..." data-method data-confirm="...">           one-click action
 *   input data-type="int|bool|lines|intlist", data-scale="60" (minutes in the box, seconds sent)
 *   .fld-error[data-error-for=name]                    where the message about `name` goes
 */
(function () {
  "use strict";

  var FLASH_KEY = "motcua-admin-flash";

  // ------------------------------------------------------------------ messages

  function toast(text, kind) {
    var el = document.getElementById("admin-toast");
    if (!el) return;
    el.textContent = text;
    el.className = "toast show" + (kind ? " toast-" + kind : "");
    clearTimeout(toast.timer);
    toast.timer = setTimeout(function () { el.className = "toast"; }, 4000);
  }

  /** Reload the page and show `text` once it is back (the saved state is the server's). */
  function reloadWith(text) {
    try { sessionStorage.setItem(FLASH_KEY, text); } catch (e) { /* private mode: no flash */ }
    window.location.reload();
  }

  function showFlash() {
    var text = null;
    try { text = sessionStorage.getItem(FLASH_KEY); sessionStorage.removeItem(FLASH_KEY); } catch (e) { /* ignore */ }
    if (text) toast(text, "ok");
  }

  function clearErrors(root) {
    root.querySelectorAll(".fld-error").forEach(function (el) { el.textContent = ""; });
    root.querySelectorAll("[aria-invalid]").forEach(function (el) { el.removeAttribute("aria-invalid"); });
    root.querySelectorAll(".form-error").forEach(function (el) { el.hidden = true; el.textContent = ""; });
  }

  /** Put the server's refusal on the page: each field's message beside it, the summary on top. */
  function showError(root, err) {
    if (err && err.status === 401) {
      window.location.href = "/admin/login?next=" + encodeURIComponent(location.pathname);
      return;
    }
    var fields = (err && err.body && err.body.fields) || {};
    var first = null;
    Object.keys(fields).forEach(function (name) {
      var slot = root.querySelector('[data-error-for="' + name + '"]');
      if (slot) slot.textContent = typeof fields[name] === "string" ? fields[name] : "Giá trị không hợp lệ.";
      root.querySelectorAll('[name="' + name + '"]').forEach(function (input) {
        input.setAttribute("aria-invalid", "true");
        if (!first) first = input;
      });
    });
    var summary = root.querySelector(".form-error");
    var text = (err && err.message) || "Không lưu được.";
    if (summary) {
      summary.textContent = text;
      summary.hidden = false;
    } else {
      toast(text, "error");
    }
    if (first && first.focus) first.focus();
  }

  // ------------------------------------------------------------------ forms -> JSON

  function intOrRaw(text) {
    var t = String(text).trim();
    if (t === "") return null;
    return /^-?\d+$/.test(t) ? parseInt(t, 10) : t;
  }

  /** The form's values as the API expects them (types from data-type). */
  function serialize(form) {
    var data = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.disabled || el.type === "file" || el.type === "submit" || el.type === "button") return;
      var type = el.dataset.type || "";
      if (type === "intlist") {
        if (!(el.name in data)) data[el.name] = [];
        if (el.checked) data[el.name].push(parseInt(el.value, 10));
        return;
      }
      if (el.type === "radio") { if (el.checked) data[el.name] = el.value; return; }
      if (type === "bool" || el.type === "checkbox") { data[el.name] = el.checked; return; }
      if (type === "lines") {
        data[el.name] = el.value.split("\n").map(function (s) { return s.trim(); }).filter(Boolean);
        return;
      }
      if (type === "int") {
        var scale = parseInt(el.dataset.scale || "1", 10);
        var text = String(el.value).trim();
        if (scale !== 1 && /^\d+([.,]\d+)?$/.test(text)) {
          data[el.name] = Math.round(parseFloat(text.replace(",", ".")) * scale);
        } else {
          data[el.name] = intOrRaw(text);
        }
        return;
      }
      data[el.name] = el.value;
    });
    return data;
  }

  function busy(form, on) {
    form.querySelectorAll('button[type="submit"]').forEach(function (b) { b.disabled = on; });
  }

  async function submitJson(form) {
    clearErrors(form);
    var url = form.dataset.api;
    var method = form.dataset.method || "POST";
    busy(form, true);
    try {
      var body = await Motcua.api(method, url, serialize(form));
      afterSuccess(form.dataset.success, body, form);
    } catch (err) {
      showError(form, err);
    } finally {
      busy(form, false);
    }
  }

  /** Send a file with the CSRF header (Motcua.api speaks JSON only). */
  async function upload(url, fieldName, file) {
    var data = new FormData();
    data.append(fieldName, file);
    var response;
    try {
      response = await fetch(url, { method: "POST", body: data, credentials: "same-origin",
                                    headers: { "Accept": "application/json", "X-CSRF-Token": Motcua.csrfToken() } });
    } catch (e) {
      throw new Motcua.ApiError(0, null);
    }
    var body = null;
    try { body = await response.json(); } catch (e) { body = null; }
    if (!response.ok) throw new Motcua.ApiError(response.status, body);
    return body;
  }

  async function submitUpload(form) {
    clearErrors(form);
    var input = form.querySelector('input[type="file"]');
    if (!input.files.length) {
      showError(form, { message: "Chưa chọn tệp.", body: { fields: (function () { var f = {}; f[input.name] = "Chưa chọn tệp."; return f; })() } });
      return;
    }
    busy(form, true);
    try {
      await upload(form.dataset.upload, input.name, input.files[0]);
      reloadWith("Đã tải lên.");
    } catch (err) {
      showError(form, err);
    } finally {
      busy(form, false);
    }
  }

  function afterSuccess(kind, body, form) {
    if (kind === "pairing" && body && body.pair_url) {
      var dialog = form && form.closest("dialog");
      if (dialog) dialog.close();
      showPairing(body);
      return;
    }
    reloadWith("Đã lưu thay đổi.");
  }

  // ------------------------------------------------------------------ dialogs

  function setValue(el, value) {
    var type = el.dataset.type || "";
    if (type === "intlist") {
      el.checked = Array.isArray(value) && value.indexOf(parseInt(el.value, 10)) >= 0;
    } else if (el.type === "checkbox") {
      el.checked = !!value;
    } else if (type === "lines" && Array.isArray(value)) {
      el.value = value.join("\n");
    } else if (type === "int" && el.dataset.scale && value != null) {
      el.value = Math.round(value / parseInt(el.dataset.scale, 10));
    } else {
      el.value = value == null ? "" : value;
    }
  }

  /** Show the parts of a dialog that apply to the chosen role/kind (e.g. a clerk's counters). */
  function syncConditional(form) {
    [["role", "showRole"], ["kind", "showKind"]].forEach(function (pair) {
      var select = form.querySelector('[name="' + pair[0] + '"]');
      if (!select) return;
      form.querySelectorAll("[data-" + (pair[1] === "showRole" ? "show-role" : "show-kind") + "]").forEach(function (part) {
        var wrap = part.closest("label.fld") || part;
        var on = part.dataset[pair[1]] === select.value;
        wrap.hidden = !on;
        part.disabled = !on;
        part.querySelectorAll && part.querySelectorAll("input,select").forEach(function (i) { i.disabled = !on; });
      });
    });
  }

  function openDialog(button) {
    var dialog = document.getElementById(button.dataset.open);
    var form = dialog.querySelector("form");
    var editing = !!button.dataset.edit;
    var data = editing ? JSON.parse(button.dataset.edit) : {};
    form.reset();
    clearErrors(form);
    form.dataset.api = button.dataset.api;
    form.dataset.method = button.dataset.method || "POST";
    var title = dialog.querySelector("h2");
    if (title) title.textContent = editing ? (title.dataset.titleEdit || title.textContent) : (title.dataset.titleNew || title.textContent);
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name) return;
      var newOnly = el.hasAttribute("data-new-only");
      // Username, password and device kind are set once, at creation.
      el.disabled = newOnly && editing;
      var wrap = el.closest("label.fld");
      if (newOnly && wrap) wrap.hidden = editing && el.type === "password";
      if (editing && Object.prototype.hasOwnProperty.call(data, el.name)) setValue(el, data[el.name]);
    });
    dialog.querySelectorAll("[data-fill]").forEach(function (el) { el.textContent = data[el.dataset.fill] || ""; });
    syncConditional(form);
    dialog.showModal();
    var firstInput = Array.prototype.find.call(form.elements, function (el) {
      return el.name && !el.disabled && el.type !== "hidden" && !el.closest("[hidden]");
    });
    if (firstInput) firstInput.focus();
  }

  // ------------------------------------------------------------------ one-click actions

  async function callAction(button) {
    if (button.dataset.confirm && !window.confirm(button.dataset.confirm)) return;
    button.disabled = true;
    try {
      var body = await Motcua.api(button.dataset.method || "POST", button.dataset.call);
      afterSuccess(button.dataset.success, body, null);
    } catch (err) {
      var scope = button.closest("form") || button.closest("section") || document;
      showError(scope, err);
    } finally {
      button.disabled = false;
    }
  }

  // ------------------------------------------------------------------ pairing

  function showPairing(body) {
    var dialog = document.getElementById("pair-dialog");
    if (!dialog) { reloadWith("Đã tạo thiết bị."); return; }
    dialog.querySelector('[data-pair="name"]').textContent = (body.device && body.device.name) || "";
    document.getElementById("pair-url").textContent = body.pair_url;
    var box = document.getElementById("pair-qr");
    box.innerHTML = "";
    // Drawn by the server (qr.py, the pinned qrcode package): nothing to load in the browser.
    if (body.pair_qr_svg) { box.innerHTML = body.pair_qr_svg; }
    document.getElementById("pair-copied").textContent = "";
    dialog.showModal();
    document.getElementById("pair-copy").focus();
  }

  async function copyPairLink() {
    var text = document.getElementById("pair-url").textContent;
    var note = document.getElementById("pair-copied");
    try {
      await navigator.clipboard.writeText(text);
    } catch (e) {
      // Plain http on the office network has no clipboard API: fall back to a selection copy.
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.querySelector("#pair-dialog").appendChild(area);
      area.select();
      document.execCommand("copy");
      area.remove();
    }
    note.textContent = "Đã sao chép.";
  }

  // ------------------------------------------------------------------ voice clips

  var player = null;
  var playing = null;

  function play(button) {
    if (!player) {
      player = new Audio();
      player.addEventListener("ended", function () { if (playing) playing.classList.remove("playing"); playing = null; });
      player.addEventListener("error", function () {
        if (playing) playing.classList.remove("playing");
        playing = null;
        toast("Không phát được đoạn âm thanh này.", "error");
      });
    }
    if (playing) playing.classList.remove("playing");
    playing = button;
    button.classList.add("playing");
    player.src = button.dataset.play;
    player.play().catch(function () { /* reported by the error listener */ });
  }

  async function uploadClip(input) {
    var key = input.dataset.clipUpload;
    var row = input.closest("tr");
    clearErrors(row);
    if (!input.files.length) return;
    try {
      await upload("/api/admin/voice/" + encodeURIComponent(key), "clip", input.files[0]);
      reloadWith("Đã tải lên bản thu “" + (input.dataset.clipText || key) + "”.");
    } catch (err) {
      var fields = (err.body && err.body.fields) || {};
      var slot = row.querySelector('[data-error-for="clip-' + key + '"]');
      if (err.status === 401) { showError(row, err); return; }
      if (slot) slot.textContent = fields.clip || err.message;
      toast(fields.clip || err.message, "error");
    } finally {
      input.value = "";
    }
  }

  // ------------------------------------------------------------------ login and logout

  async function login(form) {
    clearErrors(form);
    var data = serialize(form);
    var missing = {};
    if (!data.username) missing.username = "Vui lòng nhập tên đăng nhập.";
    if (!data.password) missing.password = "Vui lòng nhập mật khẩu.";
    if (Object.keys(missing).length) {
      showError(form, { message: "Vui lòng nhập đủ tên đăng nhập và mật khẩu.", body: { fields: missing } });
      return;
    }
    busy(form, true);
    try {
      var body = await Motcua.api("POST", "/api/session", { username: data.username, password: data.password });
      if (form.dataset.roles.split(" ").indexOf(body.user.role) < 0) {  // who may enter: rules/access.py
        showError(form, { message: "Tài khoản cán bộ không có quyền vào khu vực quản trị. Hãy dùng màn hình quầy (/counter)." });
        return;
      }
      window.location.href = form.dataset.next || "/admin";
    } catch (err) {
      showError(form, err.status === 401 ? { message: err.message, body: {} } : err);
    } finally {
      busy(form, false);
    }
  }

  /** Log out here, or (everywhere) end every session of this person: other PCs and phones too. */
  async function logout(everywhere) {
    if (everywhere && !window.confirm("Đăng xuất tài khoản này khỏi mọi máy (kể cả máy này)?")) return;
    try { await Motcua.api("DELETE", everywhere ? "/api/sessions" : "/api/session"); } catch (e) { /* leaving anyway */ }
    window.location.href = "/admin/login";
  }

  // ------------------------------------------------------------------ wiring

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.id === "login-form") { event.preventDefault(); login(form); return; }
    if (form.dataset.upload) { event.preventDefault(); submitUpload(form); return; }
    if (form.dataset.api) { event.preventDefault(); submitJson(form); }
  });

  document.addEventListener("click", function (event) {
    var el = event.target.closest("button, [data-close]");
    if (!el) return;
    if (el.dataset.open) { openDialog(el); return; }
    if (el.dataset.call) { callAction(el); return; }
    if (el.dataset.play) { play(el); return; }
    if (el.hasAttribute("data-close")) { el.closest("dialog").close(); return; }
    if (el.id === "pair-copy") { copyPairLink(); return; }
    if (el.id === "admin-logout") { logout(false); return; }
    if (el.id === "admin-logout-all") { logout(true); }
  });

  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.dataset && el.dataset.clipUpload) { uploadClip(el); return; }
    if (el.type === "file" && el.closest(".file-pick")) {
      el.closest(".file-pick").querySelector(".file-name").textContent =
        el.files.length ? el.files[0].name : "Chưa chọn tệp";
      return;
    }
    if (el.name === "role" || el.name === "kind") syncConditional(el.form);
  });

  document.addEventListener("close", function (event) {
    if (event.target.hasAttribute && event.target.hasAttribute("data-reload-on-close")) {
      reloadWith("Đã lưu thiết bị.");
    }
  }, true);

  showFlash();
  window.MotcuaAdmin = { serialize: serialize, toast: toast };
})();
