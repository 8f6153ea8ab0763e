/* Health trend on the asset page (uPlot), appended live on each new assessment. */
(function () {
  "use strict";
  const el = document.getElementById("health-chart");
  const src = document.getElementById("health-trend");
  if (!el || !src || typeof uPlot === "undefined") return;
  const points = JSON.parse(src.textContent);
  const data = [points.map((p) => p[0]), points.map((p) => p[1])];
  if (!points.length) { el.innerHTML = '<p class="empty">The health trend appears after the first assessments.</p>'; }
  // Dashed lines where the health bands change (watch below 70, poor below 40), as on the badges.
  const bands = [[70, "#1a7f46"], [40, "#c8372d"]];
  const drawBands = (u) => {
    const ctx = u.ctx;
    ctx.save();
    ctx.setLineDash([5, 5]);
    ctx.lineWidth = devicePixelRatio || 1;
    for (const [v, colour] of bands) {
      const y = Math.round(u.valToPos(v, "y", true));
      ctx.strokeStyle = colour;
      ctx.beginPath();
      ctx.moveTo(u.bbox.left, y);
      ctx.lineTo(u.bbox.left + u.bbox.width, y);
      ctx.stroke();
    }
    ctx.restore();
  };
  // Away from the cursor the legend shows the latest value rather than "--".
  const showLatest = (u) => { if (u.cursor.idx == null && u.data[0].length) u.setLegend({idx: u.data[0].length - 1}); };
  const opts = {
    width: el.clientWidth || 600, height: 220,
    scales: {y: {range: [0, 100]}},
    series: [{label: "Time"}, {label: "Health", stroke: "#0f5fa8", width: 2, fill: "rgba(15,95,168,.08)",
                               value: (u, v) => (v == null ? "–" : Math.round(v) + "/100")}],
    axes: [{}, {values: (u, v) => v.map((x) => x + "")}],
    hooks: {draw: [drawBands], ready: [showLatest], setCursor: [showLatest]},
  };
  let plot = points.length ? new uPlot(opts, data, el) : null;
  document.addEventListener("prosync:assessment", (e) => {
    data[0].push(Date.parse(e.detail.assessed_at) / 1000);
    data[1].push(e.detail.health);
    if (!plot) { el.innerHTML = ""; plot = new uPlot(opts, data, el); } else { plot.setData(data); showLatest(plot); }
  });
  window.addEventListener("resize", () => plot && plot.setSize({width: el.clientWidth, height: 220}));
})();
