// Draws the dashboard's Plotly figures from the JSON the server put in the page.
(function () {
  "use strict";
  var data = document.getElementById("figures");
  if (!data || !window.Plotly) { return; }
  var config = { displaylogo: false, responsive: true, locale: document.documentElement.lang };
  JSON.parse(data.textContent).forEach(function (figure) {
    var target = document.getElementById("chart-" + figure.code);
    var spec = JSON.parse(figure.json);
    window.Plotly.newPlot(target, spec.data, spec.layout, config);
  });
})();
