// The job page works without this: it has a Refresh link. With it, the page
// asks for the job's state every few seconds and reloads itself once, when the
// document is ready or has failed.
(function () {
  "use strict";
  var box = document.getElementById("report-job");
  if (!box || box.dataset.finished === "yes" || !window.fetch) {
    return;
  }
  var url = box.dataset.stateUrl;
  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (state) {
        if (state && state.finished) {
          window.location.reload();
        } else {
          window.setTimeout(poll, 3000);
        }
      })
      .catch(function () {
        window.setTimeout(poll, 10000);
      });
  }
  window.setTimeout(poll, 2000);
})();
