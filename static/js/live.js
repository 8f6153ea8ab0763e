/* Live updates: one WebSocket per asset or site on the page (data-live-asset / data-live-site),
   reconnecting with back-off; events update the marked elements in place. */
(function () {
  "use strict";
  const status = () => document.querySelector("[data-live-status]");
  const fmt = (v) => (v === null || v === undefined ? "—" : Number(v).toFixed(2));
  const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
  let open = 0;

  function setStatus() {
    const el = status();
    if (!el) return;
    el.hidden = false; // shown only on pages with a live feed
    el.textContent = open > 0 ? "live" : "offline";
    el.classList.toggle("on", open > 0);
  }

  const handlers = {
    "telemetry.readings"(p) {
      for (const r of p.readings) {
        const v = document.querySelector(`[data-sensor-value="${r.sensor}"]`);
        if (v) { v.textContent = fmt(r.value); v.classList.remove("flash"); void v.offsetWidth; v.classList.add("flash"); }
        const t = document.querySelector(`[data-sensor-ts="${r.sensor}"]`);
        if (t && r.ts) t.textContent = new Date(r.ts).toLocaleTimeString();
      }
    },
    "telemetry.alert"(p) {
      document.querySelectorAll("[data-live-alerts]").forEach((ul) => {
        const existing = ul.querySelector(`[data-alert="${p.id}"]`);
        if (p.status === "closed") { if (existing) existing.remove(); return; }
        const li = existing || document.createElement("li");
        li.dataset.alert = p.id;
        li.className = "sev-" + p.severity;
        li.innerHTML = `${esc(p.title)} <small class="muted">${esc(p.status)}</small>`;
        if (!existing) { ul.querySelectorAll(".empty").forEach((e) => e.remove()); ul.prepend(li); }
      });
    },
    "workorder.updated"(p) {
      // An order page open while someone else moves or edits the order says so, before its
      // reader acts on what they see (their change would be refused as stale anyway).
      document.querySelectorAll(`[data-order-live="${p.id}"]`).forEach((el) => {
        if (Number(p.version) > Number(el.dataset.version) || p.status !== el.dataset.status) {
          const now = el.querySelector("[data-now]");
          if (now) now.textContent = p.status_label || p.status;
          el.hidden = false;
        }
      });
    },
    "predictions.assessment"(p) {
      const set = (sel, text) => { const el = document.querySelector(sel); if (el) el.textContent = text; };
      set("[data-health-score]", Math.round(p.health));
      const score = document.querySelector("[data-health-score]");
      if (score) {
        score.classList.remove("good", "watch", "poor");
        score.classList.add(p.health >= 70 ? "good" : p.health >= 40 ? "watch" : "poor");
      }
      set("[data-health-rul]", Math.round(p.rul));
      set("[data-health-interval]", `(${Math.round(p.rul_lower)}–${Math.round(p.rul_upper)})`);
      set("[data-health-at]", new Date(p.assessed_at).toLocaleString());
      // The sentence at the top of the panel follows, in the words the server wrote it in.
      const line = document.querySelector("[data-health-text]");
      if (line) {
        const band = p.health >= 70 ? "good" : p.health >= 40 ? "watch" : "poor";
        let text = `Health ${Math.round(p.health)}/100`;
        if (band !== "good") {
          const n = Math.max(0, Math.round(p.rul));
          const unit = n === 1 ? (line.dataset.unitOne || line.dataset.unit) : line.dataset.unit;
          text += ` · likely to fail in about ${n} ${unit} (${Math.max(0, Math.round(p.rul_lower))}–${Math.round(p.rul_upper)})`;
        }
        line.textContent = text;
        line.classList.remove("good", "watch", "poor", "none");
        line.classList.add(band);
      }
      document.dispatchEvent(new CustomEvent("prosync:assessment", {detail: p}));
    },
  };

  function connect(path, delay) {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(`${proto}//${location.host}${path}`);
    let opened = false;
    ws.onopen = () => { opened = true; open += 1; setStatus(); delay = 1000; };
    ws.onmessage = (e) => {
      const msg = JSON.parse(e.data);
      const h = handlers[msg.type];
      if (h) h(msg.payload);
      document.dispatchEvent(new CustomEvent("prosync:event", {detail: msg}));
    };
    ws.onclose = (e) => {
      if (opened) open -= 1;
      setStatus();
      if (e.code === 4401 || e.code === 4403) return; // not allowed: retrying will not help
      setTimeout(() => connect(path, Math.min(delay * 2, 30000)), delay);
    };
  }

  // A tab of the asset page that could not be fetched says so and offers a retry, instead of
  // "Loading…" for ever.
  const panelFailed = (e) => {
    const body = e.detail.elt;
    if (!body || !body.matches || !body.matches("[data-panel]")) return;
    const status = e.detail.xhr && e.detail.xhr.status ? ` (${e.detail.xhr.status})` : "";
    body.innerHTML = "";
    const p = document.createElement("p");
    p.className = "error";
    p.setAttribute("role", "alert");
    p.textContent = `This tab could not be loaded${status}. `;
    const retry = document.createElement("button");
    retry.type = "button";
    retry.className = "btn small";
    retry.textContent = "Try again";
    retry.addEventListener("click", () => htmx.ajax("GET", body.getAttribute("hx-get"), {target: body, swap: "innerHTML"}));
    p.append(retry);
    body.append(p);
  };
  document.addEventListener("htmx:responseError", panelFailed);
  document.addEventListener("htmx:sendError", panelFailed);

  document.addEventListener("DOMContentLoaded", () => {
    // "#telemetry:sensor=4&range=7d" names a tab and its state: go to the tab (the browser only
    // goes to a whole id), which also brings its body in.
    const m = /^#([\w-]+):/.exec(location.hash);
    const tab = m && document.getElementById(m[1]);
    if (tab) tab.scrollIntoView();
    // On a phone the filter form folds away unless a filter is set, so the results come first.
    if (window.matchMedia("(max-width: 700px)").matches) {
      document.querySelectorAll("details[data-fold-narrow]").forEach((d) => {
        const used = [...d.querySelectorAll("select, input:not([type=hidden])")].some((f) =>
          f.type === "checkbox" || f.type === "radio" ? f.checked
            : f.multiple ? f.selectedOptions.length > 0 : f.value !== "");
        if (!used) d.open = false;
      });
    }
    const feeds = document.querySelectorAll("[data-live-asset], [data-live-site]");
    if (feeds.length) setStatus();
    document.querySelectorAll("[data-live-asset]").forEach((el) => connect(`/ws/assets/${el.dataset.liveAsset}/`, 1000));
    document.querySelectorAll("[data-live-site]").forEach((el) => connect(`/ws/sites/${el.dataset.liveSite}/`, 1000));
  });
})();
