// Improves the trainee form; the form works without it.
// - turns the pages on the phone, with no round trip, and sends the whole
//   form once at the end (marked whole=1; the server checks every page again);
// - keeps a draft of the answers on this device, so a reload, a dead battery
//   or a lost connection never loses what was typed;
// - stops a second tap on "Send" while the first is on its way;
// - says so when the phone is offline instead of letting the browser fail.
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
  if (done && store) { store.removeItem("draft:" + done.getAttribute("data-clear-draft")); return; }

  var form = document.querySelector("form.survey-form");
  if (!form) { return; }
  // A shared kiosk keeps no draft: the next trainee must find nothing of the last one.
  if (form.hasAttribute("data-no-draft")) { store = null; }
  var key = "draft:" + form.getAttribute("data-draft-key");
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
    var draft = { page: current(), values: values, idem: form.elements.idem.value, saved: Date.now() };
    try { store.setItem(key, JSON.stringify(draft)); } catch (e) { /* storage full: the server copy still works */ }
  }

  function notice(text) {
    var box = form.querySelector(".notice") || document.createElement("div");
    box.className = "notice";
    box.setAttribute("role", "status");
    box.textContent = text;
    form.insertBefore(box, pages[0]);
  }

  function restore() {
    var draft = stored();
    if (!draft || !draft.values || form.getAttribute("data-has-errors") === "yes") { return; }
    if (form.getAttribute("data-page") !== "0" || Object.keys(fieldsOf(form)).length) { return; }
    if (draft.idem) { form.elements.idem.value = draft.idem; }  // same key: a re-send after a lost receipt stores nothing twice
    Object.keys(draft.values).forEach(function (name) {
      draft.values[name].forEach(function (value) {
        each(form.querySelectorAll("[name='" + name + "']"), function (el) {
          if (el.type === "radio" || el.type === "checkbox") { if (el.value === value) { el.checked = true; } }
          else { el.value = value; }
        });
      });
    });
    var page = parseInt(draft.page, 10) || 0;
    if (page > 0 && page < pages.length) { show(page, false); }
    notice(form.getAttribute("data-restore-message"));
  }

  // A single page came from the server with the answers it holds: nothing to put back.
  if (store && !single) { restore(); }
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
    if (navigator.onLine === false) {
      event.preventDefault();
      save();
      notice(form.getAttribute("data-offline-message"));
      return;
    }
    save();
    if (sending) { event.preventDefault(); return; }
    sending = true;
    each(form.querySelectorAll("button[type=submit]"), function (b) { b.setAttribute("aria-disabled", "true"); });
    window.setTimeout(function () { sending = false; }, 15000);
  });
  window.addEventListener("pageshow", function () { sending = false; });

  var problems = document.getElementById("problems");
  if (problems) { problems.focus(); }
})();
