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

  // The search box has its own trigger (a pause in typing). Its "change" on leaving the box
  // would send a second request racing the click that made it lose focus (e.g. on a sort link).
  document.addEventListener("change", function (event) {
    if (event.target && event.target.id === "id_q") { event.stopPropagation(); }
  }, true);

  // Filter requests leave empty fields out, so the URL pushed to the address bar stays short.
  document.addEventListener("htmx:configRequest", function (event) {
    if (!event.detail.elt || event.detail.elt.id !== "filters") { return; }
    var params = event.detail.parameters, empty = [];
    params.forEach(function (value, key) { if (value === "") { empty.push(key); } });
    empty.forEach(function (key) { params.delete(key); });
  });

  // A list request that did not come back as a list (the session ended and the login page
  // answered, or the server failed) is shown as a whole page instead of inside the table.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    if (!detail.target || detail.target.id !== "results") { return; }
    var isList = detail.xhr.status === 200 && detail.serverResponse.indexOf('id="results"') !== -1;
    if (!isList) {
      detail.shouldSwap = false;
      window.location.href = detail.xhr.responseURL || window.location.href;
    }
  });
})();

/* Forms marked app-validate: the required fields are checked before the form is sent, each
   missing one says so beside itself (its data-required-message) and the first gets the focus.
   Nothing is sent, so files already chosen stay chosen. The server checks the same again. */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("app-validate")) { return; }
    var first = null;
    form.querySelectorAll("[required]").forEach(function (field) {
      var feedback = document.getElementById(field.id + "_error");
      var missing = !String(field.value || "").trim();
      field.classList.toggle("is-invalid", missing);
      if (feedback) { feedback.textContent = missing ? (field.getAttribute("data-required-message") || "") : ""; }
      if (missing && !first) { first = field; }
    });
    if (first) {
      event.preventDefault();
      first.focus();
    }
  });
})();

/* Bulk edit on a list: the heading's box ticks or unticks every row of the page (without this
   script the box stays hidden and rows are ticked one by one). */
(function () {
  "use strict";
  function reveal() {
    document.querySelectorAll("[data-bulk-all]").forEach(function (box) { box.hidden = false; });
  }
  document.addEventListener("DOMContentLoaded", reveal);
  document.addEventListener("htmx:afterSwap", reveal);
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box || !box.hasAttribute || !box.hasAttribute("data-bulk-all")) { return; }
    document.querySelectorAll('input[name="pk"][form="bulk"]').forEach(function (row) { row.checked = box.checked; });
  });
})();

/* A select with a search box above it (a committee member's person): typing hides the options
   that do not contain the text. Without this script the box stays hidden and the select works. */
(function () {
  "use strict";
  function reveal() {
    document.querySelectorAll("input[data-filters]").forEach(function (box) { box.hidden = false; });
  }
  document.addEventListener("DOMContentLoaded", reveal);
  document.addEventListener("input", function (event) {
    var box = event.target;
    if (!box || !box.hasAttribute || !box.hasAttribute("data-filters")) { return; }
    var select = document.getElementById(box.getAttribute("data-filters"));
    if (!select) { return; }
    var text = box.value.trim().toLowerCase();
    var first = null;
    Array.prototype.forEach.call(select.options, function (option) {
      var match = !option.value || option.text.toLowerCase().indexOf(text) !== -1;
      option.hidden = !match;
      if (match && option.value && !first) { first = option; }
    });
    if (text && first && (!select.value || select.selectedOptions[0].hidden)) { select.value = first.value; }
  });
})();
