/* Booking room: the join page on a citizen's phone (/j/<office>/<code>). Plain ES2017.
 *
 * The same choice as at the kiosk, in the kiosk's words (config.texts): a field (with who waits
 * and how long), then the priority group when the office has any, then POST /api/join/tickets with
 * the page's pass. The answer's status page (/t/<token>) is where the phone follows its number.
 */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("join-config").textContent);
  const $ = (id) => document.getElementById(id);
  const texts = config.texts.vi;
  let chosen = null;
  let busy = false;

  function t(key, vars) {
    return String(texts[key] || "").replace(/\{(\w+)\}/g, (_, name) => (vars && name in vars ? vars[name] : ""));
  }

  function waitText(seconds) {
    const minutes = Math.round((seconds || 0) / 60);
    if (minutes < 1) return t("wait_none");
    if (minutes < 60) return t("wait_minutes", { m: minutes });
    return t("wait_hours", { h: Math.floor(minutes / 60), m: minutes % 60 });
  }

  function show(step) {
    ["field", "priority", "issuing", "error"].forEach((name) => { $("step-" + name).hidden = name !== step; });
    window.scrollTo(0, 0);
  }

  function pill(text, kind) {
    const span = document.createElement("span");
    span.className = "c-pill" + (kind ? " c-pill--" + kind : "");
    span.textContent = text;
    return span;
  }

  function renderOpening() {
    const opening = config.opening || { open: true };
    const closed = $("j-closed");
    closed.hidden = opening.open;
    if (!opening.open) {
      const reason = texts["closed_" + opening.reason] ? t("closed_" + opening.reason, { time: config.office.cutoff_time })
        : t("closed_other");
      closed.textContent = t("closed_title") + ". " + reason + " " + t("hours", { hours: opening.hours || "" });
    }
    $("j-lunch").hidden = !(opening.open && opening.lunch);
    if (opening.lunch) $("j-lunch").textContent = t("lunch", { time: config.office.lunch_end });
  }

  /** A big choice button added to a list: its name in bold, ``data`` as data-* attributes; a tap calls ``onTap``. */
  function choice(list, name, data, onTap) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "c-choice";
    Object.assign(button.dataset, data);
    const label = document.createElement("strong");
    label.textContent = name;
    button.appendChild(label);
    button.addEventListener("click", onTap);
    list.appendChild(button);
    return button;
  }

  function renderFields() {
    const list = $("j-fields");
    list.textContent = "";
    const open = (config.opening || { open: true }).open;
    config.fields.forEach((field) => {
      const button = choice(list, field.name, { field: field.id }, () => choose(field));
      if (!field.active) {
        button.disabled = true;
        button.appendChild(pill(t("field_closed"), "off"));
      } else {
        button.disabled = !open;
        button.appendChild(pill(field.waiting ? t("waiting_people", { n: field.waiting }) : t("waiting_none"), "wait"));
        if (field.waiting) button.appendChild(pill(waitText(field.estimated_wait_s)));
      }
    });
  }

  function choose(field) {
    chosen = field;
    if (!config.categories.length) { issue(null); return; }
    $("j-prio-field").textContent = t("priority_field", { field: field.name });
    const list = $("j-prio");
    list.textContent = "";
    config.categories.forEach((category) => choice(list, category.name, { code: category.code }, () => issue(category.code)));
    show("priority");
  }

  async function issue(priority) {
    if (busy || !chosen) return;
    busy = true;
    show("issuing");
    try {
      const body = await Motcua.api("POST", "/api/join/tickets", { pass: config.pass, field: chosen.id, priority: priority });
      window.location.assign("/t/" + encodeURIComponent(body.public_token));  // the phone's status page
    } catch (err) {
      busy = false;
      $("j-error").textContent = err.code === "daily_cap_reached" ? t("error_cap")
        : err.status === 0 ? t("error_network") : err.message;
      show("error");
    }
  }

  document.querySelectorAll("[data-go]").forEach((button) => button.addEventListener("click", () => show(button.dataset.go)));
  $("j-noprio").addEventListener("click", () => issue(null));
  renderOpening();
  renderFields();
  show("field");
  window.MotcuaJoin = { config: config };
})();
