// Copy buttons: <button data-copy="text" data-copied="Copied"> puts the text on the clipboard.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-copy]");
    if (!button || !navigator.clipboard) return;
    navigator.clipboard.writeText(button.dataset.copy).then(function () {
      var toasts = document.getElementById("toasts");
      if (!toasts) return;
      var toast = document.createElement("p");
      toast.className = "toast toast-success";
      toast.textContent = button.dataset.copied + ": " + button.dataset.copy;
      toasts.appendChild(toast);
      window.setTimeout(function () { toast.remove(); }, 4000);
    });
  });
})();
