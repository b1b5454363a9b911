// Reorder the list's columns by dragging them in the Columns panel; each item also has
// buttons (links) that do the same without a pointer or without JavaScript.
(function () {
  "use strict";
  var list = document.querySelector("[data-columns-drag]");
  if (!list) return;
  var dragged = null;

  function items() { return Array.prototype.slice.call(list.querySelectorAll("[data-column]")); }
  function clear() { items().forEach(function (item) { item.classList.remove("drop-before"); }); }

  list.addEventListener("dragstart", function (event) {
    dragged = event.target.closest("[data-column]");
    if (!dragged) return;
    dragged.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", dragged.dataset.column);
  });
  list.addEventListener("dragover", function (event) {
    var over = event.target.closest("[data-column]");
    if (!dragged || !over) return;
    event.preventDefault();
    clear();
    if (over !== dragged) over.classList.add("drop-before");
  });
  list.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    clear();
    dragged = null;
  });
  list.addEventListener("drop", function (event) {
    var over = event.target.closest("[data-column]");
    if (!dragged || !over || over === dragged) return;
    event.preventDefault();
    list.insertBefore(dragged, over);
    var params = new URLSearchParams(list.dataset.base || "");
    params.set("cols", items().map(function (item) { return item.dataset.column; }).join(","));
    params.delete("cursor");
    window.location.search = params.toString();
  });
})();
