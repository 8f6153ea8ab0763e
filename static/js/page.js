// Small behaviours any page may use, declared in the markup instead of inline handlers (the
// Content-Security-Policy runs no inline code): a form with data-confirm="question" asks before it
// is sent; a button with data-print prints the page.
(function () {
  "use strict";
  // Capture phase: the question comes before htmx or any other listener sends the form.
  document.addEventListener("submit", function (e) {
    var question = e.target.getAttribute && e.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      e.preventDefault();
      e.stopImmediatePropagation();
    }
  }, true);
  document.addEventListener("click", function (e) {
    if (e.target.closest && e.target.closest("button[data-print]")) window.print();
  });
})();
