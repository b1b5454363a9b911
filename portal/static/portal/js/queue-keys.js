// The ticket list's keys: j/k move the row focus, x selects the row, Enter opens it.
// Single keys act only while shortcuts are on and focus is not in a field (WCAG 2.1.4).
(function () {
  "use strict";
  var current = null; // id of the current row ("row-42"), kept across live refreshes

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-queue-table] tr[data-row]"));
  }
  function typing(target) {
    return target.closest("input:not([type=checkbox]):not([type=radio]), textarea, select, [contenteditable=true]") !== null;
  }
  function mark(row, focus) {
    rows().forEach(function (r) { r.classList.toggle("is-current", r === row); });
    current = row ? row.id : null;
    if (row && focus) {
      var link = row.querySelector("[data-row-link]");
      if (link) link.focus();
      row.scrollIntoView({ block: "nearest" });
    }
  }
  function currentRow() {
    var row = current && document.getElementById(current);
    if (row) return row;
    var focused = document.activeElement && document.activeElement.closest("tr[data-row]");
    return focused || null;
  }

  document.addEventListener("keydown", function (event) {
    if (document.body.dataset.shortcuts !== "on" || typing(event.target)) return;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var all = rows();
    if (!all.length) return;
    var row = currentRow();
    var index = row ? all.indexOf(row) : -1;
    if (event.key === "j" || event.key === "k") {
      event.preventDefault();
      var next = event.key === "j" ? Math.min(index + 1, all.length - 1) : Math.max(index - 1, 0);
      mark(all[next], true);
    } else if (event.key === "x" && row) {
      var box = row.querySelector("[data-select-row]");
      if (box) {
        event.preventDefault();
        box.checked = !box.checked;
        box.dispatchEvent(new Event("change", { bubbles: true }));
      }
    } else if (event.key === "Enter" && row && !event.target.closest("a, button")) {
      var link = row.querySelector("[data-row-link]");
      if (link) { event.preventDefault(); link.click(); }
    }
  });

  document.addEventListener("focusin", function (event) {
    var row = event.target.closest && event.target.closest("[data-queue-table] tr[data-row]");
    if (row) mark(row, false);
  });
  document.addEventListener("htmx:afterSwap", function () {
    var row = current && document.getElementById(current);
    if (row) row.classList.add("is-current");
  });
})();
