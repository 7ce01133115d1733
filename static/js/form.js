// Improves the trainee form; the form works without it.
// - turns the pages on the phone, with no round trip, and sends the whole
//   form once at the end (marked whole=1; the server checks every page again);
// - keeps a draft of the answers on this device, so a reload, a dead battery
//   or a lost connection never loses what was typed;
// - sends the form in the background (asking for JSON), so a failed send never
//   puts the browser's error page in place of the answers: beside the Send
//   button it says what is happening, and it resends with the same
//   idempotency key (stored once, whatever the repeats) when the network comes
//   back, when the page is shown again or reopened, and on a growing timer,
//   with no end; a stale token is swapped for a fresh one; a closed programme
//   is said so, the answers still shown and kept, and savable in a file;
// - remembers that this phone sent the form, so Back after the receipt shows
//   the receipt again instead of a form that would store a second response
//   ("someone else is using this phone" starts a fresh one);
// - stops a second tap on "Send" while the first is on its way;
// - registers the form's service worker (sw.js) where the page is a secure context.
// A page the server answered to a page sent alone (by a browser without
// JavaScript, or before this script ran) holds that page only, the answers of
// the others travelling signed in "carry" (data-single-page): then each page
// stays a round trip, and the form is never sent as whole (which would drop
// the carry).
(function () {
  "use strict";
  var store;
  try { store = window.localStorage; store.getItem("x"); } catch (e) { store = null; }

  var done = document.querySelector("[data-clear-draft]");
  if (done) {
    var slug = done.getAttribute("data-clear-draft");
    var number = done.querySelector(".receipt strong");
    if (store) {
      store.removeItem("draft:" + slug);
      remember(slug, number ? number.textContent : "");
    }
    return;
  }

  // What this phone sent last for a programme: its receipt number, never the answers.
  function remember(slug, receipt) {
    try { store.setItem("sent:" + slug, JSON.stringify({ receipt: receipt, at: Date.now() })); } catch (e) { /* full */ }
  }

  var form = document.querySelector("form.survey-form");
  if (!form) { return; }
  // A shared kiosk keeps no draft: the next trainee must find nothing of the last one.
  if (form.hasAttribute("data-no-draft")) { store = null; }
  var slug = form.getAttribute("data-draft-key");
  var key = "draft:" + slug;
  var single = form.hasAttribute("data-single-page");
  var pages = form.querySelectorAll("[data-form-page]");
  var enterButton = form.querySelector("button.visually-hidden[name=action]");
  var each = function (list, fn) { Array.prototype.forEach.call(list, fn); };

  if (!single) {
    var whole = document.createElement("input");
    whole.type = "hidden"; whole.name = "whole"; whole.value = "1";
    form.appendChild(whole);
  }

  function current() { return parseInt(form.elements.page.value, 10) || 0; }
  function pageAt(index) { return single ? pages[0] : pages[index]; }

  function show(index, moveFocus) {
    each(pages, function (page, i) { page.hidden = i !== index; });
    form.elements.page.value = String(index);
    if (enterButton) { enterButton.value = index === pages.length - 1 ? "send" : "next"; }
    if (moveFocus) {
      var top = pages[index].querySelector(".progress") || pages[index];
      top.setAttribute("tabindex", "-1");
      window.scrollTo(0, 0);
      top.focus();
    }
  }

  function fieldsOf(f) {
    var values = {};
    each(f.elements, function (el) {
      if (!el.name || el.name.indexOf("q__") !== 0) { return; }
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) { return; }
      if ((el.type === "text" || el.tagName === "TEXTAREA") && !el.value) { return; }
      (values[el.name] = values[el.name] || []).push(el.value);
    });
    return values;
  }

  // Required questions of a page with a row left unanswered.
  function unanswered(page) {
    var answered = fieldsOf(form);
    var missing = [];
    each(page.querySelectorAll("fieldset.question[data-required]"), function (question) {
      var complete = true;
      each(question.querySelectorAll("[name^='q__']"), function (el) {
        var got = answered[el.name];
        if (!got || !got.join("").trim()) { complete = false; }
      });
      if (!complete) { missing.push(question); }
    });
    return missing;
  }

  function mark(question, on) {
    var note = question.querySelector(".field-error[data-js]");
    question.classList.toggle("question--error", on);
    if (on && !note) {
      note = document.createElement("p");
      note.className = "field-error"; note.setAttribute("data-js", "");
      note.id = "js-err-" + question.id;
      note.textContent = form.getAttribute("data-required-message");
      question.insertBefore(note, question.children[1] || null);
      question.setAttribute("aria-describedby", note.id);
    } else if (!on && note) {
      note.parentNode.removeChild(note);
      question.removeAttribute("aria-describedby");
    }
  }

  // True when the page may be left forward; otherwise marks what is missing.
  function pageComplete(index) {
    var missing = unanswered(pageAt(index));
    each(pageAt(index).querySelectorAll("fieldset.question"), function (q) {
      if (q.querySelector(".field-error[data-js]")) { mark(q, missing.indexOf(q) >= 0); }
    });
    each(missing, function (q) { mark(q, true); });
    if (missing.length) {
      var first = missing[0].querySelector("[name^='q__']");
      missing[0].scrollIntoView();
      if (first) { first.focus(); }
    }
    return !missing.length;
  }

  function stored() {
    try { return JSON.parse(store.getItem(key) || "null"); } catch (e) { return null; }
  }

  function save() {
    if (!store) { return; }
    var values = fieldsOf(form);
    var earlier = single ? stored() : null;
    if (earlier && earlier.values && earlier.idem === form.elements.idem.value) {
      // Only this page is here: keep what the draft of the same response holds for the others.
      var here = {};
      each(form.elements, function (el) { if (el.name) { here[el.name] = true; } });
      Object.keys(earlier.values).forEach(function (name) { if (!here[name]) { values[name] = earlier.values[name]; } });
    }
    var draft = { page: current(), values: values, idem: form.elements.idem.value, saved: Date.now(), pending: pending };
    try { store.setItem(key, JSON.stringify(draft)); } catch (e) { /* storage full: the server copy still works */ }
  }

  function notice(text) {
    var box = form.querySelector(".notice") || document.createElement("div");
    box.className = "notice";
    box.setAttribute("role", "status");
    box.textContent = text;
    form.insertBefore(box, pages[0]);
  }

  // Returns the draft put back, if any.
  function restore() {
    var draft = stored();
    if (!draft || !draft.values || form.getAttribute("data-has-errors") === "yes") { return null; }
    if (form.getAttribute("data-page") !== "0" || Object.keys(fieldsOf(form)).length) { return null; }
    if (draft.idem) { form.elements.idem.value = draft.idem; }  // same key: a re-send after a lost receipt stores nothing twice
    Object.keys(draft.values).forEach(function (name) {
      draft.values[name].forEach(function (value) {
        each(form.querySelectorAll("[name='" + name + "']"), function (el) {
          if (el.type === "radio" || el.type === "checkbox") { if (el.value === value) { el.checked = true; } }
          else { el.value = value; }
        });
      });
    });
    var page = draft.pending ? pages.length - 1 : parseInt(draft.page, 10) || 0;
    if (page > 0 && page < pages.length) { show(page, false); }
    notice(form.getAttribute("data-restore-message"));
    return draft;
  }
  form.addEventListener("input", save);
  form.addEventListener("change", function (event) {
    save();
    var question = event.target.closest && event.target.closest("fieldset.question");
    if (question && question.querySelector(".field-error[data-js]") && unanswered(question.parentNode).indexOf(question) < 0) {
      mark(question, false);
    }
  });

  // The button that sent the form (event.submitter is missing on older phones).
  var clicked = null;
  form.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[type=submit]");
    if (button) { clicked = button; }
  });

  // -- sending -------------------------------------------------------------------------------
  var background = form.hasAttribute("data-send-in-background") && window.fetch && window.FormData && window.JSON;
  var statusBox = form.querySelector("[data-send-status]");
  var saveButton = form.querySelector("[data-save-answers]");
  var pending = false;     // Send was pressed: the answers must reach the server
  var inFlight = false;
  var stale = false;       // the server will not take them (closed): stop trying
  var retryTimer = null;
  var delay = 0;
  var told = false;        // focus went to the message once already
  var freshToken = false;
  var MAX_DELAY = 120000;

  function say(text, moveFocus) {
    if (!statusBox) { notice(text); return; }
    statusBox.textContent = text;
    if (moveFocus) { statusBox.focus(); }
  }

  function buttons(busy) {
    each(form.querySelectorAll("button[type=submit]"), function (b) {
      if (busy) { b.setAttribute("aria-disabled", "true"); } else { b.removeAttribute("aria-disabled"); }
    });
  }

  function keepSafe() {
    if (saveButton) { saveButton.hidden = false; }
    if (navigator.storage && navigator.storage.persist) { navigator.storage.persist().catch(function () {}); }
  }

  function waiting() {
    save();
    keepSafe();
    say(form.getAttribute("data-waiting-message"), !told);
    told = true;
    window.clearTimeout(retryTimer);
    delay = Math.min(delay ? delay * 2 : 5000, MAX_DELAY);
    retryTimer = window.setTimeout(trySend, delay);
  }

  function refused(message) {
    stale = true;
    save();
    keepSafe();
    buttons(false);
    say((message ? message + " " : "") + form.getAttribute("data-kept-message"), true);
  }

  // The browser sends it itself: the server answers with the page (what to correct, a code refused).
  function sendPlainly() {
    var action = document.createElement("input");
    action.type = "hidden"; action.name = "action"; action.value = "send";
    form.appendChild(action);
    form.submit();
  }

  function answered(status, data) {
    inFlight = false;
    if (status === 200 && data.status === "stored") {
      pending = false;
      if (store) { store.removeItem(key); remember(slug, data.receipt); }
      say(form.getAttribute("data-sent-message"), false);
      // A new history entry: Back comes to this form, which then shows the receipt again.
      window.location.assign(data.url);
      return;
    }
    if (status === 403 && data.token && !freshToken) {
      freshToken = true;  // once: a second refusal is not a stale token
      if (form.elements.csrf_token) { form.elements.csrf_token.value = data.token; }
      trySend();
      return;
    }
    if (status === 422) { sendPlainly(); return; }
    if (status >= 400 && status < 500 && status !== 408 && status !== 429) { refused(data.message); return; }
    waiting();  // no network, a timeout, a proxy's error page, the server down or busy
  }

  function trySend() {
    if (!pending || inFlight || stale) { return; }
    window.clearTimeout(retryTimer);
    inFlight = true;
    buttons(true);
    say(form.getAttribute("data-sending-message"), false);
    var body = new FormData(form);
    body.append("action", "send");
    var controller = window.AbortController ? new window.AbortController() : null;
    var timeout = controller ? window.setTimeout(function () { controller.abort(); }, 30000) : null;
    // getAttribute: form.action is the button named "action".
    window.fetch(form.getAttribute("action"), {
      method: "POST", body: body, credentials: "same-origin", cache: "no-store",
      headers: { Accept: "application/json" }, signal: controller ? controller.signal : undefined
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        window.clearTimeout(timeout);
        answered(response.status, data || {});
      });
    }, function () {
      window.clearTimeout(timeout);
      answered(0, {});
    });
  }

  function sendNow() {
    pending = true;
    stale = false;
    freshToken = false;
    save();
    delay = 0;
    trySend();
  }

  // The answers as a small file the organisers can import (survey: "Import saved answers").
  function download() {
    var draft = stored() || {};
    var file = {
      format: "survey-answers", version: 1, programme: slug, idem: form.elements.idem.value,
      lang: document.documentElement.lang, saved: new Date(draft.saved || Date.now()).toISOString(),
      values: fieldsOf(form)
    };
    var link = document.createElement("a");
    link.href = "data:application/json;charset=utf-8," + encodeURIComponent(JSON.stringify(file));
    link.download = "answers-" + slug + "-" + file.idem.slice(0, 8) + ".json";
    document.body.appendChild(link);
    link.click();
    link.parentNode.removeChild(link);
  }
  if (saveButton) { saveButton.addEventListener("click", download); }

  var sending = false;
  form.addEventListener("submit", function (event) {
    var button = event.submitter || clicked;
    clicked = null;
    var action = button && button.name === "action" ? button.value : "";
    if (single && action === "next" && !pageComplete(current())) { event.preventDefault(); return; }
    if (!single && (action === "next" || action === "back")) {
      event.preventDefault();
      var index = current();
      if (action === "back") { show(Math.max(index - 1, 0), true); }
      else if (pageComplete(index)) { show(Math.min(index + 1, pages.length - 1), true); }
      save();
      return;
    }
    if (action === "send" && !pageComplete(current())) { event.preventDefault(); return; }
    if (background && action === "send") {
      event.preventDefault();
      sendNow();
      return;
    }
    save();
    if (sending) { event.preventDefault(); return; }
    sending = true;
    buttons(true);
    window.setTimeout(function () { sending = false; }, 15000);
  });

  window.addEventListener("online", function () { delay = 0; trySend(); });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { trySend(); }
  });

  // -- after the receipt: Back, or the link opened again on the same phone ----------------------
  var panel = document.querySelector("[data-sent-panel]");

  function sentBefore() {
    try { return store && JSON.parse(store.getItem("sent:" + slug) || "null"); } catch (e) { return null; }
  }

  function showSent(sent) {
    panel.querySelector("[data-sent-receipt]").textContent = sent.receipt || "";
    panel.hidden = false;
    form.hidden = true;
    panel.querySelector("h2").focus();
  }

  function freshKey() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40; bytes[8] = (bytes[8] & 0x3f) | 0x80;  // a version 4 UUID, as the server mints
    return Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
  }

  if (panel) {
    panel.querySelector("[data-someone-else]").addEventListener("click", function () {
      store.removeItem("sent:" + slug);
      store.removeItem(key);
      form.reset();
      form.elements.idem.value = freshKey();  // a new response, never the one sent
      each(form.querySelectorAll(".notice"), function (n) { n.parentNode.removeChild(n); });
      if (statusBox) { statusBox.textContent = ""; }
      buttons(false);
      panel.hidden = true;
      form.hidden = false;
      show(0, true);
    });
  }

  function opened() {
    var sent = panel && !pending ? sentBefore() : null;
    if (sent) { showSent(sent); }
  }

  // A single page came from the server with the answers it holds: nothing to put back.
  var draft = store && !single ? restore() : null;
  if (draft && draft.pending && background) { sendNow(); }  // reopened with answers still to send
  opened();
  window.addEventListener("pageshow", function (event) {
    sending = false;
    if (event.persisted) { opened(); trySend(); }
  });

  // Offline reopening where the browser allows a service worker (HTTPS or localhost): static/js/sw.js.
  var worker = form.getAttribute("data-offline-worker");
  if (worker && window.isSecureContext && navigator.serviceWorker) {
    navigator.serviceWorker.register(worker, { scope: form.getAttribute("data-offline-scope") }).catch(function () {});
  }

  var problems = document.getElementById("problems");
  if (problems) { problems.focus(); }
})();
