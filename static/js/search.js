// The header's search box: Ctrl-K (Cmd-K) or "/" focuses it, its icon opens it on a phone, the
// arrow keys walk the dropdown of top results, and Escape or leaving the box closes the dropdown.
(function () {
  "use strict";
  const form = document.querySelector("[data-global-search]");
  if (!form) return;
  const input = form.querySelector("input[name=q]");
  const results = form.querySelector("[data-search-results]");

  function open() {
    form.classList.add("open");
    input.focus();
    input.select();
  }
  function closeResults() { results.hidden = true; }
  function links() { return Array.from(results.querySelectorAll("a")); }

  document.addEventListener("keydown", (e) => {
    const typing = e.target.closest && e.target.closest("input, textarea, select, [contenteditable]");
    if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === "k") {
      e.preventDefault();
      open();
    } else if (e.key === "/" && !typing && !e.ctrlKey && !e.metaKey && !e.altKey) {
      e.preventDefault();
      open();
    }
  });
  form.querySelector("[data-search-open]").addEventListener("click", (e) => {
    e.preventDefault();
    open();
  });
  input.addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      closeResults();
      if (!input.value) form.classList.remove("open");
      input.blur();
    } else if (e.key === "ArrowDown" && links().length && !results.hidden) {
      e.preventDefault();
      links()[0].focus();
    }
  });
  results.addEventListener("keydown", (e) => {
    const all = links();
    const at = all.indexOf(document.activeElement);
    if (e.key === "ArrowDown" && at < all.length - 1) {
      e.preventDefault();
      all[at + 1].focus();
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      (at > 0 ? all[at - 1] : input).focus();
    } else if (e.key === "Escape") {
      closeResults();
      input.focus();
    }
  });
  form.addEventListener("focusout", (e) => {
    if (form.contains(e.relatedTarget)) return;
    closeResults();
    if (!input.value) form.classList.remove("open");
  });
  form.addEventListener("focusin", () => {
    results.hidden = !results.textContent.trim();
  });
  results.addEventListener("htmx:afterSwap", () => {
    results.hidden = !results.textContent.trim() || !form.contains(document.activeElement);
  });
  // A short box (one letter) asks nothing; what it showed before goes.
  input.addEventListener("input", () => {
    if (input.value.trim().length < 2) {
      results.replaceChildren();
      closeResults();
    }
  });
})();
