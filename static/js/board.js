// Kanban board of work orders: dropping a card (or choosing "Move to") posts the transition to the
// API; the server decides. A refused move puts the card back where it was, with the reason on it.
(function () {
  "use strict";
  var board = document.getElementById("board");
  if (!board || board.dataset.mayChange !== "1") return;
  var transitions = JSON.parse(document.getElementById("transitions").textContent);
  var csrf = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"];
  var dragged = null;

  function column(status) { return board.querySelector('.board-col[data-status="' + status + '"]'); }
  function bump(status, delta) {
    var c = column(status).querySelector("[data-count]");
    if (!c) return;  // a column counted up to its cap ("1000+") keeps its figure
    c.textContent = String(parseInt(c.textContent, 10) + delta);
  }
  function tidy(list) {
    var empty = list.querySelector("[data-empty]");
    var cards = list.querySelectorAll(".wo-card").length;
    if (empty) empty.hidden = cards > 0;
  }
  function reason(body) {
    if (!body) return "The move was refused.";
    if (body.detail) return body.detail;
    return Object.keys(body).map(function (k) { return [].concat(body[k]).join(" "); }).join(" ");
  }
  function setMenu(card, status) {
    card.dataset.allowed = transitions[status].map(function (t) { return t[0]; }).join(" ");
    var select = card.querySelector("[data-move]");
    if (!select) return;
    select.innerHTML = '<option value="">…</option>' + transitions[status].map(function (t) {
      return '<option value="' + t[0] + '">' + t[1] + "</option>";
    }).join("");
    select.closest("label").hidden = transitions[status].length === 0;
  }

  // A move to Assigned asks who leads the order, a move to Cancelled asks why: a small dialog,
  // and the card moves only once it is answered.
  var dialog = document.getElementById("move-dialog");
  var peopleEl = document.getElementById("board-people");
  var people = peopleEl ? JSON.parse(peopleEl.textContent) : {};
  var ASKS = {assigned: "Assign", cancelled: "Cancel"};

  function ask(card, target, then) {
    var form = dialog.querySelector("[data-move-form]");
    var number = card.querySelector(".wo-num").textContent;
    dialog.querySelector("[data-move-title]").textContent = ASKS[target] + " " + number;
    form.querySelectorAll("[data-ask]").forEach(function (label) {
      var on = label.dataset.ask === target;
      label.hidden = !on;
      label.querySelector("select, textarea").disabled = !on;
    });
    var select = form.elements.assignee;
    select.length = 1;
    (people[card.dataset.site] || []).forEach(function (p) { select.add(new Option(p[1], p[0])); });
    form.elements.note.value = "";
    dialog.returnValue = "";
    dialog.addEventListener("close", function done() {
      dialog.removeEventListener("close", done);
      if (dialog.returnValue !== "ok") return;
      then(target === "assigned" ? {assignee: parseInt(select.value, 10)} : {note: form.elements.note.value.trim()});
    });
    dialog.showModal();
    (target === "assigned" ? select : form.elements.note).focus();
  }

  function move(card, target) {
    var from = card.dataset.status;
    if (!target || target === from) return;
    if (ASKS[target] && dialog) {
      ask(card, target, function (extra) { send(card, target, extra); });
      return;
    }
    send(card, target, {});
  }

  function send(card, target, extra) {
    var from = card.dataset.status;
    var home = card.parentNode, next = card.nextSibling;
    var error = card.querySelector(".card-error");
    error.hidden = true;
    var list = column(target).querySelector("[data-drop]");
    list.insertBefore(card, list.firstChild);
    tidy(list); tidy(home);
    card.classList.add("moving");
    fetch("/api/v1/work-orders/" + card.dataset.id + "/transition/", {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf},
      body: JSON.stringify(Object.assign({status: target, version: parseInt(card.dataset.version, 10)}, extra))
    }).then(function (r) {
      return r.json().catch(function () { return null; }).then(function (body) { return {ok: r.ok, body: body}; });
    }).then(function (res) {
      card.classList.remove("moving");
      if (res.ok) {
        card.dataset.status = res.body.status;
        card.dataset.version = res.body.version;
        bump(from, -1); bump(target, 1);
        setMenu(card, target);
        if (extra.assignee) {  // the card names its new lead
          var who = (people[card.dataset.site] || []).filter(function (p) { return p[0] === extra.assignee; })[0];
          var line = card.querySelector(".muted.small");
          if (who && line) line.textContent = line.textContent.replace("unassigned", who[1]);
        }
        card.classList.add("moved");
        return;
      }
      home.insertBefore(card, next);  // back where it was
      tidy(list); tidy(home);
      error.textContent = reason(res.body);
      if (res.body && (res.body.problem_code || res.body.outcome)) {
        error.insertAdjacentHTML("beforeend", ' <a href="/work-orders/' + card.dataset.id + '/#move">Open the order</a>');
      }
      error.hidden = false;
      card.classList.add("refused");
      setTimeout(function () { card.classList.remove("refused"); }, 1500);
    }).catch(function () {
      card.classList.remove("moving");
      home.insertBefore(card, next);
      tidy(list); tidy(home);
      error.textContent = "No connection: the order was not moved.";
      error.hidden = false;
    });
  }

  board.addEventListener("dragstart", function (e) {
    dragged = e.target.closest(".wo-card");
    if (!dragged) return;
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", dragged.dataset.id);
    board.classList.add("dragging");
  });
  board.addEventListener("dragend", function () {
    board.classList.remove("dragging");
    board.querySelectorAll(".drop-ok").forEach(function (el) { el.classList.remove("drop-ok"); });
  });
  board.addEventListener("dragover", function (e) {
    var col = e.target.closest(".board-col");
    if (!col || !dragged) return;
    e.preventDefault();
    col.classList.add("drop-ok");
  });
  board.addEventListener("dragleave", function (e) {
    var col = e.target.closest(".board-col");
    if (col && !col.contains(e.relatedTarget)) col.classList.remove("drop-ok");
  });
  board.addEventListener("drop", function (e) {
    var col = e.target.closest(".board-col");
    if (!col || !dragged) return;
    e.preventDefault();
    col.classList.remove("drop-ok");
    var card = dragged;
    dragged = null;
    move(card, col.dataset.status);
  });
  board.addEventListener("change", function (e) {
    if (!e.target.matches("[data-move]")) return;
    var card = e.target.closest(".wo-card"), target = e.target.value;
    e.target.value = "";
    move(card, target);
  });
})();
