// Selection for bulk actions: "select page", the selected count, and the one parameter
// field the chosen action needs (without JavaScript every field shows; the server uses one).
(function () {
  "use strict";
  function boxes() { return document.querySelectorAll("[data-select-row]"); }

  function refresh() {
    var all = boxes();
    var chosen = Array.prototype.filter.call(all, function (box) { return box.checked; }).length;
    var page = document.querySelector("[data-select-page]");
    if (page) {
      page.checked = all.length > 0 && chosen === all.length;
      page.indeterminate = chosen > 0 && chosen < all.length;
    }
    var count = document.querySelector("[data-selected-count]");
    if (count) count.textContent = chosen ? (count.dataset.template || "{count}").replace("{count}", chosen) : "";
  }
  function showParams() {
    var action = document.querySelector("[data-bulk-action]");
    if (!action) return;
    document.querySelectorAll(".bulk-param").forEach(function (part) {
      part.hidden = part.dataset.for !== action.value;
    });
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-select-page]")) {
      boxes().forEach(function (box) { box.checked = event.target.checked; });
    }
    if (event.target.matches("[data-bulk-action]")) showParams();
    refresh();
  });
  document.addEventListener("queue:selection", refresh);
  showParams();
  refresh();
})();
