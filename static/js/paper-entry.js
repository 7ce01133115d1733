// Paper data entry by keyboard (organiser/kit_entry.html): in a row of boxes, the
// number ticked on the sheet answers it and moves on to the next question, so a
// sheet of thirty-odd answers is typed with one hand. Without this script the
// screen is an ordinary form (Tab, arrows, Space).
//
// Each box carries what is typed for it (data-key): a scale's point ("4",
// "10"), an option's place in its list, "-" for no answer. Digits add up while
// they can still name a longer key: "1" on a 0-10 row waits for "0" (10) or
// Enter (1). Enter moves on without changing anything, instead of saving the
// half-typed sheet; in a list of checkboxes a number ticks or unticks its box.
(function () {
  "use strict";
  var form = document.querySelector("form[data-entry-keys]");
  if (!form) { return; }
  var help = form.querySelector("[data-keys-help]");
  if (help) { help.hidden = false; }

  function boxes(name) {
    return Array.prototype.filter.call(form.elements, function (el) { return el.name === name; });
  }

  // The stops, in screen order: one per question row or text box, then Save.
  function stops() {
    var seen = {}, list = [];
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name.indexOf("q__") !== 0 || seen[el.name]) { return; }
      seen[el.name] = true;
      list.push(el.name);
    });
    return list;
  }

  function focusStop(name) {
    if (!name) {
      var save = form.querySelector("button[type=submit]");
      if (save) { save.focus(); }
      return;
    }
    var group = boxes(name);
    var checked = group.filter(function (el) { return el.checked; })[0];
    var target = group[0].type === "radio" ? (checked || group[0]) : group[0];
    target.focus();
    if (target.scrollIntoView) { target.scrollIntoView({ block: "nearest" }); }
  }

  function next(name) {
    var list = stops();
    focusStop(list[list.indexOf(name) + 1]);
  }

  var typed = "", typedIn = "";
  // Digits add up only within one row: leaving it forgets them.
  form.addEventListener("focusin", function (event) {
    if (event.target.name !== typedIn) { typed = ""; typedIn = ""; }
  });
  form.addEventListener("keydown", function (event) {
    var el = event.target;
    if (!el.name || el.name.indexOf("q__") !== 0 || (el.type !== "radio" && el.type !== "checkbox")) { return; }
    if (event.altKey || event.ctrlKey || event.metaKey) { return; }
    if (event.key === "Enter") {
      event.preventDefault();
      typed = "";
      next(el.name);
      return;
    }
    if (!/^[0-9-]$/.test(event.key)) { return; }
    event.preventDefault();
    var group = boxes(el.name);
    var keys = group.map(function (box) { return box.getAttribute("data-key") || ""; });
    var wanted = typedIn === el.name ? typed + event.key : event.key;
    var longer = function (prefix) { return keys.some(function (k) { return k.length > prefix.length && k.indexOf(prefix) === 0; }); };
    if (keys.indexOf(wanted) < 0 && !longer(wanted)) { wanted = event.key; }
    var index = keys.indexOf(wanted);
    if (index < 0) { typed = ""; return; }
    var box = group[index];
    if (box.type === "checkbox") {
      box.checked = !box.checked;
      box.focus();
      typed = ""; typedIn = "";
      return;
    }
    box.checked = true;
    box.focus();
    box.dispatchEvent(new Event("change", { bubbles: true }));
    if (longer(wanted)) {
      typed = wanted; typedIn = el.name;
    } else {
      typed = ""; typedIn = "";
      next(el.name);
    }
  });
})();
