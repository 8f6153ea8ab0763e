// The alarm-rule editor (form.rule-form): only the fields of the chosen condition are shown, and
// on every change the server checks the whole rule (a POST with _validate=1, nothing is saved);
// only the error messages are brought over, so what the user is typing is never replaced. The
// form is swapped in again by htmx after a refused save, so everything hangs off the document.
(function () {
  "use strict";
  var seqs = new WeakMap();

  function show(form) {
    var c = form.querySelector("[name=condition]").value;
    form.querySelectorAll("[data-show]").forEach(function (el) { el.hidden = !el.dataset.show.split(" ").includes(c); });
  }
  function showAll(root) {
    (root || document).querySelectorAll("form.rule-form").forEach(show);
  }

  document.addEventListener("DOMContentLoaded", function () { showAll(document); });
  document.addEventListener("htmx:load", function (e) { showAll(e.target.parentNode || document); });

  document.addEventListener("change", async function (e) {
    var form = e.target.closest && e.target.closest("form.rule-form");
    if (!form) return;
    show(form);
    var mine = (seqs.get(form) || 0) + 1;
    seqs.set(form, mine);
    var data = new FormData(form);
    data.set("_validate", "1");
    var resp = await fetch(form.action, {method: "POST", body: data, headers: {"HX-Request": "true"}});
    if (mine !== seqs.get(form) || !resp.ok) return;
    var doc = new DOMParser().parseFromString(await resp.text(), "text/html");
    form.querySelectorAll(".field").forEach(function (field) {
      var input = field.querySelector("[name]");
      var match = input && doc.querySelector('.field [name="' + CSS.escape(input.name) + '"]');
      var fresh = match && match.closest(".field");
      field.querySelectorAll(".field-error").forEach(function (x) { x.remove(); });
      var errors = fresh ? fresh.querySelectorAll(".field-error") : [];
      field.classList.toggle("has-error", errors.length > 0);
      errors.forEach(function (x) { field.append(x); });
    });
    var top = doc.querySelector(".form-errors");
    form.querySelectorAll(".form-errors").forEach(function (x) { x.remove(); });
    if (top) form.querySelector("[name=_validate]").after(top);
  });
})();
