// The upload widget: post the video's details, then send the file with tus (resumable).
// A reload, a closed laptop or a dropped connection resumes from what the server has.
(function () {
  "use strict";
  var CHUNK = 32 * 1024 * 1024;  // a PATCH per 32 MiB: proxies never see a giant request
  var RETRY = [0, 1000, 3000, 5000, 10000, 20000, 30000, 60000];

  var widget = document.getElementById("upload");
  var form = document.getElementById("video-form") || document.getElementById("resume-form");
  if (!widget || !form || !window.tus) { return; }
  var token = document.querySelector('meta[name="csrf-token"]').content;
  var fileInput = document.getElementById("file");
  var message = widget.querySelector("[data-upload-message]");
  var bar = widget.querySelector("[data-upload-progress]");
  var percent = widget.querySelector("[data-upload-percent]");
  var bytes = widget.querySelector("[data-upload-bytes]");
  var pause = widget.querySelector("[data-upload-pause]");
  var resume = widget.querySelector("[data-upload-resume]");
  var current = null;
  var resuming = false;

  function say(key, values) {
    var text = widget.dataset["msg" + key] || key;
    Object.keys(values || {}).forEach(function (name) {
      text = text.replace("{" + name + "}", values[name]);
    });
    message.textContent = text;
  }

  function size(n) {
    var units = ["B", "KB", "MB", "GB", "TB"], i = 0;
    while (n >= 1000 && i < units.length - 1) { n /= 1000; i += 1; }
    return (i ? n.toFixed(1) : n) + " " + units[i];
  }

  function show(sent, total) {
    var pct = total ? Math.floor((sent / total) * 100) : 0;
    bar.value = pct;
    percent.textContent = pct + " %";
    bytes.textContent = size(sent) + " / " + size(total);
    widget.dataset.sent = String(sent);
  }

  function lock(locked) {
    Array.prototype.forEach.call(form.elements, function (el) { el.disabled = locked; });
  }

  function send(file, videoId, videoUrl) {
    widget.hidden = false;
    lock(true);
    say("Sending", { name: file.name });
    show(0, file.size);
    var upload = new window.tus.Upload(file, {
      endpoint: form.dataset.endpoint,
      chunkSize: CHUNK,
      retryDelays: RETRY,
      headers: { "X-CSRFToken": token },
      metadata: { filename: file.name, filetype: file.type || "application/octet-stream",
                  video: videoId },
      // One video, one upload: the same file chosen for another video starts afresh.
      fingerprint: function (f) {
        return Promise.resolve(["careers-tv", videoId, f.name, f.size, f.lastModified].join(":"));
      },
      removeFingerprintOnSuccess: true,
      onProgress: function (sent, total) {
        if (resuming) {  // the first figure after a resume: about what the server already had
          resuming = false;
          say("Resumed", { done: size(sent) });
        }
        show(sent, total);
      },
      onShouldRetry: function (err, attempt, options) {
        var status = err.originalResponse ? err.originalResponse.getStatus() : 0;
        if (status >= 400 && status < 500 && status !== 409 && status !== 423 && status !== 429) {
          return false;  // refused (not allowed, too large…): retrying will not help
        }
        say("Retrying");
        return true;
      },
      onError: function (err) {
        var detail = err.message;
        var response = err.originalResponse;
        if (response) {
          try { detail = JSON.parse(response.getBody()).error.message; } catch (e) { /* text */ }
        }
        say("Failed", { error: detail });
        widget.classList.add("failed");
        lock(false);
      },
      onSuccess: function () {
        show(file.size, file.size);
        say("Done");
        widget.classList.add("done");
        window.setTimeout(function () { window.location.assign(videoUrl); }, 1200);
      }
    });
    current = upload;
    upload.findPreviousUploads().then(function (previous) {
      if (previous.length) {
        upload.resumeFromPreviousUpload(previous[0]);
        resuming = true;
      }
      upload.start();
    });
  }

  pause.addEventListener("click", function () {
    if (!current) { return; }
    current.abort();
    say("Paused");
    pause.hidden = true;
    resume.hidden = false;
  });
  resume.addEventListener("click", function () {
    if (!current) { return; }
    current.start();
    resume.hidden = true;
    pause.hidden = false;
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var file = fileInput.files[0];
    if (!file) { widget.hidden = false; say("Nofile"); fileInput.focus(); return; }
    if (form.id === "resume-form") {
      send(file, form.dataset.video, form.dataset.videoUrl);
      return;
    }
    var data = new FormData(form);
    fetch(form.action || window.location.href, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": token }
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (result) {
      if (!result.ok) { showErrors(result.body); return; }
      // A reload from now on opens this video's upload page, which resumes.
      window.history.replaceState(null, "", result.body.upload_url);
      send(file, result.body.video, result.body.video_url);
    }).catch(function (err) {
      widget.hidden = false;
      say("Failed", { error: err.message });
    });
  });

  function showErrors(body) {
    widget.hidden = false;
    say("Form");
    form.querySelectorAll(".error.js").forEach(function (el) { el.remove(); });
    var fields = (body.error && body.error.fields) || {};
    Object.keys(fields).forEach(function (name) {
      var input = form.elements[name];
      if (!input) { return; }
      var p = document.createElement("p");
      p.className = "error js";
      p.setAttribute("role", "alert");
      p.textContent = fields[name].join(" ");
      input.insertAdjacentElement("afterend", p);
    });
    var first = form.querySelector(".error.js");
    if (first) { first.previousElementSibling.focus(); }
  }
}());
