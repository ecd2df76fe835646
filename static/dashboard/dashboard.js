// Dashboard page helpers (no inline scripts: CSP script-src 'self').
(function () {
  "use strict";
  // Choosing a product opens its page at once; without JavaScript the form's submit does the same.
  document.querySelectorAll("select[data-product-base]").forEach(function (select) {
    select.addEventListener("change", function () {
      if (select.value) {
        window.location.href = select.getAttribute("data-product-base").replace("CODE", encodeURIComponent(select.value));
      }
    });
  });
})();
