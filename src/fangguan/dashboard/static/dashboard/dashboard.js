/* Dashboard page behaviour: the print button. Charts and map are web/charts.js and web/map.js. */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-print]") : null;
    if (button) { window.print(); }
  });
})();
