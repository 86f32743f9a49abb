// Progressive enhancement only: every page works without it. No inline scripts (CSP script-src 'self').
(function () {
  "use strict";
  function trendChart() {
    var canvas = document.getElementById("trend");
    var data = document.getElementById("trend-data");
    if (!canvas || !data || typeof Chart === "undefined") return;
    var d = JSON.parse(data.textContent);
    var names = JSON.parse(document.getElementById("trend-labels").textContent);
    var colors = { new_members: "#1565c0", enrolled: "#2e7d32", declined: "#c62828", bound: "#ef6c00", join_rate: "#6a1b9a" };
    var sets = ["new_members", "enrolled", "declined", "bound"].map(function (k) {
      return { label: names[k], data: d[k], borderColor: colors[k], backgroundColor: colors[k], cubicInterpolationMode: "monotone", pointRadius: d.labels.length > 60 ? 0 : 2, yAxisID: "y" };
    });
    sets.push({ label: names.join_rate + " %", data: d.join_rate, borderColor: colors.join_rate, backgroundColor: colors.join_rate,
                borderDash: [4, 3], pointRadius: 0, spanGaps: true, yAxisID: "rate" });
    new Chart(canvas, {
      type: "line",
      data: { labels: d.labels, datasets: sets },
      options: {
        maintainAspectRatio: false, animation: false, interaction: { mode: "index", intersect: false },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } }, rate: { position: "right", min: 0, max: 100, grid: { drawOnChartArea: false } } },
        plugins: { legend: { position: "bottom" } }
      }
    });
  }
  function confirms() {
    document.addEventListener("submit", function (e) {
      var msg = e.target.getAttribute("data-confirm");
      if (msg && !window.confirm(msg)) e.preventDefault();
    });
  }
  document.addEventListener("DOMContentLoaded", function () { trendChart(); confirms(); });
})();
