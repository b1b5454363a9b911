// The board's moves: drag a card to a column, pick a column in its "Move to…" menu, or
// press [ / ] on a focused card (m opens the menu). Each posts the same form as the menu
// without scripts; a refusal puts the card back where it was and shows the reason.
(function () {
  "use strict";
  var board = document.getElementById("board");
  if (!board) return;
  var dragged = null;

  function token() {
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; }
    catch (e) { return ""; }
  }

  function list(status) {
    return board.querySelector('.board-cards[data-status="' + status + '"]');
  }

  function toast(html) {
    var box = document.getElementById("toasts");
    var holder = document.createElement("template");
    holder.innerHTML = html;
    holder.content.querySelectorAll(".toast").forEach(function (item) {
      box.appendChild(item);
      window.setTimeout(function () { item.remove(); }, 10000);
    });
  }

  function place(card, target) {
    var empty = target.querySelector(".board-empty");
    if (empty) empty.remove();
    target.insertBefore(card, target.firstElementChild);
  }

  function move(card, to) {
    var from = card.dataset.status;
    var target = list(to);
    if (!target || to === from || card.getAttribute("aria-busy") === "true") return;
    var origin = card.parentNode;
    var after = card.nextSibling;
    place(card, target);
    card.setAttribute("aria-busy", "true");
    card.focus();
    var data = new FormData();
    data.append("number", card.dataset.number);
    data.append("seen", from);
    data.append("to", to);
    data.append("next", window.location.pathname + window.location.search);
    fetch(board.dataset.moveUrl, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-CSRFToken": token(), "HX-Request": "true" },
    }).then(function (response) {
      return response.text().then(function (html) { return { ok: response.ok, html: html }; });
    }).then(function (answer) {
      card.removeAttribute("aria-busy");
      if (answer.ok) {
        var holder = document.createElement("template");
        holder.innerHTML = answer.html;
        var fresh = holder.content.querySelector(".board-card");
        if (fresh) {
          card.replaceWith(fresh);
          fresh.focus();
        }
      } else {
        origin.insertBefore(card, after && after.parentNode === origin ? after : null);
        card.classList.add("board-card-refused");
        window.setTimeout(function () { card.classList.remove("board-card-refused"); }, 2000);
        card.focus();
      }
      toast(answer.html);
    }).catch(function () {
      card.removeAttribute("aria-busy");
      origin.insertBefore(card, after && after.parentNode === origin ? after : null);
      card.focus();
    });
  }

  board.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest(".board-card");
    if (!card) return;
    dragged = card;
    card.classList.add("board-card-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.number);
  });
  board.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("board-card-dragging");
    board.querySelectorAll(".board-drop").forEach(function (el) { el.classList.remove("board-drop"); });
    dragged = null;
  });
  board.addEventListener("dragover", function (event) {
    var column = event.target.closest(".board-column");
    if (!column || !dragged) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    board.querySelectorAll(".board-drop").forEach(function (el) {
      if (el !== column) el.classList.remove("board-drop");
    });
    column.classList.add("board-drop");
  });
  board.addEventListener("drop", function (event) {
    var column = event.target.closest(".board-column");
    if (!column || !dragged) return;
    event.preventDefault();
    column.classList.remove("board-drop");
    move(dragged, column.dataset.status);
  });

  board.addEventListener("submit", function (event) {
    var form = event.target.closest(".board-move-form");
    if (!form || !event.submitter) return;
    event.preventDefault();
    var card = form.closest(".board-card");
    var menu = form.closest("details");
    if (menu) menu.open = false;
    move(card, event.submitter.value);
  });

  board.addEventListener("keydown", function (event) {
    if (document.body.dataset.shortcuts !== "on") return;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var card = event.target;
    if (!card.classList || !card.classList.contains("board-card")) return;
    if (event.key === "m") {
      event.preventDefault();
      var menu = card.querySelector("details.board-move");
      menu.open = true;
      var first = menu.querySelector("button, a");
      if (first) first.focus();
    } else if (event.key === "[" || event.key === "]") {
      event.preventDefault();
      var columns = Array.prototype.map.call(board.querySelectorAll(".board-column"), function (c) {
        return c.dataset.status;
      });
      var at = columns.indexOf(card.dataset.status) + (event.key === "]" ? 1 : -1);
      if (at >= 0 && at < columns.length) move(card, columns[at]);
    }
  });
})();
