// Preventive schedule form: show the calendar fields or the meter fields, per the chosen trigger.
(function () {
  var form = document.querySelector(".pm-form");
  if (!form) return;
  var calendar = ["interval", "interval_unit", "anchor", "starts_at", "lead_time_days"];
  var meter = ["meter", "meter_interval", "meter_start", "meter_lead"];
  function sync() {
    var trigger = form.querySelector("[name=trigger]").value;
    calendar.forEach(function (n) { var f = form.querySelector('[data-field="' + n + '"]'); if (f) f.classList.toggle("off", trigger !== "calendar"); });
    meter.forEach(function (n) { var f = form.querySelector('[data-field="' + n + '"]'); if (f) f.classList.toggle("off", trigger !== "meter"); });
  }
  form.querySelector("[name=trigger]").addEventListener("change", sync);
  sync();
})();
