/* Sensor chart on the asset's telemetry tab (uPlot): one sensor at a time, range presets, drag to
   zoom (the zoomed range is fetched again at the finer resolution it allows), double-click to go
   back, and live appends from the page's WebSocket while the range ends now. Data comes from
   /api/v1/sensors/<id>/series/ as at most N points, with a min/max band where points stand for
   several readings. The state (sensor, range) is kept in the URL hash so a link shows the same. */
(function () {
  "use strict";
  const root = document.querySelector("[data-sensor-chart]");
  if (!root || typeof uPlot === "undefined") return;
  const el = root.querySelector("[data-chart]");
  const info = root.querySelector("[data-chart-info]");
  const select = root.querySelector("[data-chart-sensor]");
  const presets = {"1h": 3600, "24h": 86400, "7d": 7 * 86400, "30d": 30 * 86400};
  const state = {sensor: select.value, range: "24h", start: null, end: null, live: true};
  let plot = null, data = null, seq = 0;

  const points = () => Math.max(200, Math.min(2000, Math.round((el.clientWidth || 600) * 1.5)));
  const height = () => (window.matchMedia("(max-width: 700px)").matches ? 220 : 300);

  function readHash() {
    const h = new URLSearchParams(location.hash.replace(/^#telemetry:?/, ""));
    if (h.get("sensor") && select.querySelector(`option[value="${h.get("sensor")}"]`)) state.sensor = h.get("sensor");
    if (presets[h.get("range")]) state.range = h.get("range");
    select.value = state.sensor;
  }
  function writeHash() {
    history.replaceState(null, "", `#telemetry:sensor=${state.sensor}&range=${state.range}`);
  }

  function markPreset() {
    root.querySelectorAll("[data-range]").forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.range === state.range && state.live)));
  }

  async function load(start, end) {
    const mine = ++seq;
    info.textContent = "Loading…";
    const q = new URLSearchParams({start: new Date(start * 1000).toISOString(), end: new Date(end * 1000).toISOString(), points: points()});
    let body;
    try {
      const r = await fetch(`/api/v1/sensors/${state.sensor}/series/?${q}`, {credentials: "same-origin", headers: {Accept: "application/json"}});
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      body = await r.json();
    } catch (err) {
      if (mine === seq) info.textContent = `Could not load the series (${err.message}).`;
      return;
    }
    if (mine !== seq) return; // a newer request superseded this one
    state.start = start; state.end = end;
    const band = body.min !== undefined;
    data = [body.t, body.value, band ? body.min : body.value.map(() => null), band ? body.max : body.value.map(() => null)];
    const label = {raw: "raw readings", "1m": "1-minute rollups", "1h": "1-hour rollups"}[body.resolution];
    info.textContent = body.points ? `${body.points} points from ${label}${band ? " (band: min–max)" : ""}` : "No readings in this range.";
    draw(body);
  }

  function draw(body) {
    const opt = select.selectedOptions[0];
    const unit = opt.dataset.unit || "";
    const opts = {
      width: el.clientWidth || 600, height: height(),
      cursor: {drag: {x: true, y: false}},
      // The x axis spans the asked range even where there is no data (a gap is information).
      scales: {x: {time: true, range: (u, lo, hi) => [Math.min(lo ?? state.start, state.start), Math.max(hi ?? state.end, state.end)]}},
      series: [
        {label: "Time"},
        {label: `${opt.textContent.trim()}`, stroke: "#0f5fa8", width: 1.5, value: (u, v) => (v == null ? "–" : `${v.toFixed(2)} ${unit}`)},
        {label: "min", stroke: "rgba(15,95,168,.35)", width: 1, show: true, value: (u, v) => (v == null ? "–" : v.toFixed(2))},
        {label: "max", stroke: "rgba(15,95,168,.35)", width: 1, show: true, value: (u, v) => (v == null ? "–" : v.toFixed(2))},
      ],
      bands: [{series: [3, 2], fill: "rgba(15,95,168,.12)"}],
      hooks: {setSelect: [(u) => {
        if (u.select.width < 5) return;
        const a = u.posToVal(u.select.left, "x"), b = u.posToVal(u.select.left + u.select.width, "x");
        u.setSelect({width: 0, height: 0}, false);
        state.live = false; markPreset();
        load(a, b);
      }]},
    };
    el.innerHTML = "";
    plot = new uPlot(opts, data, el);
    root.dataset.points = data[0].length;
    plot.over.addEventListener("dblclick", () => { state.live = true; markPreset(); showPreset(); });
  }

  function showPreset() {
    const end = Date.now() / 1000;
    load(end - presets[state.range], end);
  }

  root.querySelectorAll("[data-range]").forEach((b) => b.addEventListener("click", (e) => {
    e.preventDefault();
    state.range = b.dataset.range; state.live = true; markPreset(); writeHash(); showPreset();
  }));
  select.addEventListener("change", () => { state.sensor = select.value; writeHash(); showPreset(); });

  // Live appends: a new latest value of the charted sensor extends the series while the range ends now.
  document.addEventListener("prosync:event", (e) => {
    const msg = e.detail;
    if (!plot || !state.live || msg.type !== "telemetry.readings") return;
    for (const r of msg.payload.readings || []) {
      if (String(r.sensor) !== String(state.sensor) || r.value == null || !r.ts) continue;
      const t = Date.parse(r.ts) / 1000;
      if (data[0].length && t <= data[0][data[0].length - 1]) continue;
      data[0].push(t); data[1].push(r.value); data[2].push(null); data[3].push(null);
      const from = t - presets[state.range];
      while (data[0].length && data[0][0] < from) data.forEach((col) => col.shift());
      plot.setData(data);
      root.dataset.points = data[0].length;
    }
  });
  window.addEventListener("resize", () => plot && plot.setSize({width: el.clientWidth, height: height()}));

  readHash(); markPreset(); showPreset();
})();
