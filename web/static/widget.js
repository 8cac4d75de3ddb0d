/*! Deskpilot chat widget. Embed with one tag:
 *    <script src="https://YOUR-DESKPILOT/widget.js" data-widget-key="dpw_…" async></script>
 *  Optional attributes: data-title (the panel's title), data-open (open on load), data-api-base (another API host).
 *
 *  Plain JavaScript, no framework, no build step. Every piece of customer or agent text reaches the page through
 *  textContent, never as markup: a message holding <img onerror=…> or a javascript: link shows as the text it is.
 *  The widget lives in a shadow root with its own stylesheet (widget.css), so the host page's CSS does not leak in
 *  and a strict Content-Security-Policy (no inline styles or scripts) is all it needs.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var KEY = script && script.getAttribute("data-widget-key");
  if (!KEY || window.__deskpilotWidget) return;
  window.__deskpilotWidget = true;

  var BASE = (script.getAttribute("data-api-base") || new URL(script.src, location.href).origin).replace(/\/+$/, "");
  var WS_BASE = BASE.replace(/^http/, "ws");
  var TITLE = script.getAttribute("data-title") || "Chat with us";
  var STORE = "deskpilot.widget." + KEY.slice(0, 16);
  var MAX_BACKOFF = 10000;

  // --- what survives a reload: the conversation, its client token, ratings given ---------------------------------
  var state = load();
  function load() {
    try {
      return JSON.parse(localStorage.getItem(STORE)) || {};
    } catch (e) {
      return {};
    }
  }
  function save() {
    try {
      localStorage.setItem(STORE, JSON.stringify(state));
    } catch (e) {
      /* private mode: the conversation lasts as long as the page */
    }
  }
  state.rated = state.rated || {};

  // --- what this page has shown ------------------------------------------------------------------------------------
  var last = 0; // the last log position this page has rendered: reconnects resume after it
  var seen = {}; // positions rendered, so that a replayed event is never shown twice
  var pending = []; // customer messages sent and not yet seen on the log: {key, text, el, position, inFlight}
  var awaitingAck = []; // of those, the ones sent on the current socket and not yet answered
  var streams = {}; // turn id -> {el, seq}: replies being written
  var written = {}; // turn ids whose whole reply is shown: their late deltas are dropped
  var socket = null;
  var source = null;
  var useSse = !("WebSocket" in window);
  var wsFailures = 0;
  var retry = 0;
  var timer = null;
  var opening = null;
  var disabled = false;
  var agentName = null;

  // --- DOM ---------------------------------------------------------------------------------------------------------
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text != null) node.textContent = text;
    return node;
  }
  function attrs(node, map) {
    for (var name in map) if (Object.prototype.hasOwnProperty.call(map, name)) node.setAttribute(name, map[name]);
    return node;
  }

  var host = attrs(el("div"), { id: "deskpilot-widget", hidden: "" });
  var root = host.attachShadow({ mode: "open" });
  var sheet = attrs(el("link"), { rel: "stylesheet", href: BASE + "/widget.css" });
  sheet.addEventListener("load", function () {
    host.removeAttribute("hidden");
  });
  root.appendChild(sheet);

  var launcher = attrs(el("button", "dp-launcher", TITLE), {
    type: "button",
    "aria-expanded": "false",
    "aria-controls": "dp-panel"
  });
  var panel = attrs(el("section", "dp-panel"), {
    id: "dp-panel",
    role: "dialog",
    "aria-label": TITLE,
    hidden: ""
  });
  var head = el("header", "dp-head");
  var title = el("h2", "dp-title", TITLE);
  var status = attrs(el("p", "dp-status", "AI assistant"), { role: "status" });
  var close = attrs(el("button", "dp-close", "×"), { type: "button", "aria-label": "Close chat" });
  head.appendChild(title);
  head.appendChild(status);
  head.appendChild(close);

  var log = attrs(el("div", "dp-log"), { role: "log", "aria-live": "polite", "aria-label": "Conversation", tabindex: "0" });
  var typingDots = attrs(el("p", "dp-typing", "Assistant is typing…"), { hidden: "" });
  var notice = attrs(el("p", "dp-notice"), { role: "alert", hidden: "" });

  var csat = attrs(el("form", "dp-csat"), { hidden: "" });
  var csatSet = el("fieldset", "dp-stars");
  csatSet.appendChild(el("legend", null, "How did we do? 1 (bad) to 5 (great)"));
  for (var score = 1; score <= 5; score++) {
    var id = "dp-score-" + score;
    var radio = attrs(el("input"), { type: "radio", name: "score", value: String(score), id: id, required: "" });
    var label = attrs(el("label", null, String(score)), { for: id });
    csatSet.appendChild(radio);
    csatSet.appendChild(label);
  }
  var commentLabel = attrs(el("label", "dp-hidden-label", "Comment (optional)"), { for: "dp-csat-comment" });
  var comment = attrs(el("textarea", "dp-comment"), {
    id: "dp-csat-comment",
    name: "comment",
    rows: "2",
    maxlength: "2000",
    placeholder: "Anything to add? (optional)"
  });
  var csatSend = attrs(el("button", "dp-send", "Send rating"), { type: "submit" });
  csat.appendChild(csatSet);
  csat.appendChild(commentLabel);
  csat.appendChild(comment);
  csat.appendChild(csatSend);

  var compose = el("form", "dp-compose");
  var inputLabel = attrs(el("label", "dp-hidden-label", "Your message"), { for: "dp-input" });
  var input = attrs(el("input", "dp-input"), {
    id: "dp-input",
    type: "text",
    autocomplete: "off",
    maxlength: "8000",
    placeholder: "Write a message…"
  });
  var sendButton = attrs(el("button", "dp-send", "Send"), { type: "submit" });
  compose.appendChild(inputLabel);
  compose.appendChild(input);
  compose.appendChild(sendButton);

  panel.appendChild(head);
  panel.appendChild(log);
  panel.appendChild(typingDots);
  panel.appendChild(notice);
  panel.appendChild(csat);
  panel.appendChild(compose);
  root.appendChild(panel);
  root.appendChild(launcher);

  function show(open) {
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", String(open));
    launcher.hidden = open;
    if (open) input.focus();
    else launcher.focus();
  }
  launcher.addEventListener("click", function () {
    show(true);
  });
  close.addEventListener("click", function () {
    show(false);
  });

  function scroll() {
    log.scrollTop = log.scrollHeight;
  }

  var WHO = { customer: "You", ai: "AI assistant", human: "Support" };
  function bubble(role, text, name) {
    var item = el("div", "dp-msg dp-" + role);
    item.appendChild(el("span", "dp-who", name || WHO[role] || role));
    var body = el("p", "dp-text", text);
    item.appendChild(body);
    log.appendChild(item);
    scroll();
    return { item: item, body: body };
  }
  function line(kind, text) {
    var item = el("p", "dp-line dp-" + kind, text);
    log.appendChild(item);
    scroll();
    return item;
  }
  function say(text) {
    notice.textContent = text;
    notice.hidden = !text;
  }
  function typing(on) {
    typingDots.hidden = !on;
  }
  function setStatus(text) {
    status.textContent = text;
  }
  function disable(text) {
    disabled = true;
    say(text);
    input.disabled = true;
    sendButton.disabled = true;
    typing(false);
  }

  // --- the API -----------------------------------------------------------------------------------------------------
  function api(method, path, body, extra) {
    var headers = { "X-Widget-Key": KEY };
    if (state.token) headers["X-Client-Token"] = state.token;
    if (body) headers["Content-Type"] = "application/json";
    for (var name in extra || {}) headers[name] = extra[name];
    return fetch(BASE + path, {
      method: method,
      headers: headers,
      body: body ? JSON.stringify(body) : undefined,
      credentials: "omit",
      cache: "no-store"
    }).then(function (response) {
      if (!response.ok) {
        var error = new Error("HTTP " + response.status);
        error.status = response.status;
        error.retryAfter = Number(response.headers.get("Retry-After")) || 5;
        throw error;
      }
      return response.status === 204 ? null : response.json();
    });
  }
  function path(suffix) {
    return "/v1/conversations/chat/" + encodeURIComponent(state.cid) + suffix;
  }
  function query(after) {
    return "key=" + encodeURIComponent(KEY) + "&token=" + encodeURIComponent(state.token) + "&after=" + after;
  }
  function refused(error) {
    if (error.status === 403) disable("This chat is not available on this site.");
    else if (error.status === 401) disable("This chat is not available.");
    else if (error.status === 402) disable("We can't take new conversations right now. Please try again later.");
    else if (error.status === 429) say("Too many conversations from your network; please try again in a moment.");
    else say("We can't reach the chat right now; retrying…");
  }

  function ensureConversation() {
    if (state.cid) return Promise.resolve();
    if (!opening) {
      opening = api("POST", "/v1/conversations/chat", {}).then(
        function (opened) {
          state.cid = opened.conversation_id;
          state.token = opened.client_token;
          state.rated = {};
          save();
          say("");
          connect();
        },
        function (error) {
          opening = null;
          refused(error);
          throw error;
        }
      );
    }
    return opening;
  }

  // A conversation the server no longer knows for this key (revoked, another key): start afresh on the next message.
  function forget() {
    state = { rated: {} };
    save();
    last = 0;
    opening = null;
  }

  // --- frames ------------------------------------------------------------------------------------------------------
  function handle(frame) {
    switch (frame.kind) {
      case "delta":
        return onDelta(frame);
      case "accepted":
        return onAccepted(frame);
      case "error":
        return onError(frame);
      case "event":
      case "progress":
        break;
      default:
        return;
    }
    if (frame.position == null || seen[frame.position]) return;
    seen[frame.position] = true;
    if (frame.position > last) last = frame.position;
    if (frame.kind === "progress") {
      line("progress", frame.text);
      typing(true);
      return;
    }
    onEvent(frame);
  }

  function onEvent(frame) {
    switch (frame.type) {
      case "message.received":
        return adopt(frame);
      case "agent.replied":
        typing(false);
        return finishStream(frame.turn_id, frame.text);
      case "human.replied":
        typing(false);
        return bubble("human", frame.text, frame.agent_name);
      case "human.assigned":
        agentName = frame.agent_name || agentName;
        setStatus(agentName ? agentName + " is here" : "A person is here");
        typing(false);
        return line("system", frame.text);
      case "conversation.handed_back":
        line("system", (agentName ? agentName + " left the conversation. " : "") + "The AI assistant is back.");
        agentName = null;
        return setStatus("AI assistant");
      case "conversation.resolved":
        typing(false);
        return line("system", frame.text);
      case "csat.requested":
        return askRating(frame.ticket_id);
      default:
        return line("system", frame.text || "");
    }
  }

  // The customer's own message, back from the log: the bubble shown when it was sent becomes the logged one.
  function adopt(frame) {
    for (var i = 0; i < pending.length; i++) {
      var mine = pending[i];
      if (mine.position === frame.position || (mine.position == null && mine.text === frame.text)) {
        mine.position = frame.position;
        settle(mine);
        return;
      }
    }
    bubble("customer", frame.text);
  }

  // Socket answers come in the order messages were sent on that socket: the first waiting one is answered.
  function onAccepted(frame) {
    var mine = awaitingAck.shift();
    if (!mine) return;
    mine.inFlight = false;
    mine.position = frame.position;
    if (seen[frame.position]) settle(mine);
  }
  function settle(mine) {
    var at = pending.indexOf(mine);
    if (at >= 0) pending.splice(at, 1);
    mine.el.item.classList.remove("dp-pending");
  }

  // A model call's text streams as deltas (seq from 0, then one with final=true). A turn that calls the model again
  // after a tool starts again from seq 0: its text replaces what the earlier call wrote.
  function onDelta(frame) {
    if (written[frame.turn_id]) return;
    var stream = streams[frame.turn_id];
    if (!stream) {
      stream = streams[frame.turn_id] = { el: bubble("ai", ""), seq: -1, closed: false };
      stream.el.item.classList.add("dp-streaming");
      stream.el.item.setAttribute("aria-busy", "true");
    } else if (stream.closed) {
      if (frame.final) return;
      stream.closed = false;
      stream.seq = -1;
      stream.el.body.textContent = "";
    }
    if (frame.seq <= stream.seq) return;
    stream.seq = frame.seq;
    if (frame.final) {
      stream.closed = true;
      return;
    }
    typing(false);
    if (frame.text) {
      stream.el.body.textContent += frame.text;
      scroll();
    }
  }

  // The stored reply ends the stream that wrote it (its text is the whole reply, whatever deltas were missed); a
  // reply whose deltas come after it (they travel apart from the log) is not drawn a second time.
  function finishStream(turnId, text) {
    if (turnId) written[turnId] = true;
    var stream = turnId ? streams[turnId] : null;
    if (!stream && !turnId) {
      for (var turn in streams) {
        if (Object.prototype.hasOwnProperty.call(streams, turn)) {
          stream = streams[turn];
          turnId = turn;
          break;
        }
      }
    }
    if (!stream) return bubble("ai", text);
    delete streams[turnId];
    stream.el.body.textContent = text;
    stream.el.item.classList.remove("dp-streaming");
    stream.el.item.removeAttribute("aria-busy");
  }

  function onError(frame) {
    if (frame.code === "widget_key_revoked") {
      stop();
      forget();
      disable("This chat has been closed.");
    } else if (frame.code === "rate_limited") {
      var mine = awaitingAck.shift();
      if (mine) mine.inFlight = false;
      say("You're sending messages quickly; trying again in " + (frame.retry_after || 1) + " s.");
      later(resend, (frame.retry_after || 1) * 1000);
    } else if (frame.detail) {
      var refusedMessage = awaitingAck.shift();
      if (refusedMessage) {
        settle(refusedMessage);
        refusedMessage.el.item.classList.add("dp-failed");
      }
      say(frame.detail);
    }
  }

  // --- rating ------------------------------------------------------------------------------------------------------
  var ratingTicket = null;
  function askRating(ticketId) {
    if (!ticketId || state.rated[ticketId]) return;
    ratingTicket = ticketId;
    csat.hidden = false;
    scroll();
  }
  csat.addEventListener("submit", function (event) {
    event.preventDefault();
    var chosen = csat.querySelector("input[name=score]:checked");
    if (!chosen || !ratingTicket) return;
    var score = Number(chosen.value);
    csatSend.disabled = true;
    api("POST", path("/csat"), { score: score, comment: comment.value.trim() || null }).then(
      function () {
        done(score);
      },
      function (error) {
        if (error.status === 409) done(score);
        else {
          csatSend.disabled = false;
          say("Your rating could not be sent; please try again.");
        }
      }
    );
  });
  function done(score) {
    state.rated[ratingTicket] = score;
    save();
    csat.hidden = true;
    line("system", "Thanks for your rating (" + score + " of 5).");
  }

  // --- sending -----------------------------------------------------------------------------------------------------
  function uid() {
    var bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    return Array.prototype.map
      .call(bytes, function (b) {
        return ("0" + b.toString(16)).slice(-2);
      })
      .join("");
  }

  compose.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text || disabled) return;
    input.value = "";
    var mine = { key: uid(), text: text, el: bubble("customer", text), position: null };
    mine.el.item.classList.add("dp-pending");
    pending.push(mine);
    typing(true);
    ensureConversation().then(
      function () {
        deliver(mine);
      },
      function () {
        mine.el.item.classList.add("dp-failed");
        typing(false);
      }
    );
  });

  // On the socket when it is open, else over HTTP; the idempotency key makes a resend after a drop land once.
  function deliver(mine) {
    if (socket && socket.readyState === 0) return; // sent as soon as the socket opens (or over HTTP if it fails)
    mine.inFlight = true;
    if (socket && socket.readyState === 1) {
      awaitingAck.push(mine);
      socket.send(JSON.stringify({ type: "message", text: mine.text, idempotency_key: mine.key }));
      return;
    }
    api("POST", path("/messages"), { text: mine.text }, { "Idempotency-Key": mine.key }).then(
      function (accepted) {
        mine.inFlight = false;
        mine.position = accepted.position;
        if (seen[accepted.position]) settle(mine);
      },
      function (error) {
        mine.inFlight = false;
        if (error.status === 429) {
          say("You're sending messages quickly; trying again in " + error.retryAfter + " s.");
          later(resend, error.retryAfter * 1000);
        } else if (error.status === 401 || error.status === 403 || error.status === 404) {
          refused(error);
        } else {
          later(resend, 2000);
        }
      }
    );
  }
  function resend() {
    say("");
    pending.forEach(function (mine) {
      if (mine.position == null && !mine.inFlight) deliver(mine);
    });
  }

  // --- live delivery: WebSocket, else server-sent events; both resume after the last position shown -------------
  function later(fn, ms) {
    setTimeout(fn, ms);
  }
  function schedule() {
    clearTimeout(timer);
    var delay = Math.min(MAX_BACKOFF, 500 * Math.pow(2, retry++));
    setStatus("Reconnecting…");
    timer = setTimeout(connect, delay);
  }
  function stop() {
    clearTimeout(timer);
    if (socket) {
      socket.onclose = null;
      socket.close();
      socket = null;
    }
    if (source) {
      source.close();
      source = null;
    }
  }
  function online() {
    retry = 0;
    setStatus(agentName ? agentName + " is here" : "AI assistant");
  }

  function connect() {
    if (disabled || !state.cid) return;
    stop();
    if (useSse) return connectSse();
    var opened = false;
    var ws = (socket = new WebSocket(WS_BASE + path("/ws?") + query(last)));
    ws.onopen = function () {
      opened = true;
      wsFailures = 0;
      online();
      // What the last socket took but never answered is sent again: its idempotency key makes it land once.
      awaitingAck.forEach(function (mine) {
        mine.inFlight = false;
      });
      awaitingAck = [];
      resend();
    };
    ws.onmessage = function (message) {
      var frame;
      try {
        frame = JSON.parse(message.data);
      } catch (e) {
        return;
      }
      handle(frame);
    };
    ws.onclose = function () {
      if (socket !== ws) return;
      socket = null;
      if (opened) return schedule();
      // Refused before it opened: ask over HTTP why (key, origin, token), or fall back to SSE if sockets are blocked.
      checkAccess().then(function (ok) {
        if (!ok) return;
        if (++wsFailures >= 2) useSse = true;
        resend();
        schedule();
      });
    };
  }

  function connectSse() {
    var es = (source = new EventSource(BASE + path("/events?") + query(last)));
    es.onopen = online;
    ["event", "delta", "progress"].forEach(function (name) {
      es.addEventListener(name, function (message) {
        try {
          handle(JSON.parse(message.data));
        } catch (e) {
          /* not a frame */
        }
      });
    });
    // The server's own "error" frames and the connection's errors share the event name; only the former have data.
    es.addEventListener("error", function (message) {
      if (message.data) {
        try {
          handle(JSON.parse(message.data));
        } catch (e) {
          /* not a frame */
        }
        return;
      }
      if (source !== es) return;
      es.close();
      source = null;
      checkAccess().then(function (ok) {
        if (ok) schedule();
      });
    });
  }

  // Whether this conversation may still be used from here; false (and the widget says why) if not.
  function checkAccess() {
    return api("GET", path("?after=" + last)).then(
      function (history) {
        history.events.forEach(handle);
        return true;
      },
      function (error) {
        if (error.status === 404 || error.status === 401) {
          forget();
          say(error.status === 401 ? "This chat has been closed." : "");
          if (error.status === 401) disable("This chat is not available.");
          return false;
        }
        if (error.status === 403) {
          refused(error);
          return false;
        }
        return true;
      }
    );
  }

  // A reload: the page shows nothing yet, so the history comes from the log, then live delivery after it.
  function restore() {
    api("GET", path("?after=0")).then(
      function (history) {
        history.events.forEach(handle);
        typing(false);
        connect();
      },
      function (error) {
        if (error.status === 404 || error.status === 401) forget();
        else if (error.status === 403) refused(error);
        else later(restore, 2000);
      }
    );
  }

  function start() {
    document.body.appendChild(host);
    if (script.hasAttribute("data-open")) show(true);
    if (state.cid) restore();
  }
  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
