// Import job page: poll the small JSON endpoint and update the progress until the job finishes.
(function () {
  "use strict";
  var box = document.getElementById("import-progress");
  if (!box) { return; }
  var bar = document.getElementById("job-bar");
  function paint(percent) {
    bar.style.width = percent + "%";
    bar.parentNode.setAttribute("aria-valuenow", String(percent));
  }
  paint(Number(bar.getAttribute("data-percent")) || 0);
  if (box.getAttribute("data-finished") === "1") { return; }
  var url = box.getAttribute("data-progress-url");
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        paint(data.percent);
        document.getElementById("job-status").textContent = data.status_label;
        ["rows_seen", "inserted", "duplicates", "rejected"].forEach(function (key) {
          document.getElementById("fig-" + key).textContent = data[key];
        });
        var error = document.getElementById("job-error");
        error.textContent = data.error || "";
        error.hidden = !data.error;
        var stalled = data.stalled ? "1" : "0";
        if (data.finished || stalled !== box.getAttribute("data-stalled")) {
          window.location.reload();  // finished, or stalled / moving again: the page shows what to do
        } else { setTimeout(poll, 1500); }
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, 1000);
})();
