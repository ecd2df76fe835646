// Small progressive enhancements shared by every page.  No inline scripts (CSP: script-src 'self').
(function () {
  "use strict";
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  // Buttons marked data-confirm ask before submitting their form.
  document.querySelectorAll("[data-confirm]").forEach(function (el) {
    el.addEventListener("click", function (event) {
      if (!window.confirm(el.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
  // Error pages: "back" returns to the previous page when there is one (the link's href otherwise).
  document.querySelectorAll("a[data-history-back]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      if (window.history.length > 1 && document.referrer) { event.preventDefault(); window.history.back(); }
    });
  });
  // Wide tables: a faded edge says "more this way" while a table scrolls sideways (the first
  // column stays put, see app.css); on a phone, a table becomes one card per row, each value
  // labelled with its column's heading.
  function scrollCue(wrap) {
    var more = wrap.scrollWidth - wrap.clientWidth;
    wrap.classList.toggle("scroll-right", more > 2 && wrap.scrollLeft < more - 2);
    wrap.classList.toggle("scroll-left", more > 2 && wrap.scrollLeft > 2);
  }
  document.querySelectorAll(".table-wrap").forEach(function (wrap) {
    var table = wrap.querySelector(":scope > table");
    if (table && !table.classList.contains("no-cards") && !wrap.closest(".chart-table") && table.tHead &&
        table.tHead.rows.length === 1 && !table.querySelector("td[data-label]")) {
      var headings = Array.prototype.map.call(table.tHead.rows[0].cells, function (cell) {
        return cell.getAttribute("aria-label") || cell.textContent.trim();
      });
      Array.prototype.forEach.call(table.tBodies, function (body) {
        Array.prototype.forEach.call(body.rows, function (row) {
          Array.prototype.forEach.call(row.cells, function (cell, i) {
            if (headings[i]) { cell.setAttribute("data-label", headings[i]); }
          });
        });
      });
      table.classList.add("cards");
    }
    scrollCue(wrap);
    wrap.addEventListener("scroll", function () { scrollCue(wrap); }, { passive: true });
  });
  window.addEventListener("resize", function () { document.querySelectorAll(".table-wrap").forEach(scrollCue); });
  window.cxops = window.cxops || {};
  window.cxops.csrfToken = function () {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  };
})();
