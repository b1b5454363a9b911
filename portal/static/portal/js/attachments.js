/* Attachments: file input, drag and drop and paste; one progress bar per file.
 * Each file is hashed (SHA-256), announced to the REST API, PUT to the presigned URL
 * (S3 or our own signed URL), then completed; the list refreshes and shows "Scanning"
 * until the worker's scan is clean. Without crypto.subtle (plain http), the file is
 * posted to the API as multipart instead. No inline code: CSP-strict. */
(function () {
  "use strict";
  if (window.ruledeskAttachments) { return; }  // htmx may bring the script tag again
  window.ruledeskAttachments = true;

  function csrf(form) {
    var input = form.querySelector("[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function visibility(form) {
    var field = form.querySelector("[name=visibility]");
    return field ? field.value : "public";
  }

  function request(method, url, headers, body, onProgress) {
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      xhr.open(method, url);
      Object.keys(headers).forEach(function (name) { xhr.setRequestHeader(name, headers[name]); });
      if (onProgress) {
        xhr.upload.addEventListener("progress", function (event) {
          if (event.lengthComputable) { onProgress(event.loaded / event.total); }
        });
      }
      xhr.addEventListener("load", function () {
        var data = null;
        try { data = JSON.parse(xhr.responseText); } catch (e) { data = null; }
        if (xhr.status >= 200 && xhr.status < 300) { resolve(data); }
        else { reject(new Error((data && data.detail) || String(xhr.status))); }
      });
      xhr.addEventListener("error", function () { reject(new Error("network")); });
      xhr.send(body);
    });
  }

  function hex(buffer) {
    return Array.prototype.map.call(new Uint8Array(buffer), function (byte) {
      return ("0" + byte.toString(16)).slice(-2);
    }).join("");
  }

  function row(form, file) {
    var item = document.createElement("li");
    item.className = "upload-item";
    var name = document.createElement("span");
    name.textContent = file.name;
    var bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", file.name);
    var state = document.createElement("span");
    state.className = "upload-state";
    state.textContent = form.dataset.msgHashing;
    item.append(name, bar, state);
    form.querySelector("[data-attachment-progress]").append(item);
    return { item: item, bar: bar, state: state };
  }

  function json(form) {
    return { "Content-Type": "application/json", "X-CSRFToken": csrf(form) };
  }

  async function presigned(form, file, ui) {
    var digest = hex(await crypto.subtle.digest("SHA-256", await file.arrayBuffer()));
    var started = await request("POST", form.dataset.api, json(form), JSON.stringify({
      filename: file.name, content_type: file.type || "application/octet-stream",
      size: file.size, sha256: digest, visibility: visibility(form)
    }));
    ui.state.textContent = form.dataset.msgUploading;
    await request(started.upload.method, started.upload.url, started.upload.headers, file,
      function (share) { ui.bar.value = Math.round(share * 100); });
    await request("POST", "/api/v1/attachments/" + started.id + "/complete", json(form), null);
  }

  async function direct(form, file, ui) {
    var body = new FormData();
    body.append("file", file, file.name);
    body.append("visibility", visibility(form));
    ui.state.textContent = form.dataset.msgUploading;
    await request("POST", form.dataset.api, { "X-CSRFToken": csrf(form) }, body,
      function (share) { ui.bar.value = Math.round(share * 100); });
  }

  async function upload(form, file) {
    var ui = row(form, file);
    try {
      await ((window.crypto && crypto.subtle) ? presigned : direct)(form, file, ui);
      ui.bar.value = 100;
      ui.state.textContent = form.dataset.msgScanning;
    } catch (error) {
      ui.item.classList.add("failed");
      ui.state.textContent = form.dataset.msgFailed + ": " + error.message;
    }
    document.body.dispatchEvent(new CustomEvent("attachments-changed"));
  }

  function send(form, files) {
    Array.prototype.forEach.call(files, function (file) { upload(form, file); });
  }

  function setUp(form) {
    var zone = form.querySelector("[data-attachment-zone]");
    var input = form.querySelector("input[type=file]");
    form.querySelector("[data-attachment-submit]").remove();  // files upload as chosen
    input.addEventListener("change", function () { send(form, input.files); input.value = ""; });
    form.addEventListener("submit", function (event) { event.preventDefault(); send(form, input.files); });
    zone.addEventListener("dragover", function (event) { event.preventDefault(); zone.classList.add("dragging"); });
    zone.addEventListener("dragleave", function () { zone.classList.remove("dragging"); });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      zone.classList.remove("dragging");
      if (event.dataTransfer && event.dataTransfer.files.length) { send(form, event.dataTransfer.files); }
    });
  }

  // The agent composer's mode (reply or internal note) decides the visibility.
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!target.matches || !target.matches("#composer [name=visibility]")) { return; }
    var select = document.querySelector("[data-attachment-visibility]");
    if (select) { select.value = target.value; }
  });

  // Pasting a screenshot anywhere on the page attaches it (text pastes are untouched).
  document.addEventListener("paste", function (event) {
    var form = document.querySelector("[data-attachment-form]");
    var files = event.clipboardData ? event.clipboardData.files : null;
    if (form && files && files.length) { event.preventDefault(); send(form, files); }
  });

  function init(root) {
    root.querySelectorAll("[data-attachment-form]").forEach(function (form) {
      if (form.dataset.ready) { return; }
      form.dataset.ready = "1";
      setUp(form);
    });
  }
  init(document);
  document.addEventListener("htmx:afterSettle", function (event) { init(event.target); });
})();
