// Live transcode status: poll the portal for the rows (or the page) still in motion.
(function () {
  "use strict";
  var root = document.querySelector("[data-live-status]");
  if (!root) { return; }
  var url = root.dataset.liveStatus;
  var EVERY = 3000;

  function live() { return root.querySelectorAll("[data-video][data-live]"); }

  function update(el, info) {
    el.querySelector("[data-status]").textContent = info.status_label;
    el.querySelector("[data-status]").className = "status status-" + info.status;
    var bar = el.querySelector("[data-progress]");
    bar.value = info.progress;
    bar.textContent = info.progress + " %";
    bar.hidden = !(info.status === "queued" || info.status === "processing");
    el.querySelector("[data-message]").textContent =
      info.status === "failed" ? (info.message || "") : "";
    var changed = el.dataset.status && el.dataset.status !== info.status;
    el.dataset.status = info.status;
    if (!["uploading", "queued", "processing"].includes(info.status)) {
      el.removeAttribute("data-live");
      // The video page shows the player and the actions once the transcode is over.
      if (changed && root.hasAttribute("data-reload-when-done")) { window.location.reload(); }
    }
  }

  function poll() {
    var rows = live();
    if (!rows.length) { return; }
    var ids = Array.prototype.map.call(rows, function (el) { return el.dataset.video; });
    fetch(url + "?ids=" + encodeURIComponent(ids.join(",")), {
      credentials: "same-origin", headers: { "Accept": "application/json" }
    }).then(function (r) { return r.ok ? r.json() : { videos: [] }; }).then(function (body) {
      body.videos.forEach(function (info) {
        root.querySelectorAll('[data-video="' + info.id + '"]').forEach(function (el) {
          if (!el.dataset.status) { el.dataset.status = el.dataset.initialStatus || ""; }
          update(el, info);
        });
      });
    }).catch(function () { /* offline for a moment: the next poll catches up */ })
      .finally(function () { window.setTimeout(poll, EVERY); });
  }
  live().forEach(function (el) {
    el.dataset.status = el.querySelector("[data-status]").className.replace("status status-", "");
  });
  window.setTimeout(poll, EVERY);
}());
