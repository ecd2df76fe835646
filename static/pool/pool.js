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

// Markdown preview on the edit form: the server renders and sanitises (the page's own renderer).
(function () {
  "use strict";
  var button = document.querySelector(".pool-preview-toggle");
  if (!button) { return; }
  var textarea = document.getElementById("id_body");
  var preview = document.getElementById("body-preview");
  var previewLabel = button.textContent;
  button.hidden = false;
  button.addEventListener("click", function () {
    if (!preview.hidden) {
      preview.hidden = true;
      textarea.hidden = false;
      button.textContent = previewLabel;
      textarea.focus();
      return;
    }
    var body = new URLSearchParams();
    body.set("text", textarea.value);
    fetch(button.getAttribute("data-preview-url"), {
      method: "POST",
      headers: { "X-CSRFToken": textarea.form.querySelector("[name=csrfmiddlewaretoken]").value, "Content-Type": "application/x-www-form-urlencoded" },
      body: body.toString(),
      credentials: "same-origin"
    }).then(function (response) { return response.json(); }).then(function (data) {
      preview.innerHTML = data.html;  // sanitised by nh3 on the server
      preview.style.minHeight = textarea.offsetHeight + "px";
      textarea.hidden = true;
      preview.hidden = false;
      button.textContent = button.getAttribute("data-label-edit");
    });
  });
})();
