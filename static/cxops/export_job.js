// A background export's page: read its progress every two seconds until it is finished, then
// show the download link (the page works without this: it shows the state when loaded).
(function () {
  "use strict";
  var box = document.querySelector(".export-job");
  if (!box) return;
  var url = box.getAttribute("data-progress-url");
  function field(name) { return box.querySelector('[data-field="' + name + '"]'); }
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (answer) { return answer.ok ? answer.json() : null; })
      .then(function (job) {
        if (!job) return;
        field("status_label").textContent = job.status_label;
        var bar = box.querySelector("progress");
        bar.value = job.percent;
        bar.textContent = job.percent + " %";
        var rows = field("rows");
        rows.textContent = rows.textContent.replace(/^\d+/, job.rows_written).replace(/\d+(\D*)$/, job.total_rows + "$1");
        if (job.download_url) { field("download").hidden = false; }
        if (job.status === "running" || job.status === "queued") { window.setTimeout(poll, 2000); }
        else if (job.status === "failed") { window.location.reload(); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
