// "@" in the composer asks the server who may read this (mentions.html fragment) and
// inserts the chosen person's address.
(function () {
  "use strict";
  var TOKEN = /(^|[^\w@])@([\w.+-]*)$/;
  document.addEventListener("input", function (event) {
    var area = event.target.closest("form[data-composer] textarea[name=body]");
    if (!area) return;
    var before = area.value.slice(0, area.selectionStart);
    var match = TOKEN.exec(before);
    var query = document.getElementById("mention-query");
    var list = document.getElementById("mention-list");
    if (!query) return;
    if (!match) { list.textContent = ""; return; }
    query.value = match[2];
    query.dispatchEvent(new Event("mention-query"));
  });
  document.addEventListener("click", function (event) {
    var option = event.target.closest("button[data-mention]");
    if (!option) return;
    var area = document.querySelector("form[data-composer] textarea[name=body]");
    var caret = area.selectionStart;
    var before = area.value.slice(0, caret).replace(/@[\w.+-]*$/, option.dataset.mention + " ");
    area.value = before + area.value.slice(caret);
    area.dispatchEvent(new Event("input", { bubbles: true }));
    document.getElementById("mention-list").textContent = "";
    area.focus();
    area.setSelectionRange(before.length, before.length);
  });
})();
