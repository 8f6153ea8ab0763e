/* Health trend on the asset page (uPlot), appended live on each new assessment. */
(function () {
  "use strict";
  const el = document.getElementById("health-chart");
  const src = document.getElementById("health-trend");
  if (!el || !src || typeof uPlot === "undefined") return;
  const points = JSON.parse(src.textContent);
  const data = [points.map((p) => p[0]), points.map((p) => p[1])];
  if (!points.length) { el.innerHTML = '<p class="empty">The health trend appears after the first assessments.</p>'; }
  const opts = {
    width: el.clientWidth || 600, height: 220,
    scales: {y: {range: [0, 100]}},
    series: [{}, {label: "Health", stroke: "#0f5fa8", width: 2, fill: "rgba(15,95,168,.08)"}],
    axes: [{}, {values: (u, v) => v.map((x) => x + "")}],
  };
  let plot = points.length ? new uPlot(opts, data, el) : null;
  document.addEventListener("prosync:assessment", (e) => {
    data[0].push(Date.parse(e.detail.assessed_at) / 1000);
    data[1].push(e.detail.health);
    if (!plot) { el.innerHTML = ""; plot = new uPlot(opts, data, el); } else { plot.setData(data); }
  });
  window.addEventListener("resize", () => plot && plot.setSize({width: el.clientWidth, height: 220}));
})();
