// Draw each chart from its JSON data island: the numbers the table beside it shows.
// Both services' chart pages use it (the node's reports, the hub's coverage); a spec may
// add indexAxis (horizontal bars) and scales (a second value axis).
// Loaded with `defer` after Chart.js; no inline script, so the page's CSP can forbid it.
(function () {
  "use strict";

  function shorten(value) {
    var label = String(this.getLabelForValue(value));
    var room = Math.max(12, Math.floor(this.chart.width / 22));
    return label.length > room ? label.slice(0, room - 1) + "…" : label;
  }

  function draw(canvas) {
    var island = document.getElementById(canvas.id + "-data");
    if (!island || typeof Chart === "undefined") return;
    var spec = JSON.parse(island.textContent);
    if (!spec.labels.length) {
      canvas.closest("figure").hidden = true; // the table says there is nothing yet
      return;
    }
    var scales = spec.scales || { y: { beginAtZero: true } };
    if (spec.indexAxis === "y") {
      // Long names down the side: shortened on a narrow screen, whole in the tooltip
      // and in the table.
      scales = Object.assign({}, scales, {
        y: Object.assign({}, scales.y, { ticks: { callback: shorten } }),
      });
    }
    canvas.chart = new Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: spec.datasets },
      options: {
        indexAxis: spec.indexAxis || "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: scales,
      },
    });
  }

  function init() {
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
