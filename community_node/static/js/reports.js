// Draw each report chart from its JSON data island: the numbers the table beside it shows.
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
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: { y: { beginAtZero: true } },
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
