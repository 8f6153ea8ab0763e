/* Report pages and the dashboard's trends: charts drawn with uPlot from the page's json_script
   data (bars, stacked bars, Pareto, lines), a click on a bar opening the orders behind it;
   sortable report tables; filters that keep the URL short (one value per key, no empty ones). */
(function () {
  "use strict";

  const PALETTE = ["#0f5fa8", "#e0a100", "#1a7f46", "#c8372d", "#6b4fbb", "#0a8f8f", "#5f6b7c", "#b05a00"];
  // Counts step by whole numbers: no "0.5 failures" on an axis.
  const COUNT_STEPS = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000, 50000, 100000];
  const UNIT_SUFFIX = {"h": " h", "%": " %", "min": " min", "days": " days", "weeks": " wk"};

  function number(v, unit) {
    if (v == null || !isFinite(v)) return "–";
    const abs = Math.abs(v);
    const places = unit === "count" || abs >= 100 ? 0 : abs >= 10 ? 1 : 2;
    const text = v.toLocaleString("en-GB", {maximumFractionDigits: places});
    if (unit === "currency" || unit === "money") return text;
    return text + (UNIT_SUFFIX[unit] || "");
  }

  // Short axis numbers: 1,200 → 1.2k, so a narrow chart keeps its labels.
  function tick(v) {
    const abs = Math.abs(v);
    if (abs >= 1e6) return (v / 1e6).toFixed(abs >= 1e7 ? 0 : 1) + "M";
    if (abs >= 1e4) return Math.round(v / 1e3) + "k";
    if (abs >= 1e3) return (v / 1e3).toFixed(1) + "k";
    return String(+v.toFixed(2));
  }

  function shorten(text, max) {
    return text.length > max ? text.slice(0, max - 1) + "…" : text;
  }

  // Bars drawn by hand at integer x positions: grouped side by side ("bar") or on top of each
  // other ("stacked"; ``bases`` holds where each bar starts).
  function barPaths(slot, slots, bases) {
    return function (u, seriesIdx, idx0, idx1) {
      const path = new Path2D();
      const ys = u.data[seriesIdx];
      const step = Math.abs(u.valToPos(1, "x", true) - u.valToPos(0, "x", true));
      const group = Math.min(step * 0.7, 90 * devicePixelRatio);
      const width = group / slots;
      for (let i = idx0; i <= idx1; i++) {
        const v = ys[i];
        if (v == null) continue;
        const base = bases ? bases[i] : 0;
        const x = u.valToPos(i, "x", true) - group / 2 + slot * width;
        const top = u.valToPos(v, "y", true);
        const bottom = u.valToPos(base, "y", true);
        path.rect(Math.round(x), Math.min(top, bottom), Math.max(1, Math.round(width - (slots > 1 ? 2 : 0))),
                  Math.abs(bottom - top));
      }
      return {stroke: path, fill: path};
    };
  }

  function height(el) {
    return window.matchMedia("(max-width: 700px)").matches ? 220 : (Number(el.dataset.height) || 260);
  }

  function draw(el, chart) {
    const n = chart.labels.length;
    const xs = chart.labels.map((_, i) => i);
    const kind = chart.kind;
    // Money carries its currency on the axis and in the legend ("€4.0k", "€324").
    const money = (text) => (chart.money && text !== "–" ? chart.money + text : text);
    let series = chart.series.slice();
    let pct = null;
    if (kind === "pareto") {
      // The cumulative share line: the one the report gives, else summed here from the bars.
      const given = series.findIndex((s) => /%|cumul/i.test(s.name));
      if (given > 0) {
        pct = series[given];
        series = series.filter((_, i) => i !== given);
      } else {
        const vals = series[0].values;
        const total = vals.reduce((a, v) => a + (v || 0), 0);
        let run = 0;
        pct = {name: "Cumulative share", values: vals.map((v) => (run += v || 0, total ? run / total * 100 : null))};
      }
      series = series.slice(0, 1);
    }
    const data = [xs];
    const uSeries = [{label: "", value: (u, v) => (v == null ? "" : chart.labels[Math.round(v)] || "")}];
    const stacked = kind === "stacked" && series.length > 1;
    let bases = xs.map(() => 0);
    series.forEach((s, k) => {
      const colour = PALETTE[k % PALETTE.length];
      const raw = s.values;
      const common = {label: s.name, stroke: colour,
                      value: (u, v, si, i) => money(number(i == null ? v : raw[i], chart.unit))};
      if (kind === "line") {
        data.push(raw);
        uSeries.push(Object.assign(common, {width: 2, points: {show: n <= 40, size: 5}, spanGaps: false}));
        return;
      }
      let values = raw;
      let from = null;
      if (stacked) {
        from = bases;
        values = raw.map((v, i) => (v == null ? null : bases[i] + v));
        bases = values.map((v, i) => (v == null ? bases[i] : v));
      }
      data.push(values);
      const slots = kind === "bar" ? series.length : 1;
      const slot = kind === "bar" ? k : 0;
      uSeries.push(Object.assign(common, {fill: colour, width: 0, points: {show: false},
                                          paths: barPaths(slot, slots, from)}));
    });
    if (pct) {
      data.push(pct.values);
      uSeries.push({label: pct.name, scale: "%", stroke: "#c8372d", width: 2, points: {show: true, size: 5},
                    value: (u, v) => (v == null ? "–" : Math.round(v) + " %")});
    }
    const narrow = () => el.clientWidth < 500;
    const axes = [
      {
        splits: (u) => {
          const room = Math.max(1, Math.floor(u.bbox.width / devicePixelRatio / (narrow() ? 56 : 80)));
          const every = Math.max(1, Math.ceil(n / room));
          return xs.filter((i) => i % every === 0);
        },
        // As many letters as the room each shown label has (about 7 px a letter).
        values: (u, splits) => {
          const room = u.bbox.width / devicePixelRatio / Math.max(1, splits.length);
          const letters = Math.max(6, Math.min(24, Math.floor(room / 7)));
          return splits.map((i) => shorten(chart.labels[i] || "", letters));
        },
        grid: {show: false},
      },
      Object.assign({values: (u, splits) => splits.map((v) => money(tick(v))), size: chart.money ? 56 : 48, grid: {stroke: "#eef1f5"}},
                    chart.unit === "count" ? {incrs: COUNT_STEPS} : {}),
    ];
    const scales = {x: {time: false, range: [-0.5, Math.max(0.5, n - 0.5)]}};
    if (kind !== "line") {
      scales.y = {range: (u, min, max) => [0, max > 0 ? max * 1.08 : 1]};
    } else if (chart.unit === "%") {
      scales.y = {range: (u, min, max) => [Math.max(0, Math.floor((min == null ? 0 : min) - 5)), 100]};
    }
    if (pct) {
      scales["%"] = {range: [0, 100]};
      axes.push({scale: "%", side: 1, size: 56, grid: {show: false}, values: (u, splits) => splits.map((v) => v + " %")});
    }
    const opts = {
      width: el.clientWidth || 600,
      height: height(el),
      scales: scales,
      series: uSeries,
      axes: axes,
      cursor: {points: {show: kind === "line" || !!pct}, drag: {x: false, y: false}},
      legend: {show: series.length > 1 || !!pct || kind === "line"},
    };
    // Over time, the legend shows the latest bucket until the pointer picks another one.
    if (chart.dated) {
      const latest = (u) => { if (u.cursor.idx == null && n) u.setLegend({idx: n - 1}); };
      opts.hooks = {ready: [latest], setCursor: [latest]};
    }
    el.textContent = "";
    const plot = new uPlot(opts, data, el);
    if (chart.drill && chart.drill.some(Boolean)) {
      // The bar under the pointer, by position: works for a tap as for a click.
      plot.over.addEventListener("click", (e) => {
        const i = Math.round(plot.posToVal(e.offsetX, "x"));
        const url = chart.drill[i];
        if (url) window.location.href = url;
      });
    }
    return plot;
  }

  function drawAll(root) {
    if (typeof uPlot === "undefined") return;
    const plots = [];
    root.querySelectorAll("#report-charts, #dashboard-charts").forEach((src) => {
      const charts = JSON.parse(src.textContent);
      charts.forEach((chart) => {
        const el = root.querySelector(`[data-chart="${CSS.escape(chart.key)}"]`);
        if (!el || !chart.labels.length) return;
        plots.push([el, draw(el, chart)]);
      });
    });
    if (!plots.length) return;
    let pending = null;
    const fit = () => plots.forEach(([el, plot]) => plot.setSize({width: el.clientWidth, height: height(el)}));
    window.addEventListener("resize", () => { clearTimeout(pending); pending = setTimeout(fit, 100); });
  }

  // Tables sort in the page: numbers as numbers, text as text, empty cells last.
  function sortable(table) {
    table.querySelectorAll("th button.sort").forEach((btn) => {
      btn.addEventListener("click", () => {
        const col = Number(btn.dataset.col);
        const th = btn.closest("th");
        const ascending = th.getAttribute("aria-sort") !== "ascending";
        table.querySelectorAll("th").forEach((h) => h.removeAttribute("aria-sort"));
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        const numeric = btn.hasAttribute("data-numeric");
        const body = table.tBodies[0];
        const key = (row) => {
          const cell = row.cells[col];
          const raw = cell.dataset.sort !== "" ? cell.dataset.sort : cell.textContent.trim();
          return numeric ? (raw === "" ? null : Number(raw)) : raw.toLowerCase();
        };
        const rows = [...body.rows].map((r) => [key(r), r]);
        rows.sort((a, b) => {
          if (a[0] === b[0]) return 0;
          if (a[0] === null || a[0] === "—") return 1;
          if (b[0] === null || b[0] === "—") return -1;
          const order = numeric ? a[0] - b[0] : a[0].localeCompare(b[0]);
          return ascending ? order : -order;
        });
        rows.forEach(([, r]) => body.appendChild(r));
      });
    });
  }

  // One value per key in the URL: the empty filters and the custom dates of a preset are left out;
  // a choice in a list applies at once, dates when both are given.
  function filters(form) {
    const period = form.querySelector("select[name=period]");
    // On a phone the figures come first: the filters fold away unless one beyond the period is set
    // (the period always has a value, and its dates are in the summary line).
    const box = form.closest("details");
    if (box && window.matchMedia("(max-width: 700px)").matches && !form.querySelector(".field-error")) {
      const used = [...form.querySelectorAll("select, input")].some((f) =>
        f.name && !["period", "start", "end"].includes(f.name) && f.type !== "hidden" && f.value !== "");
      box.open = used;
    }
    form.addEventListener("submit", () => {
      const custom = period && period.value === "custom";
      form.querySelectorAll("input, select").forEach((f) => {
        if (!f.name) return;
        if (f.value === "" || ((f.name === "start" || f.name === "end") && !custom)) f.disabled = true;
      });
    });
    // Back from the next page, the form is as it was left: with every field usable again.
    window.addEventListener("pageshow", () => form.querySelectorAll("[disabled]").forEach((f) => { f.disabled = false; }));
    form.addEventListener("change", (e) => {
      const f = e.target;
      if (!f.name || f.type === "date" || f.type === "number") return;
      if (f.name === "period" && f.value === "custom") {
        const start = form.querySelector("input[name=start]");
        if (start) start.focus();
        return;
      }
      if (form.requestSubmit) form.requestSubmit(); else form.submit();
    });
  }

  function ready() {
    document.querySelectorAll("table[data-sortable]").forEach(sortable);
    document.querySelectorAll("form[data-report-filters]").forEach(filters);
    drawAll(document);
    // The dashboard's trends arrive after the page: drawn once they are in.
    document.addEventListener("htmx:afterSwap", (e) => {
      if (e.detail.target.querySelector("#dashboard-charts")) drawAll(e.detail.target);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
