/* Fangguan web UI behaviour. Everything works without this file; it only smooths the edges.
   No inline scripts or handlers exist in the templates (a strict CSP will be switched on). */
(function () {
  "use strict";

  // The language switch returns to the page as it is now (htmx may have changed the URL).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.classList && form.classList.contains("lang-switch")) {
      var next = form.querySelector("input[name=next]");
      if (next) { next.value = window.location.pathname + window.location.search; }
    }
  });
})();
