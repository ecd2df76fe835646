// Strategy pool: reply in place (progressive: without JS the ?reply= link does the same).
(function () {
  "use strict";
  var form = document.getElementById("comment-form");
  if (!form) { return; }
  var parent = document.getElementById("comment-parent");
  var note = document.getElementById("replying-to");
  var body = document.getElementById("comment-body");
  var cancel = document.getElementById("cancel-reply");
  var home = form.parentNode;
  var homeNext = form.nextSibling;

  function reset() {
    parent.value = "";
    note.hidden = true;
    home.insertBefore(form, homeNext);
  }
  document.querySelectorAll("a.pool-reply").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      var comment = link.closest("li");
      parent.value = link.getAttribute("data-reply");
      note.hidden = false;
      comment.appendChild(form);
      body.focus();
    });
  });
  if (cancel) {
    cancel.addEventListener("click", function (event) {
      event.preventDefault();
      reset();
      body.focus();
    });
  }
})();
