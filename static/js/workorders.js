// Work-order pages: the running timer counts up on the page.
(function () {
  "use strict";
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    document.querySelectorAll(".running[data-since]").forEach(function (el) {
      var since = Date.parse(el.dataset.since);
      if (isNaN(since)) return;
      var s = Math.max(0, Math.floor((Date.now() - since) / 1000));
      var out = el.querySelector(".elapsed");
      if (!out) { out = document.createElement("strong"); out.className = "elapsed"; el.appendChild(document.createTextNode(" ")); el.appendChild(out); }
      out.textContent = Math.floor(s / 3600) + ":" + pad(Math.floor(s / 60) % 60) + ":" + pad(s % 60);
    });
  }
  tick();
  setInterval(tick, 1000);
})();
