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

// @mention suggestions in the comment box: type "@" and a few letters, pick a person.
(function () {
  "use strict";
  var box = document.querySelector("textarea[data-mentions]");
  if (!box) return;
  var people = JSON.parse(document.getElementById(box.dataset.mentions).textContent || "[]");
  var list = box.parentNode.querySelector(".mention-list");
  function word() {
    var before = box.value.slice(0, box.selectionStart);
    var m = before.match(/(^|\s)@([\w.+-]*)$/);
    return m ? m[2] : null;
  }
  function pick(username) {
    var pos = box.selectionStart, before = box.value.slice(0, pos), after = box.value.slice(pos);
    before = before.replace(/@([\w.+-]*)$/, "@" + username + " ");
    box.value = before + after;
    box.setSelectionRange(before.length, before.length);
    list.hidden = true;
    box.focus();
  }
  box.addEventListener("input", function () {
    var w = word();
    if (w === null) { list.hidden = true; return; }
    var q = w.toLowerCase();
    var hits = people.filter(function (p) {
      return p.u.toLowerCase().indexOf(q) === 0 || p.n.toLowerCase().indexOf(q) !== -1;
    }).slice(0, 6);
    list.innerHTML = "";
    hits.forEach(function (p) {
      var li = document.createElement("li");
      li.setAttribute("role", "option");
      li.dataset.username = p.u;
      li.textContent = "@" + p.u + (p.n ? " · " + p.n : "");
      list.appendChild(li);
    });
    list.hidden = hits.length === 0;
  });
  list.addEventListener("mousedown", function (e) {
    var li = e.target.closest("li");
    if (li) { e.preventDefault(); pick(li.dataset.username); }
  });
  box.addEventListener("keydown", function (e) {
    if (!list.hidden && (e.key === "Tab" || e.key === "Enter") && list.firstChild) {
      e.preventDefault();
      pick(list.firstChild.dataset.username);
    } else if (e.key === "Escape") { list.hidden = true; }
  });
})();
