// Saving a view of a list stores its filters as they are now (the list updates the URL as you
// filter), into the form's data-current-query field, without the page number.
(function () {
  "use strict";
  document.addEventListener("submit", function (e) {
    var q = e.target.querySelector("[data-current-query]");
    if (q) q.value = window.location.search.replace(/^\?/, "").replace(/(^|&)page=\d+/, "");
  });
})();
