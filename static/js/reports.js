/* Reports room: the report page's period form (show only the inputs of the chosen kind) and its
 * charts, drawn with the vendored Chart.js from the figures embedded in the page. A chart with
 * nothing to show is replaced by "Không có dữ liệu" rather than drawn empty or broken. */
(function () {
  "use strict";

  var BLUE = "#0b4f9c", LIGHT_BLUE = "#8fb3e0", GREEN = "#1b7f3b", LIGHT_GREEN = "#7cc08f", RED = "#c8423a",
      AMBER = "#d08a1c", GREY = "#9aa3ad";

  // ------------------------------------------------------------------ period form

  var form = document.getElementById("period-form");
  function syncPeriod() {
    if (!form) return;
    var kind = form.elements.period.value;
    form.querySelectorAll("[data-kinds]").forEach(function (label) {
      var on = label.getAttribute("data-kinds").split(" ").indexOf(kind) >= 0;
      label.hidden = !on;
      // Inputs of other kinds are not sent, so the URL names only what was chosen.
      label.querySelectorAll("input, select").forEach(function (el) { el.disabled = !on; });
    });
  }
  if (form) {
    form.elements.period.addEventListener("change", syncPeriod);
    syncPeriod();
  }

  // ------------------------------------------------------------------ charts

  var dataEl = document.getElementById("report-data");
  if (!dataEl || typeof Chart === "undefined") return;
  var report = JSON.parse(dataEl.textContent);

  Chart.defaults.font.family = '"Motcua Sans", "Be Vietnam Pro", sans-serif';
  Chart.defaults.font.size = 13;
  Chart.defaults.color = "#333";
  Chart.defaults.animation = false;  // figures, not a show; also prints and screenshots at once

  function minutes(seconds) { return seconds == null ? null : Math.round(seconds / 6) / 10; }
  function vn(n, digits) {
    return Number(n).toLocaleString("vi-VN", { maximumFractionDigits: digits == null ? 1 : digits });
  }

  function slot(name) { return document.querySelector('[data-chart="' + name + '"]'); }

  function empty(name, text) {
    var el = slot(name);
    if (el) el.innerHTML = '<div class="chart-empty" role="img" aria-label="' + Motcua.escapeHtml(text || "Không có dữ liệu") +
      '">' + Motcua.escapeHtml(text || "Không có dữ liệu") + '</div>';
  }

  function draw(name, config, label) {
    var el = slot(name);
    if (!el) return null;
    el.innerHTML = '<div class="chart-box"><canvas role="img" aria-label="' + Motcua.escapeHtml(label) + '"></canvas></div>';
    config.options = Object.assign({ responsive: true, maintainAspectRatio: false, locale: "vi-VN" }, config.options || {});
    return new Chart(el.querySelector("canvas"), config);
  }

  function countAxis(title) {
    return { beginAtZero: true, ticks: { precision: 0 }, title: { display: !!title, text: title } };
  }

  var hasTickets = report.summary.issued > 0;

  // Issued and served per day / week / month; for a single day, outcomes per counter instead.
  (function () {
    if (report.period.days === 1) {
      var rows = report.by_counter;
      if (!rows.length) return empty("trend");
      draw("trend", {
        type: "bar",
        data: {
          labels: rows.map(function (r) { return r.name; }),
          datasets: [
            { label: "Đã phục vụ", data: rows.map(function (r) { return r.served; }), backgroundColor: BLUE },
            { label: "Vắng mặt", data: rows.map(function (r) { return r.no_show; }), backgroundColor: AMBER },
            { label: "Đã chuyển", data: rows.map(function (r) { return r.transferred; }), backgroundColor: LIGHT_BLUE },
          ],
        },
        options: { scales: { y: countAxis("Số lượt") }, plugins: { legend: { position: "bottom" } } },
      }, "Số lượt theo quầy");
      return;
    }
    var points = report.trend.points;
    var unit = { day: "ngày", week: "tuần", month: "tháng" }[report.trend.unit];
    if (!hasTickets || !points.length) return empty("trend");
    draw("trend", {
      type: "bar",
      data: {
        labels: points.map(function (p) { return p.label; }),
        datasets: [
          { label: "Số đã cấp", data: points.map(function (p) { return p.issued; }), backgroundColor: LIGHT_BLUE },
          { label: "Đã phục vụ", data: points.map(function (p) { return p.served; }), backgroundColor: BLUE },
        ],
      },
      options: {
        scales: { y: countAxis("Số lượt") },
        plugins: {
          legend: { position: "bottom" },
          tooltip: { callbacks: { title: function (items) {
            return (report.trend.unit === "week" ? "Tuần từ " : "") + items[0].label;
          } } },
        },
      },
    }, "Số đã cấp và đã phục vụ theo " + unit);
  })();

  // Arrivals per hour (average per day with arrivals).
  (function () {
    var rows = report.by_hour;
    if (!hasTickets) return empty("hours");
    var average = rows.map(function (r) { return r.per_day || 0; });
    var peak = Math.max.apply(null, average);
    draw("hours", {
      type: "bar",
      data: {
        labels: rows.map(function (r) { return ("0" + r.hour).slice(-2) + "h"; }),
        datasets: [{
          label: "Lượt đến trung bình mỗi ngày",
          data: average,
          backgroundColor: average.map(function (v) { return v === peak && v > 0 ? AMBER : BLUE; }),
        }],
      },
      options: {
        scales: { y: { beginAtZero: true, title: { display: true, text: "Lượt/ngày" } } },
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: {
            title: function (items) { return rows[items[0].dataIndex].label; },
            label: function (item) {
              var r = rows[item.dataIndex];
              return "TB " + vn(r.per_day || 0) + " lượt/ngày · tổng " + vn(r.arrivals, 0) + " lượt";
            },
          } },
        },
      },
    }, "Lượt đến theo giờ");
  })();

  // Arrivals per weekday.
  (function () {
    var rows = report.by_weekday.filter(function (r) { return r.days > 0 || r.arrivals > 0; });
    if (!hasTickets || !rows.length) return empty("weekdays");
    if (report.period.days < 7) {
      // One day or a few: per-weekday averages would only repeat the day's own figures.
      if (rows.length < 2) return empty("weekdays", "Chọn kỳ dài hơn một tuần để so sánh các thứ");
    }
    draw("weekdays", {
      type: "bar",
      data: {
        labels: rows.map(function (r) { return r.label; }),
        datasets: [{ label: "Lượt đến trung bình mỗi ngày", data: rows.map(function (r) { return r.per_day || 0; }), backgroundColor: BLUE }],
      },
      options: {
        scales: { y: { beginAtZero: true, title: { display: true, text: "Lượt/ngày" } } },
        plugins: { legend: { display: false }, tooltip: { callbacks: { label: function (item) {
          var r = rows[item.dataIndex];
          return "TB " + vn(r.per_day || 0) + " lượt/ngày · " + r.days + " ngày · tổng " + vn(r.arrivals, 0);
        } } } },
      },
    }, "Lượt đến theo thứ trong tuần");
  })();

  // Satisfaction: the three reported groups.
  (function () {
    var sat = report.satisfaction;
    if (!sat.ratings) return empty("satisfaction", "Không có dữ liệu đánh giá");
    draw("satisfaction", {
      type: "doughnut",
      data: {
        labels: sat.groups.map(function (g) { return g.label; }),
        datasets: [{ data: sat.groups.map(function (g) { return g.count; }), backgroundColor: [GREEN, LIGHT_GREEN, RED], borderWidth: 2 }],
      },
      options: {
        cutout: "55%",
        plugins: {
          legend: { position: "bottom", labels: { generateLabels: function (chart) {
            var base = Chart.overrides.doughnut.plugins.legend.labels.generateLabels(chart);
            base.forEach(function (item, i) {
              var g = sat.groups[i];
              item.text = g.label + ": " + vn(g.count, 0) + " (" + vn((g.share || 0) * 100) + "%)";
            });
            return base;
          } } },
          tooltip: { callbacks: { label: function (item) {
            var g = sat.groups[item.dataIndex];
            return g.label + ": " + vn(g.count, 0) + " lượt (" + vn((g.share || 0) * 100) + "%)";
          } } },
        },
      },
    }, "Mức độ hài lòng");
  })();

  // Waits per field (minutes): average, median, 90th percentile.
  (function () {
    var rows = report.by_field.filter(function (r) { return r.wait.count > 0; });
    if (!rows.length) return empty("wait", "Không có dữ liệu về thời gian chờ");
    draw("wait", {
      type: "bar",
      data: {
        labels: rows.map(function (r) { return r.name; }),
        datasets: [
          { label: "Trung bình", data: rows.map(function (r) { return minutes(r.wait.avg); }), backgroundColor: BLUE },
          { label: "Trung vị", data: rows.map(function (r) { return minutes(r.wait.median); }), backgroundColor: LIGHT_BLUE },
          { label: "90%", data: rows.map(function (r) { return minutes(r.wait.p90); }), backgroundColor: AMBER },
        ],
      },
      options: {
        indexAxis: "y",
        scales: { x: { beginAtZero: true, title: { display: true, text: "Phút" } }, y: { ticks: { autoSkip: false } } },
        plugins: { legend: { position: "bottom" }, tooltip: { callbacks: { label: function (item) {
          return item.dataset.label + ": " + vn(item.raw) + " phút";
        } } } },
      },
    }, "Thời gian chờ theo lĩnh vực");
    var box = slot("wait").querySelector(".chart-box");
    box.style.height = Math.max(260, 70 + rows.length * 46) + "px";
  })();

  // Tickets per field, split by outcome.
  (function () {
    var rows = report.by_field.filter(function (r) { return r.issued > 0 || r.served > 0; });
    if (!rows.length) return empty("fields");
    draw("fields", {
      type: "bar",
      data: {
        labels: rows.map(function (r) { return r.name; }),
        datasets: [
          { label: "Đã phục vụ", data: rows.map(function (r) { return r.served; }), backgroundColor: BLUE },
          { label: "Vắng mặt", data: rows.map(function (r) { return r.no_show; }), backgroundColor: AMBER },
          { label: "Đã hủy", data: rows.map(function (r) { return r.cancelled; }), backgroundColor: GREY },
          { label: "Đang mở", data: rows.map(function (r) { return r.open; }), backgroundColor: LIGHT_BLUE },
        ],
      },
      options: {
        indexAxis: "y",
        scales: { x: Object.assign(countAxis("Số lượt"), { stacked: true }), y: { stacked: true, ticks: { autoSkip: false } } },
        plugins: { legend: { position: "bottom" } },
      },
    }, "Số lượt theo lĩnh vực");
    var box = slot("fields").querySelector(".chart-box");
    box.style.height = Math.max(260, 70 + rows.length * 40) + "px";
  })();
})();
