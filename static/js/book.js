/* Booking room: the public booking page (/book/<office>). Plain ES2017.
 * Field -> GET /api/public/offices/<id>/booking?field= (the free places of each slot) -> day and slot
 * -> name and phone -> POST /api/public/bookings -> the booking's own page (/b/<token>). */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("book-config").textContent);
  const $ = (id) => document.getElementById(id);
  const choice = { field: null, days: [], day: null, slot: null };

  function show(step) {
    ["field", "slot", "form"].forEach((name) => { $("step-" + name).hidden = name !== step; });
    window.scrollTo(0, 0);
  }

  function button(className, html, onClick) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = className;
    b.innerHTML = html;
    b.addEventListener("click", onClick);
    return b;
  }

  const esc = Motcua.escapeHtml;

  function renderFields() {
    const list = $("b-fields");
    list.textContent = "";
    config.fields.forEach((field) => {
      const b = button("c-choice", "<strong>" + esc(field.name) + "</strong>", () => chooseField(field));
      b.dataset.field = field.id;
      list.appendChild(b);
    });
  }

  async function chooseField(field) {
    choice.field = field;
    $("b-field-name").textContent = field.name;
    const body = await Motcua.api("GET", "/api/public/offices/" + config.office.id + "/booking?field=" + field.id);
    choice.days = body.days;
    if (!choice.days.some((d) => d.date === choice.day)) choice.day = choice.days.length ? choice.days[0].date : null;
    renderDays();
    show("slot");
  }

  function renderDays() {
    const days = $("b-days");
    days.textContent = "";
    $("b-no-slot").hidden = choice.days.length > 0;
    choice.days.forEach((day) => {
      const free = day.slots.reduce((n, s) => n + (s.free > 0 ? 1 : 0), 0);
      const parts = day.label.split(" ");  // "Thứ Sáu 27/11/2026": the weekday, then dd/mm
      const date = parts.pop().slice(0, 5);
      const b = button("c-day", "<strong>" + esc(parts.join(" ")) + "</strong>" + esc(date)
        + "<br><small>" + (free ? free + " giờ trống" : "Kín lịch") + "</small>", () => { choice.day = day.date; renderDays(); });
      b.dataset.day = day.date;
      b.setAttribute("aria-pressed", String(day.date === choice.day));
      days.appendChild(b);
    });
    renderSlots();
  }

  function renderSlots() {
    const slots = $("b-slots");
    slots.textContent = "";
    const day = choice.days.filter((d) => d.date === choice.day)[0];
    if (!day) return;
    day.slots.forEach((slot) => {
      const b = button("c-slot", esc(slot.slot) + "<small>" + (slot.free > 0 ? "còn " + slot.free + " chỗ" : "hết chỗ") + "</small>",
        () => chooseSlot(day, slot));
      b.dataset.slot = slot.slot;
      b.disabled = slot.free <= 0;
      slots.appendChild(b);
    });
  }

  function chooseSlot(day, slot) {
    choice.slot = slot.slot;
    $("b-summary").innerHTML = "<strong>" + esc(choice.field.name) + "</strong><br>" + esc(day.label) + ", lúc <strong>" + esc(slot.slot) + "</strong>";
    $("b-error").hidden = true;
    show("form");
    $("b-form").elements.name.focus();
  }

  $("b-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const submit = $("b-submit");
    const error = $("b-error");
    error.hidden = true;
    [form.elements.name, form.elements.phone].forEach((input) => input.removeAttribute("aria-invalid"));
    submit.disabled = true;
    try {
      const body = await Motcua.api("POST", "/api/public/bookings", {
        office: config.office.id, field: choice.field.id, day: choice.day, slot: choice.slot,
        name: form.elements.name.value, phone: form.elements.phone.value,
      });
      window.location.assign("/b/" + encodeURIComponent(body.token));
    } catch (err) {
      submit.disabled = false;
      error.textContent = err.message;
      error.hidden = false;
      Object.keys((err.body && err.body.fields) || {}).forEach((name) => {
        if (form.elements[name]) form.elements[name].setAttribute("aria-invalid", "true");
      });
      if (err.code === "slot_full") chooseField(choice.field).then(() => { show("slot"); });
    }
  });

  document.querySelectorAll("[data-go]").forEach((b) => b.addEventListener("click", () => show(b.dataset.go)));
  renderFields();
  show("field");
  window.MotcuaBook = { choice: choice };
})();
