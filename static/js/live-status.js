// Live transcode and captions-draft status: poll the portal for the rows (or the page) still
// in motion.
(function () {
  "use strict";
  var root = document.querySelector("[data-live-status]");
  if (!root) { return; }
  var url = root.dataset.liveStatus;
  var EVERY = 3000;

  // The whole page: the video page's captions draft is outside the status block.
  function live() { return document.querySelectorAll("[data-video][data-live]"); }

  // The video page's captions draft ([data-captions]): its own state, from the same answer.
  function updateDraft(el, draft) {
    if (!draft) { return; }
    el.querySelector("[data-status]").textContent = draft.label;
    el.querySelector("[data-status]").className = "status status-captions-" + draft.state;
    var bar = el.querySelector("[data-progress]");
    bar.value = draft.progress;
    bar.textContent = draft.progress + " %";
    bar.hidden = !draft.live;
    el.querySelector("[data-message]").textContent = draft.message || "";
    var changed = el.dataset.state !== draft.state;
    el.dataset.state = draft.state;
    if (!draft.live) {
      el.removeAttribute("data-live");
      // The new track, its label and the publish checks come with the page.
      if (changed && root.hasAttribute("data-reload-when-done")) { window.location.reload(); }
    }
  }

  function update(el, info) {
    if (el.hasAttribute("data-captions")) { updateDraft(el, info.captions); return; }
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
        document.querySelectorAll('[data-video="' + info.id + '"]').forEach(function (el) {
          if (!el.dataset.status) { el.dataset.status = el.dataset.initialStatus || ""; }
          update(el, info);
        });
      });
    }).catch(function () { /* offline for a moment: the next poll catches up */ })
      .finally(function () { window.setTimeout(poll, EVERY); });
  }
  live().forEach(function (el) {
    if (el.hasAttribute("data-captions")) { return; }  // its data-state is in the page
    el.dataset.status = el.querySelector("[data-status]").className.replace("status status-", "");
  });
  window.setTimeout(poll, EVERY);
}());
