// Checklist builder: a check's unit and limits only matter for number checks, so they are hidden
// for the other kinds. Without this script every field shows and the server ignores the extra ones.
(function () {
  "use strict";
  const NUMBER_ONLY = ["unit", "min_value", "max_value"];
  function sync(form) {
    const kind = form.querySelector("select[name=kind]");
    if (!kind) return;
    for (const name of NUMBER_ONLY) {
      const field = form.querySelector(`.field[data-field="${name}"]`);
      if (field) field.classList.toggle("off", kind.value !== "number");
    }
  }
  document.addEventListener("change", (event) => {
    if (event.target.matches(".item-form select[name=kind]")) sync(event.target.closest("form"));
  });
  document.querySelectorAll(".item-form").forEach(sync);
})();
