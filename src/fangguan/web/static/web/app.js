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

/* Pickers (forms.PersonPicker: a committee member's person). Typing asks the server for the
   matching people after a pause (DEBOUNCE ms; an answer to an older text is dropped), shows them
   in the listbox; ArrowDown/ArrowUp move through them (aria-activedescendant), Enter or a click
   chooses one (the hidden input takes its id, an empty member name takes the person's name),
   Escape closes the list. Editing the text again clears the choice, so nobody is posted by
   mistake. The options come as an HTML fragment (search/candidates/), like the lists' htmx. */
(function () {
  "use strict";
  var DEBOUNCE = 250;

  function setup(root) {
    if (root.getAttribute("data-picker-ready")) { return; }
    root.setAttribute("data-picker-ready", "true");
    var box = root.querySelector("[role=combobox]");
    var list = root.querySelector("[role=listbox]");
    var hidden = root.querySelector("input[type=hidden]");
    var status = root.querySelector("[role=status]");
    var timer = null, asked = 0, active = -1;

    function options() { return Array.prototype.slice.call(list.querySelectorAll("[role=option]")); }
    function committee() {
      var field = root.getAttribute("data-committee-field");
      if (!field) { return root.getAttribute("data-committee") || ""; }
      var select = document.getElementById(field);
      return select ? select.value : "";
    }
    function open(yes) {
      list.hidden = !yes;
      box.setAttribute("aria-expanded", yes ? "true" : "false");
      if (!yes) { highlight(-1); }
    }
    function highlight(index) {
      var all = options();
      active = index;
      all.forEach(function (option, i) {
        option.classList.toggle("app-picker-active", i === index);
        option.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      if (index >= 0 && all[index]) {
        box.setAttribute("aria-activedescendant", all[index].id);
        all[index].scrollIntoView({ block: "nearest" });
      } else {
        box.removeAttribute("aria-activedescendant");
      }
    }
    function choose(option) {
      hidden.value = option.getAttribute("data-value");
      box.value = option.getAttribute("data-label");
      status.textContent = option.textContent.replace(/\s+/g, " ").trim();
      var name = document.getElementById("id_name");
      if (name && root.closest("form") && root.closest("form").contains(name) && !name.value.trim()) {
        name.value = option.getAttribute("data-label");
      }
      open(false);
      hidden.dispatchEvent(new Event("change", { bubbles: true }));
    }
    function ask() {
      var chosen = committee();
      if (!chosen) { list.innerHTML = ""; open(false); status.textContent = root.getAttribute("data-choose-committee"); return; }
      var number = ++asked;
      var url = root.getAttribute("data-url") + "?" + new URLSearchParams({ committee: chosen, q: box.value.trim(), "for": hidden.id });
      root.setAttribute("aria-busy", "true");
      fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
        .then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          return response.text();
        })
        .then(function (html) {
          if (number !== asked) { return; }  // a newer text was typed meanwhile
          var doc = new DOMParser().parseFromString(html, "text/html");
          list.innerHTML = "";
          doc.querySelectorAll("[role=option]").forEach(function (option) { list.appendChild(document.importNode(option, true)); });
          var said = doc.querySelector("[data-picker-status]");
          status.textContent = said ? said.textContent.trim() : "";
          open(options().length > 0 && document.activeElement === box);
          if (options().length) { highlight(0); }
        })
        .catch(function () {
          if (number === asked) { list.innerHTML = ""; open(false); status.textContent = root.getAttribute("data-failed"); }
        })
        .finally(function () { if (number === asked) { root.removeAttribute("aria-busy"); } });
    }
    function later() {
      window.clearTimeout(timer);
      timer = window.setTimeout(ask, DEBOUNCE);
    }

    box.addEventListener("input", function () {
      if (hidden.value) { hidden.value = ""; hidden.dispatchEvent(new Event("change", { bubbles: true })); }
      later();
    });
    box.addEventListener("focus", function () { if (!hidden.value) { later(); } });
    box.addEventListener("blur", function () { window.setTimeout(function () { open(false); }, 150); });
    box.addEventListener("keydown", function (event) {
      var all = options();
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (list.hidden) { if (all.length) { open(true); highlight(0); } else { ask(); } return; }
        if (!all.length) { return; }
        var step = event.key === "ArrowDown" ? 1 : -1;
        highlight((active + step + all.length) % all.length);
      } else if (event.key === "Enter") {
        if (!list.hidden && active >= 0 && all[active]) { event.preventDefault(); choose(all[active]); }
      } else if (event.key === "Escape") {
        if (!list.hidden) { event.preventDefault(); open(false); }
      }
    });
    list.addEventListener("mousedown", function (event) { event.preventDefault(); });  // keep the focus in the box
    list.addEventListener("click", function (event) {
      var option = event.target.closest("[role=option]");
      if (option) { choose(option); box.focus(); }
    });
    var field = root.getAttribute("data-committee-field");
    var select = field && document.getElementById(field);
    if (select) {
      select.addEventListener("change", function () {  // another committee: another estate's people
        hidden.value = ""; box.value = ""; list.innerHTML = ""; open(false); status.textContent = "";
      });
    }
  }

  function setupAll() { document.querySelectorAll("[data-picker]").forEach(setup); }
  document.addEventListener("DOMContentLoaded", setupAll);
  document.addEventListener("htmx:afterSwap", setupAll);
})();
