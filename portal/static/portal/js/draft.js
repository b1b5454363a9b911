// Local drafts of the composer, one per ticket and mode, kept in localStorage:
// restored on return, switched with the mode, cleared once sent.
(function () {
  "use strict";
  function mode(form) {
    var checked = form.querySelector("input[name=visibility]:checked");
    return checked ? checked.value : "public";
  }
  function key(area, which) { return "ruledesk:draft:" + area.dataset.draftKey + ":" + which; }
  function store(area, which) {
    try {
      if (area.value.trim()) localStorage.setItem(key(area, which), area.value);
      else localStorage.removeItem(key(area, which));
    } catch (e) { /* storage full or disabled: the draft stays in the page only */ }
  }
  function restore(area, which) {
    try {
      var saved = localStorage.getItem(key(area, which));
      if (saved !== null && !area.value.trim()) area.value = saved;
    } catch (e) { /* ignore */ }
  }
  function setup(root) {
    var area = root.querySelector ? root.querySelector("textarea[data-draft-key]") : null;
    if (!area || area.dataset.draftReady) return;
    area.dataset.draftReady = "1";
    var form = area.form;
    area.dataset.mode = mode(form);
    if (area.hasAttribute("data-sent")) {
      // The server answered a successful send with this fresh composer: that draft is gone.
      try { localStorage.removeItem(key(area, area.dataset.mode)); } catch (e) { /* ignore */ }
      return;
    }
    restore(area, area.dataset.mode);
  }
  document.addEventListener("input", function (event) {
    var area = event.target.closest("textarea[data-draft-key]");
    if (area) store(area, mode(area.form));
  });
  document.addEventListener("change", function (event) {
    if (!event.target.matches("input[name=visibility]")) return;
    var area = event.target.form && event.target.form.querySelector("textarea[data-draft-key]");
    if (!area) return;
    store(area, area.dataset.mode);
    area.dataset.mode = mode(area.form);
    area.value = "";
    restore(area, area.dataset.mode);
  });
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt;
    if (form.matches && form.matches("form[data-composer]")) {
      var area = form.querySelector("textarea[data-draft-key]");
      form.dataset.sentKey = key(area, mode(form));
    }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (form.matches && form.matches("form[data-composer]") && event.detail.successful) {
      try { localStorage.removeItem(form.dataset.sentKey); } catch (e) { /* ignore */ }
    }
  });
  document.addEventListener("DOMContentLoaded", function () { setup(document); });
  document.addEventListener("htmx:afterSettle", function () { setup(document); });
  if (document.readyState !== "loading") setup(document);
})();
