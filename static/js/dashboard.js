// The live dashboard: draws the Plotly figures the server put in the page, then
// polls live.json every 2 s with If-None-Match. A 304 (nothing new) costs the
// server one query and us nothing; a 200 redraws the charts with Plotly.react
// and refreshes the numbers and the comments. Why polling and not server-sent
// events: see survey/web/organiser/dashboard.py.
// Trainees' texts are inserted with textContent only, never as HTML.
(function () {
  "use strict";
  var VISIBLE_DELAY = 2000;   // a new response shows within 3 s
  var HIDDEN_DELAY = 30000;   // a background tab asks rarely
  var MAX_ERROR_DELAY = 60000;

  var root = document.getElementById("live");
  var initial = document.getElementById("figures");
  if (!root || !initial) { return; }
  var plotly = window.Plotly;
  // topojsonURL: plotly's default names an outside host (for maps, which we never draw).
  var config = { displaylogo: false, responsive: true, locale: document.documentElement.lang, topojsonURL: "/static/vendor/plotly/" };
  var charts = root.querySelector(".charts");
  var etag = root.getAttribute("data-etag") || "";
  var errorDelay = 0;
  var timer = null;
  var stopped = false;
  var busy = false;

  function chartFor(code) {
    var id = "chart-" + code;
    var target = document.getElementById(id);
    if (!target && charts) {
      target = document.createElement("figure");
      target.className = "chart card";
      target.id = id;
      target.setAttribute("data-chart", code);
      charts.appendChild(target);
    }
    return target;
  }

  // Plotly's responsive resize (a window resized, a phone turned) drops the
  // figure's height and fills its element instead. So it draws in a box of its
  // own that keeps the figure's height, while the card stretches to its row.
  function plotFor(code) {
    var card = chartFor(code);
    if (!card) { return null; }
    var plot = card.querySelector(".chart__plot");
    if (!plot) {
      plot = document.createElement("div");
      plot.className = "chart__plot";
      card.appendChild(plot);
    }
    return plot;
  }

  function draw(figures) {
    if (!plotly) { return; }
    figures.forEach(function (figure) {
      var target = plotFor(figure.code);
      var spec = JSON.parse(figure.json);
      if (!target) { return; }
      if (spec.layout && spec.layout.height) { target.style.height = spec.layout.height + "px"; }
      plotly.react(target, spec.data, spec.layout, config);
    });
  }

  function setText(selector, text) {
    var node = root.querySelector(selector);
    if (node) { node.textContent = text; }
    return node;
  }

  function updateKpis(kpis) {
    var responses = root.querySelector('[data-kpi="responses"]');
    if (responses) {
      // The count is the element's first text node; "/ 29" sits in its own span.
      if (responses.firstChild && responses.firstChild.nodeType === Node.TEXT_NODE) {
        responses.firstChild.nodeValue = String(kpis.responses);
      } else {
        responses.insertBefore(document.createTextNode(String(kpis.responses)), responses.firstChild);
      }
      var of = responses.querySelector(".kpi__of");
      if (of && kpis.expected) { of.textContent = " / " + kpis.expected; }
    }
    if (kpis.rate !== null) { setText('[data-kpi="rate"]', kpis.rate + " %"); }
    var waiting = root.querySelector('[data-kpi="waiting"]');
    if (waiting) {
      // Said by the server, in the page language: how many wait for the next batch of k.
      waiting.textContent = kpis.waiting_note || "";
      waiting.hidden = !kpis.waiting_note;
    }
    var excluded = root.querySelector('[data-kpi="excluded"]');
    if (excluded) {
      excluded.hidden = !kpis.excluded;
      setText('[data-kpi="excluded-count"]', String(kpis.excluded));
    }
    var status = document.querySelector('[data-kpi="status"]');
    if (status) {
      status.textContent = kpis.status_label;
      status.className = "badge badge--" + kpis.status;
    }
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function updateComments(comments) {
    var list = document.getElementById("comment-list");
    var empty = document.getElementById("no-comments");
    if (!list) { return; }
    var items = comments.map(function (comment) {
      var item = element("li", "comment");
      var text = element("p", "comment__text", comment.text);
      text.setAttribute("dir", "auto");
      var meta = element("p", "comment__meta muted");
      // No language where few share it or its group is too small to name, and never a
      // time: see docs/anonymity.md.
      if (comment.language) {
        text.setAttribute("lang", comment.language);
        meta.appendChild(element("span", "badge", comment.language.toUpperCase()));
        meta.appendChild(document.createTextNode(" "));
      }
      meta.appendChild(element("span", "", comment.question_text));
      item.appendChild(text);
      item.appendChild(meta);
      return item;
    });
    list.replaceChildren.apply(list, items);
    if (empty) { empty.hidden = comments.length > 0; }
  }

  function stop() {
    stopped = true;
    if (timer) { clearTimeout(timer); }
    var state = document.getElementById("live-state");
    if (state) { state.hidden = false; }
  }

  function schedule(delay) {
    if (stopped) { return; }
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(poll, delay);
  }

  function nextDelay() {
    if (errorDelay) { return errorDelay; }
    return document.hidden ? HIDDEN_DELAY : VISIBLE_DELAY;
  }

  function poll() {
    timer = null;
    if (stopped || busy) { return; }
    busy = true;
    var started = Date.now();
    var headers = { "Accept": "application/json" };
    if (etag) { headers["If-None-Match"] = etag; }
    fetch(root.getAttribute("data-url"), { headers: headers, credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (response.status === 304) { return null; }
        // Signed out (the login page), no longer allowed, or the programme is gone.
        if (response.redirected || response.status === 401 || response.status === 403 || response.status === 404) {
          stop();
          return null;
        }
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        etag = response.headers.get("ETag") || "";
        return response.json();
      })
      .then(function (payload) {
        errorDelay = 0;
        var first = payload && payload.kpis.responses > 0 && document.getElementById("next-steps");
        if (payload && (first || String(payload.kpis.small_group) !== root.getAttribute("data-small-group"))) {
          // The programme crossed its minimum group size, or got its first response after the
          // "what to do next" card: the page itself changes (charts, notice).
          window.location.reload();
          return;
        }
        if (payload) {
          updateKpis(payload.kpis);
          draw(payload.figures);
          updateComments(payload.comments);
        }
      })
      .catch(function () {
        // Network trouble or a server error: wait longer each time, up to a minute.
        errorDelay = Math.min(MAX_ERROR_DELAY, Math.max(VISIBLE_DELAY, errorDelay * 2));
      })
      .then(function () {
        busy = false;
        // Every 2 s from the start of the last request, not from its end.
        schedule(Math.max(0, nextDelay() - (Date.now() - started)));
      });
  }

  document.addEventListener("visibilitychange", function () {
    // Back in front: catch up at once rather than after the long hidden delay.
    if (!document.hidden && !busy) { schedule(0); }
  });

  draw(JSON.parse(initial.textContent));
  if (window.fetch) { schedule(VISIBLE_DELAY); }
})();
