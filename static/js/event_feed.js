// Activity lists (data-live-events): new events arrive over the page's live feed
// (telemetry.event) and go on top of the list; a list inside data-event-asset shows that asset's only.
(function () {
  "use strict";
  document.addEventListener("prosync:event", function (e) {
    var msg = e.detail;
    if (msg.type !== "telemetry.event") return;
    var p = msg.payload;
    document.querySelectorAll("[data-live-events]").forEach(function (ol) {
      var scope = ol.closest("[data-event-asset]");
      if (scope && String(p.asset) !== scope.dataset.eventAsset) return;
      var li = document.createElement("li");
      li.className = "sev-" + p.severity + " new";
      var time = document.createElement("time");
      time.dateTime = p.at; time.textContent = new Date(p.at).toLocaleString();
      var kind = document.createElement("span");
      kind.className = "pill kind"; kind.title = p.kind;
      var area = p.kind.split(".")[0];
      kind.textContent = ({workorder: "Work order", alarm: "Alarm", asset: "Asset", meter: "Meter"})[area] || area;
      li.append(time, " ", kind, " ", p.title);
      ol.querySelectorAll(".empty").forEach(function (x) { x.remove(); });
      ol.prepend(li);
    });
  });
})();
