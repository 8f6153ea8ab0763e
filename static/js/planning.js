// Preventive schedule form: show the calendar fields or the meter fields, per the chosen trigger
// (again after each live check replaces the fields).
(function () {
  var form = document.querySelector(".pm-form");
  if (!form) return;
  var calendar = ["interval", "interval_unit", "anchor", "starts_at", "lead_time_days"];
  var meter = ["meter", "meter_interval", "meter_start", "meter_lead"];
  function sync() {
    var select = form.querySelector("[name=trigger]");
    if (!select) return;
    var trigger = select.value;
    calendar.forEach(function (n) { var f = form.querySelector('[data-field="' + n + '"]'); if (f) f.classList.toggle("off", trigger !== "calendar"); });
    meter.forEach(function (n) { var f = form.querySelector('[data-field="' + n + '"]'); if (f) f.classList.toggle("off", trigger !== "meter"); });
  }
  form.addEventListener("change", function (e) { if (e.target.name === "trigger") sync(); });
  document.body.addEventListener("htmx:afterSettle", sync);
  sync();
})();
