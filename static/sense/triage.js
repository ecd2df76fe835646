// Triage queue: keyboard navigation, selection, issue picker (search + similar issues of the focused report).
(function () {
  "use strict";
  var table = document.getElementById("triage-table");
  var form = document.getElementById("triage-form");
  if (!form) { return; }
  var zh = document.documentElement.lang.indexOf("zh") === 0;
  var rows = table ? Array.prototype.slice.call(table.querySelectorAll("tbody tr")) : [];
  var countLabel = document.getElementById("selection-count");
  var issueInput = document.getElementById("act-issue");
  var search = document.getElementById("issue-search");
  var results = document.getElementById("issue-results");
  var mergeExisting = document.getElementById("merge-existing");
  var similarHint = document.getElementById("similar-hint");
  var focused = -1;

  function boxes() { return document.querySelectorAll('input[name="reports"][form="triage-form"]'); }
  function selected() { return Array.prototype.filter.call(boxes(), function (b) { return b.checked; }); }

  function updateCount() {
    var n = selected().length;
    countLabel.textContent = n === 0 ? (zh ? "未选择报告" : "No report selected") : (zh ? "已选择 " + n + " 条报告" : n + " report(s) selected");
  }

  function focusRow(index) {
    if (!rows.length) { return; }
    index = Math.max(0, Math.min(rows.length - 1, index));
    if (focused >= 0 && rows[focused]) { rows[focused].classList.remove("focused"); }
    focused = index;
    rows[focused].classList.add("focused");
    rows[focused].focus();
    suggestFor(rows[focused].getAttribute("data-summary"));
  }

  function chooseIssue(item, button) {
    issueInput.value = String(item.id);
    mergeExisting.disabled = false;
    mergeExisting.textContent = (zh ? "合并到 #" : "Merge into #") + item.id + " " + item.title;
    Array.prototype.forEach.call(results.querySelectorAll("button"), function (b) { b.setAttribute("aria-pressed", "false"); });
    button.setAttribute("aria-pressed", "true");
  }

  function showIssues(items, fromSimilar) {
    results.textContent = "";
    similarHint.hidden = !fromSimilar || !items.length;
    items.forEach(function (item) {
      var li = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.setAttribute("aria-pressed", String(issueInput.value === String(item.id)));
      var title = document.createElement("span");
      if (item.highlighted) { title.innerHTML = item.highlighted; } else { title.textContent = item.title; }  // highlighted is escaped server-side
      button.appendChild(document.createTextNode("#" + item.id + " "));
      button.appendChild(title);
      var meta = document.createElement("span");
      meta.className = "muted small";
      meta.textContent = " · " + item.report_count + (item.terms && item.terms.length ? " · " + item.terms.join(" / ") : "");
      button.appendChild(meta);
      button.addEventListener("click", function () { chooseIssue(item, button); });
      li.appendChild(button);
      if (fromSimilar && focused >= 0) { li.appendChild(notSameButton(item, li)); }
      results.appendChild(li);
    });
  }

  // "Not the same": remembered for the focused report and this issue, never suggested for it again.
  function notSameButton(item, li) {
    var reportId = rows[focused].getAttribute("data-report-id");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "small";
    button.textContent = zh ? "不是同一问题" : "Not the same";
    button.addEventListener("click", function () {
      var body = new URLSearchParams();
      body.append("report", reportId);
      body.append("issue", String(item.id));
      body.append("csrfmiddlewaretoken", form.querySelector('input[name="csrfmiddlewaretoken"]').value);
      fetch(table.getAttribute("data-not-same-url"), { method: "POST", credentials: "same-origin", body: body })
        .then(function (r) { if (r.ok) { li.remove(); } });
    });
    return button;
  }

  var pending = null;
  function fetchJson(url, then) {
    if (pending) { pending.abort(); }
    pending = new AbortController();
    fetch(url, { credentials: "same-origin", signal: pending.signal, headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { results: [] }; })
      .then(function (data) { then(data.results || []); })
      .catch(function () {});
  }

  function suggestFor(summary) {
    if (!summary || search.value.trim() || !table) { return; }
    var report = focused >= 0 ? "&report=" + encodeURIComponent(rows[focused].getAttribute("data-report-id")) : "";
    fetchJson(table.getAttribute("data-similar-url") + "?q=" + encodeURIComponent(summary) + report, function (items) { showIssues(items, true); });
  }

  var timer = null;
  search.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var q = search.value.trim();
      if (!q) { if (focused >= 0) { suggestFor(rows[focused].getAttribute("data-summary")); } return; }
      fetchJson(form.getAttribute("data-issue-search-url") + "?q=" + encodeURIComponent(q), function (items) { showIssues(items, false); });
    }, 200);
  });

  document.addEventListener("change", function (event) {
    if (event.target.name === "reports") { updateCount(); }
  });
  var all = document.getElementById("select-all");
  if (all) {
    all.addEventListener("change", function () {
      Array.prototype.forEach.call(boxes(), function (b) { b.checked = all.checked; });
      updateCount();
    });
  }
  rows.forEach(function (row, index) {
    row.addEventListener("focus", function () { if (focused !== index) { focusRow(index); } });
    row.addEventListener("click", function (event) {
      if (event.target.tagName === "A" || event.target.tagName === "INPUT") { return; }
      var box = row.querySelector('input[name="reports"]');
      box.checked = !box.checked;
      updateCount();
    });
  });

  document.addEventListener("keydown", function (event) {
    var tag = (event.target.tagName || "").toLowerCase();
    var typing = tag === "input" && event.target.type !== "checkbox" || tag === "textarea" || tag === "select";
    if (event.key === "Escape") { if (rows.length) { focusRow(Math.max(focused, 0)); } return; }
    if (typing || event.ctrlKey || event.metaKey || event.altKey) { return; }
    var handled = true;
    switch (event.key) {
      case "j": case "ArrowDown": focusRow(focused + 1); break;
      case "k": case "ArrowUp": focusRow(focused - 1); break;
      case "x": case " ":
        if (focused >= 0) { var box = rows[focused].querySelector('input[name="reports"]'); box.checked = !box.checked; updateCount(); }
        break;
      case "a":
        var boxesList = boxes(); var allChecked = selected().length === boxesList.length;
        Array.prototype.forEach.call(boxesList, function (b) { b.checked = !allChecked; }); updateCount(); break;
      case "o": case "Enter": if (focused >= 0) { window.location = rows[focused].getAttribute("data-url"); } break;
      case "c": document.getElementById("act-product").focus(); break;
      case "m": search.focus(); break;
      case "n": document.getElementById("new-issue-title").focus(); break;
      case "d": document.getElementById("dismiss-reason").focus(); break;
      default: handled = false;
    }
    if (handled) { event.preventDefault(); }
  });

  document.getElementById("merge-new").addEventListener("click", function () { issueInput.value = ""; });
  // An action on nothing selected acts on the focused row, so one report needs no ticking.
  form.addEventListener("submit", function () {
    if (!selected().length && focused >= 0) { rows[focused].querySelector('input[name="reports"]').checked = true; }
  });
  updateCount();
})();
