/* The console's live parts: the markdown preview while an article is edited (rendered by the server, which keeps
 * raw HTML as text), the upload progress of an import, and a crawl's progress bar following its counters. */
(function () {
  "use strict";
  function csrf(form) {
    var field = form.querySelector("input[name=_csrf]");
    return field ? field.value : "";
  }
  function adopt(target, html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var nodes = Array.prototype.map.call(doc.body.childNodes, function (n) {
      return document.importNode(n, true);
    });
    target.replaceChildren.apply(target, nodes);
  }

  // Markdown preview
  var article = document.getElementById("article-form");
  var preview = document.getElementById("preview");
  if (article && preview) {
    var timer = null;
    var refresh = function () {
      var data = new URLSearchParams();
      data.set("_csrf", csrf(article));
      data.set("body", article.querySelector("[name=body]").value);
      data.set("body_format", article.querySelector("[name=body_format]").value);
      fetch(article.getAttribute("data-preview"), {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRF-Token": csrf(article) },
        body: data
      }).then(function (r) {
        if (r.ok)
          r.text().then(function (html) {
            adopt(preview, html);
            preview.setAttribute("data-rendered", String(Date.now()));
          });
      });
    };
    article.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(refresh, 250);
    });
  }

  // Import: a real progress bar for the upload (the browser reports the bytes sent).
  var importer = document.getElementById("import-form");
  if (importer && window.XMLHttpRequest) {
    importer.addEventListener("submit", function (event) {
      event.preventDefault();
      var bar = document.getElementById("import-progress");
      var request = new XMLHttpRequest();
      request.open("POST", importer.getAttribute("action"));
      request.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) {
          bar.max = e.total;
          bar.value = e.loaded;
        }
      });
      request.addEventListener("load", function () {
        bar.value = bar.max;
        var next = "/console/knowledge";
        try {
          next = JSON.parse(request.responseText).next || next;
        } catch (e) {
          /* not the JSON answer: go to the list */
        }
        location.assign(next);
      });
      request.setRequestHeader("Accept", "application/json");
      bar.hidden = false;
      request.send(new FormData(importer));
    });
  }

  // Crawl: poll its counters until it is done.
  var crawl = document.getElementById("crawl");
  if (crawl) {
    var set = function (id, text) {
      document.getElementById(id).textContent = String(text);
    };
    var poll = function () {
      fetch(crawl.getAttribute("data-status"), { credentials: "same-origin" })
        .then(function (r) {
          return r.json();
        })
        .then(function (c) {
          var bar = document.getElementById("crawl-progress");
          bar.max = Math.max(c.pages_found, 1);
          bar.value = c.pages_fetched;
          set("crawl-status", c.status);
          set("crawl-fetched", c.pages_fetched);
          set("crawl-found", c.pages_found);
          set("crawl-indexed", c.pages_indexed);
          set("crawl-failed", c.pages_failed);
          crawl.setAttribute("data-state", c.status);
          if (c.status === "queued" || c.status === "running") setTimeout(poll, 500);
        });
    };
    if (crawl.getAttribute("data-state") === "queued" || crawl.getAttribute("data-state") === "running") poll();
  }

  // A replay or a simulation: follow its progress, and show the outcome once it is done.
  var replay =
    document.getElementById("replay") || document.getElementById("simulation") || document.getElementById("gate-run");
  if (replay) {
    var follow = function () {
      fetch(replay.getAttribute("data-status"), { credentials: "same-origin" })
        .then(function (r) {
          return r.json();
        })
        .then(function (s) {
          var bar = replay.querySelector("progress");
          bar.max = Math.max(s.progress.total, 1);
          bar.value = s.progress.done;
          if (s.status === "queued" || s.status === "running") setTimeout(follow, 700);
          else location.reload();
        });
    };
    var state = replay.getAttribute("data-state");
    if (state === "queued" || state === "running") setTimeout(follow, 700);
  }

  // Procedure editor: problems by line and field as the author types (checked, never saved), a line-number gutter
  // that marks the lines with problems, and a problem's line selected in the text on a click.
  var procedure = document.getElementById("procedure-form");
  if (procedure) {
    var source = document.getElementById("source");
    var problems = document.getElementById("problems");
    var gutter = document.getElementById("gutter");
    var drawGutter = function () {
      var count = source.value.split("\n").length;
      var bad = {};
      problems.querySelectorAll("li[data-line]").forEach(function (li) {
        bad[li.getAttribute("data-line")] = true;
      });
      var spans = [];
      for (var i = 1; i <= count; i++) {
        var span = document.createElement("span");
        span.textContent = String(i);
        if (bad[String(i)]) span.className = "bad";
        spans.push(span, document.createTextNode("\n"));
      }
      gutter.replaceChildren.apply(gutter, spans);
      source.rows = Math.max(count + 2, 14);
    };
    var checkTimer = null;
    var check = function () {
      var data = new URLSearchParams();
      data.set("_csrf", csrf(procedure));
      data.set("source", source.value);
      fetch(procedure.getAttribute("data-check"), {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRF-Token": csrf(procedure) },
        body: data
      }).then(function (r) {
        if (r.ok)
          r.text().then(function (html) {
            adopt(problems, html);
            problems.setAttribute("data-checked", String(Date.now()));
            drawGutter();
          });
      });
    };
    source.addEventListener("input", function () {
      drawGutter();
      clearTimeout(checkTimer);
      checkTimer = setTimeout(check, 400);
    });
    problems.addEventListener("click", function (event) {
      var target = event.target.closest ? event.target.closest("button.goto") : null;
      if (!target) return;
      var line = Number(target.getAttribute("data-line"));
      var lines = source.value.split("\n");
      var start = 0;
      for (var i = 0; i < line - 1 && i < lines.length; i++) start += lines[i].length + 1;
      source.focus();
      source.setSelectionRange(start, start + (lines[line - 1] || "").length);
    });
  }
})();
