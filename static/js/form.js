// Improves the trainee form; the form works without it.
// - keeps a draft of the answers on this device, so a reload, a dead battery
//   or a lost connection never loses what was typed;
// - stops a second tap on "Send" while the first is on its way;
// - says so when the phone is offline instead of letting the browser fail.
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
  var page = form.getAttribute("data-page");
  var hidden = ["idem", "carry", "page"];

  function fieldsOf(f) {
    var values = {};
    Array.prototype.forEach.call(f.elements, function (el) {
      if (!el.name || el.name.indexOf("q__") !== 0) { return; }
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) { return; }
      (values[el.name] = values[el.name] || []).push(el.value);
    });
    return values;
  }

  function save() {
    if (!store) { return; }
    var draft = { page: page, values: fieldsOf(form), saved: Date.now() };
    hidden.forEach(function (name) { draft[name] = form.elements[name].value; });
    try { store.setItem(key, JSON.stringify(draft)); } catch (e) { /* storage full: the server copy still works */ }
  }

  function notice(text) {
    var box = form.querySelector(".notice") || document.createElement("div");
    box.className = "notice";
    box.setAttribute("role", "status");
    box.textContent = text;
    form.insertBefore(box, form.querySelector(".section"));
  }

  function restore() {
    var draft;
    try { draft = JSON.parse(store.getItem(key) || "null"); } catch (e) { draft = null; }
    if (!draft || form.getAttribute("data-has-errors") === "yes" || page !== "0" || form.elements.carry.value.length > 40) { return; }
    if (Object.keys(fieldsOf(form)).length) { return; }
    if (draft.page === "0") {
      form.elements.idem.value = draft.idem;  // same key: a re-send after a lost receipt stores nothing twice
      Object.keys(draft.values).forEach(function (name) {
        draft.values[name].forEach(function (value) {
          Array.prototype.forEach.call(form.querySelectorAll("[name='" + name + "']"), function (el) {
            if (el.type === "radio" || el.type === "checkbox") { if (el.value === value) { el.checked = true; } }
            else { el.value = value; }
          });
        });
      });
      notice(form.getAttribute("data-restore-message"));
      return;
    }
    // The draft is on a later page: hand the server that page's state back.
    hidden.forEach(function (name) { form.elements[name].value = draft[name]; });
    Object.keys(draft.values).forEach(function (name) {
      draft.values[name].forEach(function (value) {
        var input = document.createElement("input");
        input.type = "hidden"; input.name = name; input.value = value;
        form.appendChild(input);
      });
    });
    var action = document.createElement("input");
    action.type = "hidden"; action.name = "action"; action.value = "stay";
    form.appendChild(action);
    form.submit();
  }

  if (store) { restore(); }
  form.addEventListener("input", save);
  form.addEventListener("change", save);

  var sending = false;
  form.addEventListener("submit", function (event) {
    if (navigator.onLine === false) {
      event.preventDefault();
      save();
      notice(form.getAttribute("data-offline-message"));
      return;
    }
    save();
    if (sending) { event.preventDefault(); return; }
    sending = true;
    Array.prototype.forEach.call(form.querySelectorAll("button[type=submit]"), function (b) { b.setAttribute("aria-disabled", "true"); });
    window.setTimeout(function () { sending = false; }, 15000);
  });
  window.addEventListener("pageshow", function () { sending = false; });

  var problems = document.getElementById("problems");
  if (problems) { problems.focus(); }
})();
