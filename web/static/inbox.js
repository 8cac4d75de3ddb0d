/* The inbox's live parts: SLA countdowns, and the queue or the open conversation refreshed when the platform says
 * something changed (server-sent events relayed from ticketing's live feed). The refreshed HTML comes from this
 * site's own templates, which escape every value; it is parsed into an inert document and its nodes moved in. */
(function () {
  "use strict";

  function span(seconds) {
    var s = Math.abs(seconds);
    if (s >= 3600) return Math.floor(s / 3600) + "h " + Math.floor((s % 3600) / 60) + "m";
    return Math.floor(s / 60) + "m " + (s % 60) + "s";
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("time.sla[datetime]").forEach(function (t) {
      var left = Math.round((Date.parse(t.getAttribute("datetime")) - now) / 1000);
      t.textContent = left > 0 ? span(left) + " left" : "breached " + span(left) + " ago";
      t.classList.toggle("breached", left <= 0);
    });
  }
  tick();
  setInterval(tick, 1000);

  var queue = document.getElementById("queue");
  var live = document.getElementById("live");
  var region = queue || live;
  if (!region || !window.EventSource) return;
  var fragmentUrl = region.getAttribute("data-live") + (queue ? location.search : "");
  var conversation = live ? live.getAttribute("data-conversation") : null;
  var state = document.getElementById("live-state");
  var timer = null;
  var waiting = false;

  function swap(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    if (queue) {
      var rows = doc.getElementById("queue-rows");
      var old = document.getElementById("queue-rows");
      if (rows && old) old.replaceWith(document.importNode(rows, true));
    } else {
      // The ticket's actions live in the page's side column: swapped in place, the rest fills the live region.
      var actions = doc.getElementById("ticket-actions");
      var shown = document.getElementById("ticket-actions");
      if (actions) {
        actions.remove();
        if (shown) shown.replaceWith(document.importNode(actions, true));
      }
      var nodes = Array.prototype.map.call(doc.body.childNodes, function (n) {
        return document.importNode(n, true);
      });
      live.replaceChildren.apply(live, nodes);
    }
    tick();
    region.setAttribute("data-refreshed", String(Date.now()));
  }
  function refresh() {
    // Someone typing in the refreshed part (an approval note) keeps their text: refresh when they leave it.
    if (region.contains(document.activeElement) && document.activeElement.tagName === "INPUT") {
      waiting = true;
      return;
    }
    fetch(fragmentUrl, { credentials: "same-origin", headers: { Accept: "text/html" } }).then(function (r) {
      if (r.status === 200) return r.text().then(swap);
      if (r.redirected || r.status === 401 || r.status === 403) location.reload();
    });
  }
  region.addEventListener("focusout", function () {
    if (waiting) {
      waiting = false;
      refresh();
    }
  });
  function soon() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 150);
  }

  var source = new EventSource(region.getAttribute("data-stream"));
  source.addEventListener("ready", function () {
    if (state) state.textContent = "Live: new handoffs appear here as they come.";
    region.setAttribute("data-live-ready", "true");
    soon(); // whatever happened while the stream was down
  });
  source.addEventListener("change", function (message) {
    var notice = JSON.parse(message.data);
    if (!conversation || notice.conversation_id === conversation) soon();
  });
  source.addEventListener("note", function () {
    if (live) soon();
  });
  source.addEventListener("error", function () {
    if (state) state.textContent = "Live updates reconnecting…";
  });
})();
