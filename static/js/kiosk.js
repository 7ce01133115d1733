// Kiosk mode (one shared device): the page works without it.
// - the thank-you screen hands over to an empty form after a few seconds,
//   replacing its own history entry so "back" does not lead to it;
// - a form page brought back from the back/forward cache is swapped for an
//   empty one, so nothing typed by the previous trainee shows again.
(function () {
  "use strict";
  var next = document.querySelector("[data-kiosk-next]");
  if (next) {
    var seconds = parseInt(next.getAttribute("data-kiosk-seconds"), 10) || 6;
    window.setTimeout(function () { window.location.replace(next.href); }, seconds * 1000);
    next.addEventListener("click", function (event) {
      event.preventDefault();
      window.location.replace(next.href);
    });
  }
  var blank = document.querySelector("[data-kiosk-blank]");
  if (blank) {
    window.addEventListener("pageshow", function (event) {
      if (event.persisted) { window.location.replace(blank.getAttribute("data-kiosk-blank")); }
    });
  }
})();
