// The filing page: similar issues suggested while the summary is typed, attach to one of them.
(function () {
  "use strict";
  var form = document.getElementById("filing-form");
  if (!form) { return; }
  var summary = form.querySelector("[data-similar-source]");
  var box = document.getElementById("similar-issues");
  var list = document.getElementById("similar-list");
  var template = document.getElementById("similar-item-template");
  var issueInput = form.querySelector('input[name="issue"]');
  var attached = document.getElementById("attached-issue");
  var attachedTitle = document.getElementById("attached-title");
  var url = form.getAttribute("data-similar-url");
  var timer = null;
  var lastQuery = "";
  var controller = null;

  function showAttached(title) {
    attachedTitle.textContent = title;
    attached.hidden = false;
  }
  if (issueInput && issueInput.value) { showAttached("#" + issueInput.value); }

  document.getElementById("detach-issue").addEventListener("click", function () {
    issueInput.value = "";
    attached.hidden = true;
    summary.focus();
  });

  // One-tap chips of the user's recent products and channels fill their picker (never preset).
  function fill(select, value) {
    if (!select || !select.querySelector('option[value="' + value + '"]')) { return; }
    select.value = value;
    select.dispatchEvent(new Event("change", { bubbles: true }));
  }
  function syncChips(select) {
    document.querySelectorAll('.recent-chip[data-fill="' + select.id + '"]').forEach(function (chip) {
      chip.setAttribute("aria-pressed", chip.getAttribute("data-value") === select.value ? "true" : "false");
    });
  }
  document.querySelectorAll(".recent-chip").forEach(function (chip) {
    chip.addEventListener("click", function () {
      fill(document.getElementById(chip.getAttribute("data-fill")), chip.getAttribute("data-value"));
    });
  });
  ["id_product", "id_channel"].forEach(function (id) {
    var select = document.getElementById(id);
    if (select) { select.addEventListener("change", function () { syncChips(select); }); }
  });

  function render(results) {
    list.textContent = "";
    results.forEach(function (item) {
      var node = template.content.firstElementChild.cloneNode(true);
      var text = node.querySelector(".similar-text");
      var link = document.createElement("a");
      link.href = item.url;
      link.target = "_blank";
      link.rel = "noopener";
      link.innerHTML = item.highlighted;  // escaped on the server; only <mark> added
      text.appendChild(link);
      node.querySelector(".similar-meta").textContent = (item.product ? item.product + " · " : "") + item.report_count + (document.documentElement.lang.indexOf("zh") === 0 ? " 条报告" : " reports") + (item.terms && item.terms.length ? " · " + item.terms.join(" / ") : "");
      var button = node.querySelector(".similar-attach");
      button.setAttribute("aria-label", button.textContent + ": " + item.title);
      button.addEventListener("click", function () {
        issueInput.value = String(item.id);
        showAttached(item.title);
        // Attaching to an issue is the one case the product is filled in for the user: the issue's.
        if (item.product_id) { fill(document.getElementById("id_product"), String(item.product_id)); }
        form.querySelector("button[type=submit]").focus();
      });
      list.appendChild(node);
    });
    box.hidden = results.length === 0;
  }

  function lookup() {
    var query = summary.value.trim();
    if (query === lastQuery) { return; }
    lastQuery = query;
    if (query.length < 2) { render([]); return; }
    if (controller) { controller.abort(); }
    controller = new AbortController();
    fetch(url + "?q=" + encodeURIComponent(query), { credentials: "same-origin", signal: controller.signal, headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { results: [] }; })
      .then(function (data) { render(data.results || []); })
      .catch(function () { /* aborted or offline: keep what is shown */ });
  }

  summary.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(lookup, 250);
  });
  if (summary.value) { lookup(); }
})();
