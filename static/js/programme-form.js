// The programme's settings form: choosing a country fills in its time zone, as
// the server does for an empty field (survey.forms.programme.COUNTRY_TIMEZONES).
// A zone the organiser typed is never replaced; one this script filled in is.
(function () {
  "use strict";
  var country = document.querySelector("select[data-timezones]");
  var zone = document.getElementById("timezone");
  if (!country || !zone) { return; }
  var zones;
  try { zones = JSON.parse(country.getAttribute("data-timezones")); } catch (e) { return; }
  var filled = "";
  country.addEventListener("change", function () {
    if (zone.value && zone.value !== filled) { return; }
    filled = zones[country.value] || "";
    zone.value = filled;
  });
})();
