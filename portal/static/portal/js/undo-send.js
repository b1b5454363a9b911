// A short undo window before a public reply leaves: the send waits 5 s with an Undo button.
// Without scripts the reply is sent at once.
(function () {
  "use strict";
  var SECONDS = 5;
  document.addEventListener("composer:send", function (event) {
    if (!event.detail.isPublic) return;
    event.preventDefault();
    var form = event.target;
    var bar = form.querySelector(".undo-bar");
    var text = bar.querySelector(".undo-text");
    var undo = bar.querySelector(".undo-button");
    var send = form.querySelector(".composer-send");
    var left = SECONDS;
    function show() { text.textContent = text.dataset.template.replace("%(seconds)s", left); }
    show();
    bar.hidden = false;
    send.disabled = true;
    undo.focus();
    var timer = window.setInterval(function () {
      left -= 1;
      if (left > 0) { show(); return; }
      finish();
      event.detail.issue();
    }, 1000);
    function finish() {
      window.clearInterval(timer);
      bar.hidden = true;
      send.disabled = false;
      undo.removeEventListener("click", cancel);
    }
    function cancel() {
      finish();
      form.querySelector("input[data-confirmed]").value = "0";
      form.querySelector("textarea[name=body]").focus();
    }
    undo.addEventListener("click", cancel);
  });
})();
