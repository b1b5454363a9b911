// Live refresh of the ticket list: the poll sends the last ETag (the server answers 304
// while nothing changed), and a swap keeps the selection and the focused control.
(function () {
  "use strict";
  var kept = null;

  function list(elt) { return elt && elt.matches && elt.matches("[data-live-list]") ? elt : null; }

  document.addEventListener("htmx:configRequest", function (event) {
    var elt = list(event.detail.elt);
    if (elt && elt.dataset.etag) event.detail.headers["If-None-Match"] = elt.dataset.etag;
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var elt = list(event.detail.elt);
    var etag = event.detail.xhr && event.detail.xhr.getResponseHeader("ETag");
    if (elt && etag) elt.dataset.etag = etag;
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    var elt = list(event.detail.target);
    if (!elt) return;
    var active = document.activeElement;
    kept = {
      checked: Array.prototype.map.call(
        document.querySelectorAll("[data-select-row]:checked"), function (box) { return box.value; }),
      focus: active && elt.contains(active) && active.id ? active.id : null,
    };
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (!list(event.detail.target) || !kept) return;
    kept.checked.forEach(function (value) {
      var box = document.getElementById("select-" + value);
      if (box) box.checked = true;
    });
    if (kept.focus) {
      var again = document.getElementById(kept.focus);
      if (again) again.focus({ preventScroll: true });
    }
    kept = null;
    document.dispatchEvent(new CustomEvent("queue:selection"));
  });
})();
