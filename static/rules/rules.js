// Rule page: a move that needs a reason is not sent without one (the server checks it too).
(function () {
  "use strict";
  var form = document.querySelector(".rules-move-form");
  if (!form) { return; }
  var reason = form.querySelector("textarea[name=reason]");
  form.querySelectorAll("button[data-reason-required]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      if (reason && !reason.value.trim()) {
        event.preventDefault();
        reason.setCustomValidity(form.getAttribute("data-reason-required-message") || "");
        reason.reportValidity();
        reason.focus();
      }
    });
  });
  if (reason) {
    reason.addEventListener("input", function () { reason.setCustomValidity(""); });
  }
})();
