/* The notification bell: unread count and a short toast for each new notification, pushed over
   /ws/notifications/ (the user's own group), reconnecting with back-off. */
(function () {
  "use strict";
  const bell = document.querySelector("[data-notification-bell]");
  if (!bell || !("WebSocket" in window)) return;
  const badge = bell.querySelector("[data-unread]");
  const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
  let delay = 1000;

  function setUnread(n) {
    badge.textContent = n > 99 ? "99+" : String(n);
    badge.hidden = !n;
    bell.title = n ? `${n} unread notification${n === 1 ? "" : "s"}` : "Notifications";
  }

  function toast(p) {
    let stack = document.querySelector(".toast-stack");
    if (!stack) { stack = document.createElement("div"); stack.className = "toast-stack"; stack.setAttribute("role", "status"); document.body.appendChild(stack); }
    const el = document.createElement("div");
    el.className = "toast";
    el.innerHTML = p.url ? `<a href="${esc(p.url)}">${esc(p.title)}</a>` : esc(p.title);
    stack.appendChild(el);
    setTimeout(() => el.remove(), 8000);
  }

  function connect() {
    const proto = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${proto}://${location.host}/ws/notifications/`);
    ws.onopen = () => { delay = 1000; };
    ws.onmessage = (e) => {
      const msg = JSON.parse(e.data);
      if (msg.type === "hello" || msg.type === "notification.read") setUnread(msg.payload.unread || 0);
      if (msg.type === "notification.new") {
        setUnread(msg.payload.unread);
        bell.classList.remove("ring"); void bell.offsetWidth; bell.classList.add("ring");
        toast(msg.payload);
        document.dispatchEvent(new CustomEvent("prosync:notification", {detail: msg.payload}));
      }
    };
    ws.onclose = (e) => {
      if (e.code === 4401) return; // signed out
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }
  connect();
})();
