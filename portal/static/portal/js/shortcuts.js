// Desk keyboard shortcuts: "?" opens the sheet of this screen's keys; an element with
// data-shortcut="k" (or a two-key sequence "g b") is clicked when its keys are typed.
// Nothing acts while typing in a field, with a modifier held, or when the person
// turned single-key shortcuts off (body[data-shortcuts="off"], WCAG 2.1.4).
(function () {
  "use strict";
  var pending = "";
  var timer = 0;

  function typing(target) {
    return target.closest("input, textarea, select, [contenteditable=true], [contenteditable='']") !== null;
  }

  function sheet() {
    var dialog = document.getElementById("shortcut-sheet");
    if (!dialog) return false;
    var rows = document.getElementById("shortcut-rows");
    var body = dialog.querySelector("[data-screen-rows]");
    if (rows && body && !body.dataset.filled) {
      body.appendChild(rows.content.cloneNode(true));
      body.dataset.filled = "1";
    }
    dialog.showModal();
    return true;
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-shortcut-sheet]");
    if (link && !event.ctrlKey && !event.metaKey && !event.shiftKey && sheet()) {
      event.preventDefault();
    }
  });

  document.addEventListener("keydown", function (event) {
    if (document.body.dataset.shortcuts !== "on" || event.defaultPrevented) return;
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    if (document.querySelector("dialog[open]")) return;
    if (event.key === "?") {
      if (sheet()) event.preventDefault();
      return;
    }
    if (event.key.length !== 1) return;
    var keys = pending ? pending + " " + event.key : event.key;
    var target = document.querySelector('[data-shortcut="' + CSS.escape(keys) + '"]');
    if (target) {
      pending = "";
      event.preventDefault();
      target.click();
      return;
    }
    var prefix = document.querySelector('[data-shortcut^="' + CSS.escape(keys + " ") + '"]');
    window.clearTimeout(timer);
    pending = prefix ? keys : "";
    if (prefix) {
      event.preventDefault();
      timer = window.setTimeout(function () { pending = ""; }, 1500);
    }
  });
})();
