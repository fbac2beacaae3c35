// Draw each chart from its JSON data island: the numbers the table beside it shows.
// The node's reports page does the same (community_node/static/js/reports.js); this one
// also takes the spec's indexAxis (horizontal bars) and scales (a second value axis).
// Loaded with `defer` after Chart.js; no inline script, so the page's CSP can forbid it.
(function () {
  "use strict";

  function draw(canvas) {
    var island = document.getElementById(canvas.id + "-data");
    if (!island || typeof Chart === "undefined") return;
    var spec = JSON.parse(island.textContent);
    if (!spec.labels.length) {
      canvas.closest("figure").hidden = true; // the table says there is nothing yet
      return;
    }
    canvas.chart = new Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: spec.datasets },
      options: {
        indexAxis: spec.indexAxis || "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: spec.scales || { y: { beginAtZero: true } },
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
