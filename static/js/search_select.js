// Searchable selects: each <select data-search-url> (rendered with only its chosen options)
// becomes a Tom Select whose options come from the scoped /choices/<kind>/ endpoint as the user types.
(function () {
  "use strict";

  function enhance(select) {
    if (select.tomselect || typeof TomSelect === "undefined") return;
    var url = select.dataset.searchUrl;
    new TomSelect(select, {
      valueField: "value",
      labelField: "text",
      searchField: [],
      // The server has matched the words already (in more columns than the label shows); while
      // the user types, the empty choice steps aside.
      score: function (search) { return function (item) { return search && !item.value ? 0 : 1; }; },
      closeAfterSelect: true,
      // Opened by a tap or by typing, not by focus alone: the click that makes a choice leaves
      // the focus in the box, and the list would open again over the buttons below.
      openOnFocus: false,
      // A single choice made: leave the box, so that an answer still on its way for an earlier
      // keystroke does not open the list again over the buttons below.
      // The list belongs to a box being typed in: opened any other way (an answer arriving after
      // the choice, a refresh), it closes again.
      onDropdownOpen: function () { if (!this.isFocused) this.close(); },
      onItemAdd: function () {
        var ts = this;
        if (!select.multiple) setTimeout(function () { ts.close(); ts.blur(); }, 0);
      },
      allowEmptyOption: true,
      preload: "focus",
      loadThrottle: 250,
      // Every query, the empty one too (the first options on focus), until something is chosen.
      shouldLoad: function (query) { return query.length > 0 || !this.items.length; },
      plugins: select.multiple ? ["remove_button"] : [],
      load: function (query, callback) {
        var ts = this;
        fetch(url + "?q=" + encodeURIComponent(query), {headers: {Accept: "application/json"}, credentials: "same-origin"})
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (options) {
            if (!ts.isFocused) { callback(); return; }  // the choice is made: a late answer opens nothing
            ts.clearOptions();
            callback(options);
          })
          .catch(function () { callback(); });
      },
    });
  }

  function enhanceAll(root) {
    (root.querySelectorAll ? root : document).querySelectorAll("select[data-search-url]").forEach(enhance);
  }

  document.addEventListener("DOMContentLoaded", function () { enhanceAll(document); });
  // Forms that HTMX swaps in (an edit form in a panel, a redrawn asset form) get theirs too.
  document.addEventListener("htmx:load", function (event) { enhanceAll(event.target); });
})();
