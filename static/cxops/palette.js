// Command palette: Ctrl+K / ⌘K (or focusing the header's search box with the keyboard shortcut)
// opens a dialog that asks GET /api/search/ as you type — pages you may open, then issues,
// reports, strategies and rules you may see.  ↑/↓ choose, Enter opens, Esc closes.  Enter with
// nothing chosen opens the full search page.  No inline script (CSP: script-src 'self').
(function () {
  "use strict";
  var dialog = document.getElementById("palette");
  if (!dialog || typeof dialog.showModal !== "function") { return; }
  var input = document.getElementById("palette-q");
  var list = document.getElementById("palette-results");
  var timer = null;
  var sequence = 0;
  var active = -1;

  function options() { return list.querySelectorAll("[role=option]"); }

  function choose(index) {
    var all = options();
    if (!all.length) { active = -1; input.removeAttribute("aria-activedescendant"); return; }
    active = (index + all.length) % all.length;
    all.forEach(function (option, i) { option.setAttribute("aria-selected", i === active ? "true" : "false"); });
    input.setAttribute("aria-activedescendant", all[active].id);
    all[active].scrollIntoView({ block: "nearest" });
  }

  function render(groups) {
    list.textContent = "";
    var count = 0;
    groups.forEach(function (group) {
      var heading = document.createElement("li");
      heading.setAttribute("role", "presentation");
      heading.className = "palette-group";
      heading.textContent = group.label;
      list.appendChild(heading);
      group.hits.forEach(function (hit) {
        var option = document.createElement("li");
        option.setAttribute("role", "option");
        option.id = "palette-option-" + count;
        option.setAttribute("data-url", hit.url);
        option.className = "palette-option palette-" + hit.kind;
        var title = document.createElement("span");
        title.className = "palette-title";
        title.textContent = hit.title;
        option.appendChild(title);
        if (hit.meta) {
          var meta = document.createElement("span");
          meta.className = "palette-meta muted";
          meta.textContent = hit.meta;
          option.appendChild(meta);
        }
        if (hit.snippet && hit.kind !== "command") {
          var snippet = document.createElement("span");
          snippet.className = "palette-snippet";
          snippet.innerHTML = hit.snippet;  // escaped by the server, terms in <mark>
          option.appendChild(snippet);
        }
        option.addEventListener("click", function () { window.location.assign(hit.url); });
        list.appendChild(option);
        count += 1;
      });
    });
    if (!count && input.value.trim()) {
      var empty = document.createElement("li");
      empty.setAttribute("role", "presentation");
      empty.className = "palette-empty muted";
      empty.textContent = dialog.getAttribute("data-empty");
      list.appendChild(empty);
    }
    choose(0);
  }

  function ask() {
    var query = input.value.trim();
    var mine = ++sequence;
    if (!query) { render([]); return; }
    fetch(dialog.getAttribute("data-api") + "?limit=5&q=" + encodeURIComponent(query), {
      credentials: "same-origin", headers: { "Accept": "application/json" }
    }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    }).then(function (body) {
      if (mine === sequence) { render(body.groups || []); }
    }).catch(function () {
      if (mine !== sequence) { return; }
      list.textContent = "";
      var failed = document.createElement("li");
      failed.setAttribute("role", "presentation");
      failed.className = "palette-empty muted";
      failed.textContent = dialog.getAttribute("data-failed");
      list.appendChild(failed);
    });
  }

  function open(initial) {
    if (!dialog.open) { dialog.showModal(); }
    input.value = initial || input.value;
    input.focus();
    input.select();
    ask();
  }

  document.addEventListener("keydown", function (event) {
    if ((event.ctrlKey || event.metaKey) && !event.altKey && (event.key === "k" || event.key === "K")) {
      event.preventDefault();
      open("");
    }
  });
  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(ask, 150);
  });
  input.addEventListener("keydown", function (event) {
    // A search field's Esc would only clear its text: close at once, as the help line says.
    if (event.key === "Escape") { event.preventDefault(); dialog.close(); }
    else if (event.key === "ArrowDown") { event.preventDefault(); choose(active + 1); }
    else if (event.key === "ArrowUp") { event.preventDefault(); choose(active - 1); }
    else if (event.key === "Enter") {
      event.preventDefault();
      var all = options();
      if (active >= 0 && all[active]) { window.location.assign(all[active].getAttribute("data-url")); }
      else if (input.value.trim()) {
        window.location.assign(dialog.getAttribute("data-search") + "?q=" + encodeURIComponent(input.value.trim()));
      }
    }
  });
  dialog.addEventListener("click", function (event) {
    if (event.target === dialog) { dialog.close(); }  // a click on the backdrop
  });
})();
