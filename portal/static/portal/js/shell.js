// The shell's small behaviours: self-submitting selects, the "/" shortcut,
// menus that close on Escape or outside clicks, toasts that fade. Everything
// here is an enhancement: each control also works without scripts.
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.add("js");

  document.addEventListener("change", function (event) {
    var select = event.target.closest("select[data-autosubmit]");
    if (select && select.form) select.form.requestSubmit();
  });

  function typing(target) {
    return target.closest("input, textarea, select, [contenteditable=true]") !== null;
  }

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      document.querySelectorAll("details.menu[open]").forEach(function (menu) {
        menu.open = false;
        menu.querySelector("summary").focus();
      });
      return;
    }
    if (document.body.dataset.shortcuts !== "on" || typing(event.target)) return;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var field = document.querySelector('[data-shortcut-focus="' + event.key + '"]');
    if (field) {
      event.preventDefault();
      field.focus();
    }
  });

  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.open = false;
    });
  });

  function fade(toast) {
    window.setTimeout(function () { toast.remove(); }, 8000);
  }
  document.querySelectorAll("#toasts .toast").forEach(fade);
  document.addEventListener("htmx:afterSwap", function () {
    document.querySelectorAll("#toasts .toast:not([data-fading])").forEach(function (toast) {
      toast.dataset.fading = "1";
      fade(toast);
    });
  });
})();
