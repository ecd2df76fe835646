// Issue page: size the daily bars and channel bars from their data attributes (no inline styles in HTML).
(function () {
  "use strict";
  var bars = document.querySelectorAll(".bars span[data-count]");
  var max = 0;
  bars.forEach(function (bar) { max = Math.max(max, Number(bar.getAttribute("data-count"))); });
  bars.forEach(function (bar) {
    var n = Number(bar.getAttribute("data-count"));
    bar.style.height = max ? Math.max(n ? 2 : 0, Math.round(100 * n / max)) + "%" : "0";
  });
  document.querySelectorAll(".hbar .fill[data-share]").forEach(function (fill) {
    var n = Number(fill.getAttribute("data-share"));
    var of = Number(fill.getAttribute("data-max")) || 1;
    fill.style.width = Math.round(100 * n / of) + "%";
  });
})();
