// Composer modes: "Reply to requester" or "Internal note" change the border, the heading
// and the send button's words; the "i" key toggles when shortcuts are on.
(function () {
  "use strict";
  function apply(form) {
    var checked = form.querySelector("input[name=visibility]:checked");
    var mode = checked ? checked.value : "public";
    var section = form.closest(".composer");
    section.classList.toggle("composer-internal", mode === "internal");
    section.classList.toggle("composer-public", mode !== "internal");
    var label = section.querySelector(".composer-label");
    var send = form.querySelector(".composer-send");
    label.textContent = label.dataset["label" + (mode === "internal" ? "Internal" : "Public")];
    send.textContent = send.dataset["label" + (mode === "internal" ? "Internal" : "Public")];
  }
  document.addEventListener("change", function (event) {
    if (event.target.matches("form[data-composer] input[name=visibility]")) apply(event.target.form);
  });
  function typing(target) {
    return target.closest("input, textarea, select, [contenteditable=true]") !== null;
  }
  document.addEventListener("keydown", function (event) {
    if (event.key !== "i" || event.ctrlKey || event.metaKey || event.altKey) return;
    if (document.body.dataset.shortcuts !== "on" || typing(event.target)) return;
    var form = document.querySelector("form[data-composer]");
    if (!form) return;
    var next = form.querySelector("input[name=visibility]:not(:checked)");
    if (!next) return;
    event.preventDefault();
    next.checked = true;
    next.dispatchEvent(new Event("change", { bubbles: true }));
    next.focus();
  });
})();
