// A public reply that mentions someone or holds an unfilled {{placeholder}} asks first.
// Then the send goes on through "composer:send" (undo-send.js may hold it back a moment).
// Without scripts the server asks instead (a "send anyway" box).
(function () {
  "use strict";
  var MENTION = /(^|[^\w@])@[\w.+-]+/;
  var PLACEHOLDER = /\{\{\s*[\w.]+\s*\}\}/;
  document.addEventListener("htmx:confirm", function (event) {
    var form = event.detail.elt;
    if (!form.matches || !form.matches("form[data-composer]")) return;
    event.preventDefault();
    var checked = form.querySelector("input[name=visibility]:checked");
    var body = form.querySelector("textarea[name=body]").value;
    var isPublic = !checked || checked.value === "public";
    var flag = form.querySelector("input[data-confirmed]");
    if (isPublic && (MENTION.test(body) || PLACEHOLDER.test(body))) {
      if (!window.confirm(form.dataset.confirmQuestion)) return;
      flag.value = "1";
    }
    var detail = { issue: function () { event.detail.issueRequest(true); }, isPublic: isPublic };
    var go = form.dispatchEvent(new CustomEvent("composer:send", { bubbles: true, cancelable: true, detail: detail }));
    if (go) detail.issue();
  });
})();
