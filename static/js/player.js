// The public player (watch and embed pages): HLS through hls.js (natively on Safari), a quality
// menu, a captions menu remembered across videos, a seek bar with storyboard previews, ?t=.
(function () {
  "use strict";
  var root = document.querySelector("[data-player]");
  var video = root && root.querySelector("video");
  if (!video) { return; }
  var CAPTIONS_KEY = "careers-tv.captions";
  var bar = root.querySelector("[data-player-bar]");
  var seek = root.querySelector("#player-seek");
  var qualityOption = root.querySelector("[data-quality-option]");
  var quality = root.querySelector("[data-quality]");
  var captions = root.querySelector("[data-captions]");
  var status = root.querySelector("[data-player-status]");
  var start = parseFloat(video.dataset.start || "0") || 0;
  window.playerFatal = null; // read by the browser tests

  function clock(seconds) {
    var total = Math.max(0, Math.floor(seconds || 0));
    var h = Math.floor(total / 3600), m = Math.floor((total % 3600) / 60), s = total % 60;
    var mm = h ? String(m).padStart(2, "0") : String(m);
    return (h ? h + ":" : "") + mm + ":" + String(s).padStart(2, "0");
  }

  function showStatus(text) {
    if (!status) { return; }
    status.textContent = text;
    status.hidden = !text;
  }

  // -- loading ------------------------------------------------------------------------------
  var hls = null;
  if (window.Hls && window.Hls.isSupported()) {
    hls = new window.Hls({ capLevelToPlayerSize: true });
    hls.on(window.Hls.Events.ERROR, function (event, data) {
      if (!data.fatal) { return; }
      window.playerFatal = data.type + ": " + data.details;
      if (data.type === window.Hls.ErrorTypes.NETWORK_ERROR) {
        hls.startLoad(); // a dropped line: try again where we were
      } else if (data.type === window.Hls.ErrorTypes.MEDIA_ERROR) {
        hls.recoverMediaError();
      } else {
        showStatus(root.dataset.errorText || "The video cannot be played.");
      }
    });
    hls.on(window.Hls.Events.MANIFEST_PARSED, function () { fillQuality(); });
    hls.on(window.Hls.Events.LEVEL_SWITCHED, function () { describeAuto(); });
    hls.loadSource(video.dataset.src);
    hls.attachMedia(video);
    window.playerHls = hls;
  } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
    video.src = video.dataset.src;
  }
  // controls=0 on an embed: no bar and no native controls (the keyboard still works).
  var noControls = root.dataset.controls === "0";
  if (noControls) { video.controls = false; } else if (bar) { bar.hidden = false; }

  if (start > 0) {
    var seekToStart = function () {
      video.currentTime = start;
      video.removeEventListener("loadedmetadata", seekToStart);
    };
    if (video.readyState >= 1) { seekToStart(); } else {
      video.addEventListener("loadedmetadata", seekToStart);
    }
  }

  // -- quality ------------------------------------------------------------------------------
  var autoOption = quality && quality.querySelector("option[value='-1']");
  var autoLabel = autoOption ? autoOption.textContent : "Auto";

  function fillQuality() {
    if (!quality || !hls || hls.levels.length < 2) { return; }
    var rungs = hls.levels.map(function (level, index) { return { level: level, index: index }; });
    rungs.sort(function (a, b) { return b.level.height - a.level.height; });
    rungs.forEach(function (rung) {
      var option = document.createElement("option");
      option.value = String(rung.index);
      option.textContent = rung.level.height + "p";
      quality.appendChild(option);
    });
    qualityOption.hidden = false;
  }

  function describeAuto() {
    // "Auto (720p)": what the automatic choice is playing now.
    if (!autoOption || !hls || hls.currentLevel < 0) { return; }
    var level = hls.levels[hls.currentLevel];
    autoOption.textContent = hls.autoLevelEnabled && level ?
      autoLabel + " (" + level.height + "p)" : autoLabel;
  }

  if (quality) {
    quality.addEventListener("change", function () {
      if (!hls) { return; }
      // nextLevel: switch at the next fragment, without flushing what is buffered.
      hls.nextLevel = parseInt(quality.value, 10);
      describeAuto();
    });
  }

  // -- captions -----------------------------------------------------------------------------
  function remembered() {
    try { return window.localStorage.getItem(CAPTIONS_KEY) || ""; } catch (e) { return ""; }
  }

  function remember(language) {
    try { window.localStorage.setItem(CAPTIONS_KEY, language); } catch (e) { /* private mode */ }
  }

  function captionTracks() {
    return Array.prototype.filter.call(video.textTracks, function (track) {
      return track.kind === "captions" || track.kind === "subtitles";
    });
  }

  function showCaptions(language) {
    var shown = "";
    captionTracks().forEach(function (track) {
      var on = language !== "" && track.language === language && !shown;
      track.mode = on ? "showing" : "disabled";
      if (on) { shown = language; }
    });
    if (captions) { captions.value = shown; }
    return shown;
  }

  if (captions) {
    showCaptions(video.dataset.captions || remembered()); // ?captions= on an embed first
    captions.addEventListener("change", function () {
      remember(showCaptions(captions.value));
    });
    // The browser's own captions menu: keep ours (and the remembered choice) in step.
    video.textTracks.addEventListener("change", function () {
      var showing = captionTracks().filter(function (t) { return t.mode === "showing"; })[0];
      var language = showing ? showing.language : "";
      if (captions.value !== language) {
        captions.value = language;
        remember(language);
      }
    });
  }

  // -- keyboard -----------------------------------------------------------------------------
  video.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) { return; }
    var step = { ArrowRight: 5, ArrowLeft: -5 }[event.key];
    if (step) {
      video.currentTime = Math.max(0, Math.min(video.duration || 0, video.currentTime + step));
    } else if (event.key === " " || event.key === "k") {
      if (video.paused) { video.play(); } else { video.pause(); }
    } else if (event.key === "m") {
      video.muted = !video.muted;
    } else if (event.key === "Home") {
      video.currentTime = 0;
    } else if (event.key === "End" && video.duration) {
      video.currentTime = video.duration;
    } else {
      return;
    }
    event.preventDefault(); // the browser's controls would handle the key a second time
  });

  // -- seek bar and storyboard --------------------------------------------------------------
  var preview = root.querySelector("[data-preview]");
  var previewImage = root.querySelector("[data-preview-image]");
  var previewTime = root.querySelector("[data-preview-time]");
  var thumbnails = [];
  var dragging = false;

  function parseTime(text) {
    var parts = text.trim().split(":").map(parseFloat);
    return parts.reduce(function (total, part) { return total * 60 + part; }, 0);
  }

  function loadStoryboard(url) {
    fetch(url).then(function (response) {
      return response.ok ? response.text() : "";
    }).then(function (text) {
      text.replace(/\r/g, "").split("\n\n").forEach(function (block) {
        var lines = block.trim().split("\n");
        var timing = lines.findIndex(function (line) { return line.indexOf("-->") >= 0; });
        if (timing < 0 || !lines[timing + 1]) { return; }
        var times = lines[timing].split("-->");
        var target = lines[timing + 1].trim().split("#xywh=");
        var box = (target[1] || "").split(",").map(Number);
        if (box.length !== 4) { return; }
        thumbnails.push({
          start: parseTime(times[0]), end: parseTime(times[1].trim().split(/\s/)[0]),
          src: new URL(target[0], url).href, x: box[0], y: box[1], w: box[2], h: box[3],
        });
      });
    }).catch(function () { /* no previews: the seek bar still works */ });
  }

  function thumbnailAt(seconds) {
    for (var i = 0; i < thumbnails.length; i++) {
      if (seconds >= thumbnails[i].start && seconds < thumbnails[i].end) { return thumbnails[i]; }
    }
    return thumbnails.length ? thumbnails[thumbnails.length - 1] : null;
  }

  function showPreview(seconds, fraction) {
    if (!preview) { return; }
    var thumb = thumbnailAt(seconds);
    if (thumb) {
      previewImage.style.width = thumb.w + "px";
      previewImage.style.height = thumb.h + "px";
      previewImage.style.backgroundImage = "url(\"" + thumb.src + "\")";
      previewImage.style.backgroundPosition = (-thumb.x) + "px " + (-thumb.y) + "px";
    }
    previewImage.hidden = !thumb;
    previewTime.textContent = clock(seconds);
    preview.style.left = (Math.max(0, Math.min(1, fraction)) * 100) + "%";
    preview.hidden = false;
  }

  function hidePreview() { if (preview) { preview.hidden = true; } }

  function duration() {
    return isFinite(video.duration) && video.duration > 0 ? video.duration : Number(seek.max);
  }

  if (seek) {
    if (video.dataset.storyboard) { loadStoryboard(video.dataset.storyboard); }
    video.addEventListener("durationchange", function () {
      if (isFinite(video.duration)) { seek.max = String(Math.ceil(video.duration)); }
    });
    video.addEventListener("timeupdate", function () {
      if (dragging) { return; }
      seek.value = String(Math.floor(video.currentTime));
      seek.setAttribute("aria-valuetext", clock(video.currentTime) + " / " + clock(duration()));
    });
    seek.addEventListener("input", function () {
      var seconds = Number(seek.value);
      seek.setAttribute("aria-valuetext", clock(seconds) + " / " + clock(duration()));
      showPreview(seconds, seconds / duration());
      video.currentTime = seconds;
    });
    seek.addEventListener("pointerdown", function () { dragging = true; });
    seek.addEventListener("pointerup", function () { dragging = false; });
    seek.addEventListener("pointermove", function (event) {
      var box = seek.getBoundingClientRect();
      var fraction = (event.clientX - box.left) / box.width;
      showPreview(fraction * duration(), fraction);
    });
    seek.addEventListener("pointerleave", hidePreview);
    seek.addEventListener("focus", function () {
      showPreview(Number(seek.value), Number(seek.value) / duration());
    });
    seek.addEventListener("blur", hidePreview);
  }

  // -- a view: counted once per page, when playback really starts ----------------------------
  video.addEventListener("playing", function () {
    if (!video.dataset.views || !navigator.sendBeacon) { return; }
    navigator.sendBeacon(video.dataset.views);
    delete video.dataset.views;
  });

  // -- copy link (watch page) ---------------------------------------------------------------
  var copy = document.querySelector("[data-copy]");
  var copied = document.querySelector("[data-copied]");
  if (copy && navigator.clipboard) {
    copy.addEventListener("click", function () {
      navigator.clipboard.writeText(copy.dataset.copy).then(function () {
        copied.textContent = copy.dataset.copiedText || "✓";
      });
    });
  } else if (copy) {
    copy.hidden = true; // the link field below stays, to copy by hand
  }
}());
