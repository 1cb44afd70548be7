/* First-run room: sends the setup form to POST /api/setup and shows each refusal under its box. */
(function () {
  "use strict";
  var form = document.getElementById("setup-form");
  if (!form) { return; }

  function values() {
    var data = {};
    ["code", "name", "address", "open_time", "lunch_start", "lunch_end", "close_time", "cutoff_time",
     "full_name", "username", "public_base_url"].forEach(function (name) {
      data[name] = form.elements[name].value.trim();
    });
    data.password = form.elements.password.value; // as typed: spaces are part of a password
    data.counters = parseInt(form.elements.counters.value, 10) || 0;
    data.working_days = Array.prototype.filter.call(form.querySelectorAll('[name="working_days"]'), function (box) {
      return box.checked;
    }).map(function (box) { return parseInt(box.value, 10); });
    data.fields = Array.prototype.filter.call(form.querySelectorAll('[name="fields"]'), function (box) {
      return box.checked;
    }).map(function (box) { return box.value; });
    return data;
  }

  function clearErrors() {
    form.querySelectorAll(".fld-error").forEach(function (el) { el.textContent = ""; });
    form.querySelectorAll(".invalid").forEach(function (el) { el.classList.remove("invalid"); });
    document.getElementById("form-error").textContent = "";
  }

  function showError(name, message) {
    var slot = form.querySelector('[data-error-for="' + name + '"]');
    if (slot) {
      slot.textContent = message;
      var box = form.elements[name];
      if (box && box.classList) { box.classList.add("invalid"); }
      return true;
    }
    return false;
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    clearErrors();
    var data = values();
    if (form.elements.password.value !== form.elements.password2.value) {
      showError("password2", "Hai lần nhập mật khẩu không khớp.");
      form.elements.password2.focus();
      return;
    }
    var button = document.getElementById("setup-submit");
    button.disabled = true;
    try {
      var response = await fetch("/api/setup", {
        method: "POST", headers: { "Content-Type": "application/json", "Accept": "application/json" },
        body: JSON.stringify(data), credentials: "same-origin",
      });
      var body = await response.json().catch(function () { return {}; });
      if (response.ok) { window.location.assign(body.next || "/admin"); return; }
      var shown = false;
      if (body.error === "setup_code") { shown = showError("code", body.message); }
      Object.keys(body.fields || {}).forEach(function (name) {
        shown = showError(name, body.fields[name]) || shown;
      });
      document.getElementById("form-error").textContent = body.message || "Không thiết lập được, xin thử lại.";
      var first = form.querySelector(".invalid") || document.getElementById("form-error");
      first.scrollIntoView({ block: "center" });
      if (first.focus) { first.focus(); }
    } catch (e) {
      document.getElementById("form-error").textContent = "Mất kết nối tới máy chủ, xin thử lại.";
    } finally {
      button.disabled = false;
    }
  });
})();
