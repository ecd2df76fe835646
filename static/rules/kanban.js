// Rules kanban: drag a card to another column (or pick "Move to…" on the card) and the move is
// asked of the transitions API — the same service as the rule page.  The card moves only when the
// server accepts; a refused move leaves it where it was and shows the server's reason.
(function () {
  "use strict";
  var board = document.querySelector(".kanban");
  if (!board) { return; }
  var status = document.getElementById("kanban-status");
  var dialog = document.getElementById("kanban-reason");
  var dragged = null;

  function say(text, kind) {
    status.textContent = text;
    status.className = "kanban-status message " + (kind || "");
  }

  function movesOf(card) {
    try { return JSON.parse(card.getAttribute("data-moves") || "[]"); } catch (e) { return []; }
  }

  function columnOf(target) {
    return board.querySelector('.kanban-column[data-status="' + target + '"]');
  }

  function recount() {
    board.querySelectorAll(".kanban-column").forEach(function (column) {
      column.querySelector(".kanban-count").textContent = column.querySelectorAll(".kanban-card").length;
    });
  }

  function askReason(card, target) {
    // A move that needs a reason opens a small dialog; cancelling sends nothing.
    return new Promise(function (resolve) {
      if (!dialog || typeof dialog.showModal !== "function") {
        resolve(window.prompt(dialog ? dialog.querySelector("h2").textContent : "") || null);
        return;
      }
      var text = dialog.querySelector("textarea");
      var column = columnOf(target);
      dialog.querySelector(".kanban-reason-move").textContent =
        card.querySelector(".kanban-card-title").textContent + " → " + (column ? column.getAttribute("data-label") : target);
      text.value = "";
      dialog.addEventListener("close", function onClose() {
        dialog.removeEventListener("close", onClose);
        resolve(dialog.returnValue === "ok" && text.value.trim() ? text.value.trim() : null);
      });
      dialog.showModal();
      text.focus();
    });
  }

  function errorText(body) {
    if (body && body.error) {
      var fields = body.error.fields || (body.error.extra && body.error.extra.fields);
      return body.error.message || (fields ? JSON.stringify(fields) : "");
    }
    if (body && body.detail) { return body.detail; }
    return board.getAttribute("data-failed-message");
  }

  function send(card, target, reason) {
    card.classList.add("is-moving");
    return fetch(board.getAttribute("data-api") + card.getAttribute("data-rule") + "/transitions/", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": window.cxops.csrfToken(), "Accept": "application/json" },
      body: JSON.stringify({ to_status: target, reason: reason || "" })
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        card.classList.remove("is-moving");
        if (!response.ok) {
          card.classList.add("is-refused");
          window.setTimeout(function () { card.classList.remove("is-refused"); }, 1500);
          say(errorText(body), "error");
          return;
        }
        // Accepted: the card goes to its new column; its next moves are on the rule's page.
        var column = columnOf(target);
        column.querySelector(".kanban-cards").appendChild(card);
        card.setAttribute("data-moves", "[]");
        card.setAttribute("draggable", "false");
        var picker = card.querySelector(".kanban-move");
        if (picker) { picker.remove(); }
        recount();
        say(board.getAttribute("data-moved-message").replace("{status}", column.getAttribute("data-label")), "success");
      });
    }).catch(function () {
      card.classList.remove("is-moving");
      say(board.getAttribute("data-failed-message"), "error");
    });
  }

  function move(card, target) {
    if (!target || card.closest(".kanban-column").getAttribute("data-status") === target) { return; }
    var known = movesOf(card).filter(function (m) { return m.to === target; })[0];
    // An unknown move is still asked of the server, so the refusal carries its reason.
    if (known && known.reason) {
      askReason(card, target).then(function (reason) { if (reason) { send(card, target, reason); } });
    } else {
      send(card, target, "");
    }
  }

  board.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest(".kanban-card");
    if (!card) { return; }
    dragged = card;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.getAttribute("data-rule"));
    var allowed = movesOf(card).map(function (m) { return m.to; });
    board.querySelectorAll(".kanban-column").forEach(function (column) {
      if (allowed.indexOf(column.getAttribute("data-status")) >= 0) { column.classList.add("is-allowed"); }
    });
  });
  board.addEventListener("dragend", function () {
    dragged = null;
    board.querySelectorAll(".kanban-column").forEach(function (column) {
      column.classList.remove("is-allowed", "is-over");
    });
  });
  board.querySelectorAll(".kanban-column").forEach(function (column) {
    column.addEventListener("dragover", function (event) {
      if (!dragged) { return; }
      event.preventDefault();
      column.classList.add("is-over");
    });
    column.addEventListener("dragleave", function () { column.classList.remove("is-over"); });
    column.addEventListener("drop", function (event) {
      event.preventDefault();
      column.classList.remove("is-over");
      if (dragged) { move(dragged, column.getAttribute("data-status")); }
    });
  });
  board.addEventListener("change", function (event) {
    var select = event.target;
    if (!select.matches || !select.matches("select[data-kanban-move]")) { return; }
    var target = select.value;
    select.value = "";
    move(select.closest(".kanban-card"), target);
  });
})();
