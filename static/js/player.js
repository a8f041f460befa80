// The public player (watch and embed pages; templates/public/_player.html): HLS through hls.js
// (natively on Safari) with a buffer that fits the viewer, and one overlaid control bar of ours
// instead of the browser's: play, volume, time, one timeline (storyboard previews, chapter
// marks), captions drawn by us (size and background of the viewer's choice), one settings menu
// (quality, captions, speed, chapters, shortcuts), picture in picture, full screen; keyboard
// shortcuts, touch gestures, announcements for screen readers.
(function () {
  "use strict";
  var root = document.querySelector("[data-player]");
  var video = root && root.querySelector("video");
  if (!video) { return; }
  var box = root.querySelector("[data-player-box]");
  var controls = root.querySelector("[data-player-controls]");
  var texts = JSON.parse((root.querySelector("[data-player-texts]") || {}).textContent || "{}");
  var noControls = root.dataset.controls === "0";
  var PREFIX = "careers-tv.";
  window.playerFatal = null; // read by the browser tests
  window.playerHls = null;

  function $(selector) { return root.querySelector(selector); }
  function $$(selector) { return Array.prototype.slice.call(root.querySelectorAll(selector)); }
  function text(name, values) {
    var value = texts[name] || name;
    (values || []).forEach(function (part, index) {
      value = value.replace(index ? "##" : "#", part);
    });
    return value;
  }
  function pref(name) {
    try { return window.localStorage.getItem(PREFIX + name) || ""; } catch (e) { return ""; }
  }
  function remember(name, value) {
    try { window.localStorage.setItem(PREFIX + name, String(value)); } catch (e) { /* private mode */ }
  }
  function clock(seconds) {
    var total = Math.max(0, Math.floor(seconds || 0));
    var h = Math.floor(total / 3600), m = Math.floor((total % 3600) / 60), s = total % 60;
    return (h ? h + ":" + String(m).padStart(2, "0") : String(m)) + ":" + String(s).padStart(2, "0");
  }
  function duration() {
    if (isFinite(video.duration) && video.duration > 0) { return video.duration; }
    return Number(seek && seek.max) || 0;
  }

  // Screen readers hear what a key or a button did; a repeated message is said again.
  var announcer = root.querySelector("[data-player-announce]");
  var announceTimer = null;
  var seekAnnounceTimer = null;
  function announce(message) {
    if (!announcer) { return; }
    clearTimeout(announceTimer);
    clearTimeout(seekAnnounceTimer); // a later action says more than where a seek landed
    announcer.textContent = "";
    announceTimer = setTimeout(function () { announcer.textContent = message; }, 60);
  }

  // -- the box takes the video's shape ------------------------------------------------------
  function shape(width, height) {
    if (width > 0 && height > 0) { box.style.aspectRatio = width + " / " + height; }
  }
  shape(Number(root.dataset.width), Number(root.dataset.height));
  video.addEventListener("loadedmetadata", function () {
    if (!root.dataset.width) { shape(video.videoWidth, video.videoHeight); }
  });

  // -- loading: a buffer of PLAYER_BUFFER_SECONDS ahead, the first level from the last visit's
  // bandwidth estimate and from the player's size -------------------------------------------
  var status = $("[data-player-status]");
  var hls = null;
  var retries = { network: 0, media: 0 };

  function fail(type, details) {
    if (status) {
      status.textContent = root.dataset.errorText || "The video cannot be played.";
      status.hidden = false;
    }
    video.dispatchEvent(new CustomEvent("careerstv:fatal", { detail: { type: type, details: details } }));
  }

  function hlsConfig() {
    var config = { capLevelToPlayerSize: true };
    var seconds = parseInt(video.dataset.bufferSeconds || "0", 10);
    if (seconds > 0) {
      // hls.js buffers up to maxMaxBufferLength, or 60 MB: a whole short video at the first
      // level. Capped, a viewer who leaves early fetched little, and the levels can change.
      // The cap grows with the time watched (growBuffer), up to PLAYER_BUFFER_SECONDS.
      bufferCap = seconds;
      config.maxBufferLength = Math.min(seconds, FIRST_BUFFER_SECONDS);
      config.maxMaxBufferLength = config.maxBufferLength;
      config.backBufferLength = seconds * 2;
    }
    var estimate = parseFloat(pref("bandwidth"));
    if (estimate > 0) { config.abrEwmaDefaultEstimate = estimate; }
    return config;
  }

  // A viewer who has just started has FIRST_BUFFER_SECONDS fetched ahead; one who keeps
  // watching, as much ahead as watched, up to the cap: most of those who leave early leave in
  // the first seconds, and a longer lead only matters to those who stay.
  var FIRST_BUFFER_SECONDS = 10;
  var bufferCap = 0;
  var watched = 0;
  var lastTime = null;
  function growBuffer() {
    var now = video.currentTime;
    if (lastTime !== null && !video.seeking && now > lastTime && now - lastTime < 1) {
      watched += now - lastTime;
    }
    lastTime = now;
    if (!hls || !bufferCap) { return; }
    var lead = Math.min(bufferCap, Math.max(FIRST_BUFFER_SECONDS, Math.floor(watched)));
    if (lead > hls.config.maxBufferLength) {
      hls.config.maxBufferLength = lead;
      hls.config.maxMaxBufferLength = lead;
    }
  }
  video.addEventListener("timeupdate", growBuffer);
  video.addEventListener("seeking", function () { lastTime = null; });

  function rememberBandwidth() {
    if (hls && isFinite(hls.bandwidthEstimate) && hls.bandwidthEstimate > 0) {
      remember("bandwidth", Math.round(hls.bandwidthEstimate));
    }
  }

  if (window.Hls && window.Hls.isSupported()) {
    hls = new window.Hls(hlsConfig());
    var Hls = window.Hls;
    hls.on(Hls.Events.ERROR, function (event, data) {
      if (!data.fatal) { return; }
      window.playerFatal = data.type + ": " + data.details;
      if (data.type === Hls.ErrorTypes.NETWORK_ERROR && retries.network < 3) {
        retries.network += 1; // a dropped line: try again where we were, a little later
        // startLoad() only goes on with the segments: a playlist that never came is asked again.
        var again = /^manifest/.test(data.details) ?
          function () { hls.loadSource(video.dataset.src); } : function () { hls.startLoad(); };
        setTimeout(again, 1000 * retries.network);
      } else if (data.type === Hls.ErrorTypes.MEDIA_ERROR && retries.media < 2) {
        retries.media += 1;
        hls.recoverMediaError();
      } else {
        fail(data.type, data.details);
      }
    });
    hls.on(Hls.Events.FRAG_LOADED, function () { retries.network = 0; });
    hls.on(Hls.Events.MANIFEST_PARSED, function () { fillQuality(); });
    hls.on(Hls.Events.LEVEL_SWITCHED, function () { describeQuality(); });
    hls.loadSource(video.dataset.src);
    hls.attachMedia(video);
    window.playerHls = hls;
    window.addEventListener("pagehide", rememberBandwidth);
  } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
    video.src = video.dataset.src;
    video.addEventListener("error", function () {
      var code = video.error ? video.error.code : 0;
      window.playerFatal = "mediaError: " + code;
      fail("mediaError", "MEDIA_ERR_" + code);
    });
  }

  // From here the controls are ours: the browser's only where this script does not run.
  video.controls = false;
  if (!noControls) { controls.hidden = false; }

  var start = parseFloat(video.dataset.start || "0") || 0;
  if (start > 0) {
    var seekToStart = function () {
      video.currentTime = start;
      video.removeEventListener("loadedmetadata", seekToStart);
    };
    if (video.readyState >= 1) { seekToStart(); } else {
      video.addEventListener("loadedmetadata", seekToStart);
    }
  }

  // -- play, pause, and the state the bar shows ---------------------------------------------
  var playButton = $("[data-play]");
  var bigPlay = $("[data-bigplay]");
  var spinner = $("[data-player-spinner]");
  var started = false;
  var spinnerTimer = null;

  function play() {
    var promise = video.play();
    if (promise && promise.catch) { promise.catch(function () { /* refused: stays paused */ }); }
  }
  function togglePlay(spoken) {
    if (video.paused || video.ended) { play(); } else { video.pause(); }
    if (spoken) { announce(video.paused ? text("playing") : text("paused")); }
  }
  function showPlaying() {
    var playing = !video.paused && !video.ended;
    root.classList.toggle("player--playing", playing);
    if (playButton) { playButton.setAttribute("aria-label", playing ? text("pause") : text("play")); }
    if (bigPlay) { bigPlay.hidden = noControls || playing || (started && !video.ended); }
    wake();
  }
  if (!noControls && bigPlay && !video.autoplay) { bigPlay.hidden = false; }
  video.addEventListener("play", function () { started = true; showPlaying(); });
  ["pause", "ended"].forEach(function (name) { video.addEventListener(name, showPlaying); });
  if (playButton) { playButton.addEventListener("click", function () { togglePlay(false); }); }
  if (bigPlay) { bigPlay.addEventListener("click", function () { play(); if (playButton) { playButton.focus(); } }); }

  video.addEventListener("waiting", function () {
    clearTimeout(spinnerTimer);
    spinnerTimer = setTimeout(function () { if (spinner) { spinner.hidden = false; } }, 400);
  });
  ["playing", "canplay", "seeked", "pause"].forEach(function (name) {
    video.addEventListener(name, function () {
      clearTimeout(spinnerTimer);
      if (spinner) { spinner.hidden = true; }
    });
  });

  // -- the bar comes and goes: shown while paused, on pointer move, on keyboard focus ----------
  var idleTimer = null;
  var menuOpen = false;
  var dragging = false;

  function keepAwake() {
    return video.paused || menuOpen || dragging || noControls ||
      Boolean(controls.querySelector(":focus-visible"));
  }
  function sleep() {
    if (keepAwake()) { return; }
    root.classList.add("player--idle");
    root.classList.remove("player--controls");
  }
  function wake() {
    root.classList.remove("player--idle");
    root.classList.toggle("player--controls", !noControls);
    clearTimeout(idleTimer);
    idleTimer = setTimeout(sleep, 3000);
  }
  box.addEventListener("pointermove", function (event) { if (event.pointerType === "mouse") { wake(); } });
  box.addEventListener("pointerleave", function () { if (!keepAwake()) { clearTimeout(idleTimer); idleTimer = setTimeout(sleep, 800); } });
  root.addEventListener("focusin", wake);
  wake();

  // -- clicks and taps on the picture ---------------------------------------------------------
  var pointerType = "mouse";
  var lastTap = 0;
  var tapTimer = null;

  function skip(seconds) {
    video.currentTime = Math.max(0, Math.min(duration(), video.currentTime + seconds));
    var mark = $(seconds < 0 ? "[data-skip-back]" : "[data-skip-forward]");
    if (mark) {
      mark.hidden = true;
      void mark.offsetWidth; // restart its fade
      mark.hidden = false;
      setTimeout(function () { mark.hidden = true; }, 650);
    }
  }
  video.addEventListener("pointerdown", function (event) { pointerType = event.pointerType; });
  video.addEventListener("click", function (event) {
    if (pointerType !== "touch") { togglePlay(false); return; }
    // A tap shows or hides the bar; two taps on a side jump 10 s, as phone players do.
    var now = Date.now();
    var side = event.offsetX / (video.clientWidth || 1);
    if (now - lastTap < 320) {
      clearTimeout(tapTimer);
      lastTap = 0;
      if (side < 0.4) { skip(-10); } else if (side > 0.6) { skip(10); } else { togglePlay(false); }
      return;
    }
    lastTap = now;
    tapTimer = setTimeout(function () {
      if (root.classList.contains("player--idle")) { wake(); } else if (!keepAwake()) {
        clearTimeout(idleTimer);
        sleep();
      }
    }, 320);
  });
  video.addEventListener("dblclick", function () { if (pointerType !== "touch") { toggleFullscreen(); } });

  // -- time and the timeline --------------------------------------------------------------------
  var seek = $("[data-seek]");
  var current = $("[data-current]");
  var total = $("[data-duration]");

  function position(seconds) { return text("position", [clock(seconds), clock(duration())]); }
  function showTime() {
    var now = video.currentTime || 0;
    var length = duration();
    if (current) { current.textContent = clock(now); }
    if (seek && !dragging) {
      seek.value = String(now);
      seek.setAttribute("aria-valuetext", position(now));
    }
    if (seek && length) { seek.style.setProperty("--played", (now / length * 100) + "%"); }
    showChapter(now);
  }
  function showBuffered() {
    var length = duration();
    if (!seek || !length || !video.buffered.length) { return; }
    var end = 0;
    for (var i = 0; i < video.buffered.length; i++) {
      if (video.buffered.start(i) <= video.currentTime + 0.5) { end = Math.max(end, video.buffered.end(i)); }
    }
    seek.style.setProperty("--buffered", (end / length * 100) + "%");
  }
  video.addEventListener("timeupdate", showTime);
  video.addEventListener("seeking", showTime);
  video.addEventListener("progress", showBuffered);
  video.addEventListener("durationchange", function () {
    if (!isFinite(video.duration)) { return; }
    if (seek) { seek.max = String(video.duration); }
    if (total) { total.textContent = clock(video.duration); }
    placeChapterMarks();
    showTime();
  });

  // Storyboard previews over the timeline, from the transcode's sprite sheets (a WebVTT file of
  // "sheet-N.jpg#xywh=x,y,w,h" cues).
  var preview = $("[data-preview]");
  var previewImage = $("[data-preview-image]");
  var previewTime = $("[data-preview-time]");
  var previewChapter = $("[data-preview-chapter]");
  var thumbnails = [];

  function parseTime(value) {
    return value.trim().split(":").map(parseFloat).reduce(function (sum, part) { return sum * 60 + part; }, 0);
  }
  function loadStoryboard(url) {
    fetch(url).then(function (response) { return response.ok ? response.text() : ""; }).then(function (body) {
      body.replace(/\r/g, "").split("\n\n").forEach(function (block) {
        var lines = block.trim().split("\n");
        var timing = lines.findIndex(function (line) { return line.indexOf("-->") >= 0; });
        if (timing < 0 || !lines[timing + 1]) { return; }
        var times = lines[timing].split("-->");
        var target = lines[timing + 1].trim().split("#xywh=");
        var area = (target[1] || "").split(",").map(Number);
        if (area.length !== 4) { return; }
        thumbnails.push({ start: parseTime(times[0]), end: parseTime(times[1].trim().split(/\s/)[0]),
          src: new URL(target[0], url).href, x: area[0], y: area[1], w: area[2], h: area[3] });
      });
    }).catch(function () { /* no previews: the timeline still works */ });
  }
  function thumbnailAt(seconds) {
    for (var i = 0; i < thumbnails.length; i++) {
      if (seconds >= thumbnails[i].start && seconds < thumbnails[i].end) { return thumbnails[i]; }
    }
    return thumbnails.length ? thumbnails[thumbnails.length - 1] : null;
  }
  function showPreview(seconds) {
    if (!preview || !duration()) { return; }
    var thumb = thumbnailAt(seconds);
    if (thumb) {
      previewImage.style.width = thumb.w + "px";
      previewImage.style.height = thumb.h + "px";
      previewImage.style.backgroundImage = "url(\"" + thumb.src + "\")";
      previewImage.style.backgroundPosition = (-thumb.x) + "px " + (-thumb.y) + "px";
    }
    previewImage.hidden = !thumb;
    previewTime.textContent = clock(seconds);
    var chapter = chapterAt(seconds);
    previewChapter.textContent = chapter ? chapter.title : "";
    preview.hidden = false;
    // Centred on the pointer, kept inside the timeline.
    var width = seek.clientWidth;
    var half = preview.offsetWidth / 2;
    var x = Math.max(half, Math.min(width - half, seconds / duration() * width));
    preview.style.left = x + "px";
  }
  function hidePreview() { if (preview) { preview.hidden = true; } }

  if (seek) {
    if (video.dataset.storyboard) { loadStoryboard(video.dataset.storyboard); }
    seek.addEventListener("input", function () {
      var seconds = Number(seek.value);
      seek.setAttribute("aria-valuetext", position(seconds));
      if (dragging) { showPreview(seconds); }
      video.currentTime = seconds;
    });
    seek.addEventListener("pointerdown", function () { dragging = true; });
    document.addEventListener("pointerup", function () {
      if (dragging) { dragging = false; hidePreview(); wake(); }
    });
    seek.addEventListener("pointermove", function (event) {
      var area = seek.getBoundingClientRect();
      showPreview(Math.max(0, Math.min(1, (event.clientX - area.left) / area.width)) * duration());
    });
    seek.addEventListener("pointerleave", function () { if (!dragging) { hidePreview(); } });
    seek.addEventListener("focus", function () {
      if (seek.matches(":focus-visible")) { showPreview(video.currentTime); }
    });
    seek.addEventListener("blur", hidePreview);
  }

  // -- chapters: marks on the timeline, the current one in the bar, a list in the menu --------
  var chapterButtons = $$("[data-chapter-start]");
  var chapters = chapterButtons.map(function (button) {
    return { start: Number(button.dataset.chapterStart), end: Number(button.dataset.chapterEnd),
      title: button.querySelector("[data-chapter-title]").textContent, button: button };
  });
  var currentChapter = $("[data-current-chapter]");
  var shownChapter = null;

  function chapterAt(seconds) {
    for (var i = chapters.length - 1; i >= 0; i--) {
      if (seconds >= chapters[i].start) { return chapters[i]; }
    }
    return null;
  }
  function placeChapterMarks() {
    var marks = $("[data-chapter-marks]");
    var length = duration();
    if (!marks || !length) { return; }
    marks.textContent = "";
    chapters.forEach(function (chapter) {
      if (chapter.start <= 0 || chapter.start >= length) { return; }
      var mark = document.createElement("span");
      mark.className = "player-mark";
      mark.style.left = (chapter.start / length * 100) + "%";
      marks.appendChild(mark);
    });
  }
  function showChapter(seconds) {
    var chapter = chapterAt(seconds);
    if (chapter === shownChapter) { return; }
    shownChapter = chapter;
    chapters.forEach(function (c) {
      if (c === chapter) { c.button.setAttribute("aria-current", "true"); } else { c.button.removeAttribute("aria-current"); }
    });
    if (currentChapter) {
      currentChapter.textContent = chapter ? chapter.title : "";
      currentChapter.hidden = !chapter;
    }
  }
  chapters.forEach(function (chapter) {
    chapter.button.addEventListener("click", function () {
      video.currentTime = chapter.start;
      closeMenu(true);
      announce(text("chapter", [chapter.title]));
    });
  });
  placeChapterMarks();

  // -- volume --------------------------------------------------------------------------------
  var muteButton = $("[data-mute]");
  var volume = $("[data-volume]");
  var savedVolume = parseFloat(pref("volume"));
  if (savedVolume >= 0 && savedVolume <= 1) { video.volume = savedVolume; }

  function showVolume() {
    var silent = video.muted || video.volume === 0;
    root.classList.toggle("player--muted", silent);
    if (muteButton) { muteButton.setAttribute("aria-label", silent ? text("unmute") : text("mute")); }
    if (volume) {
      volume.value = String(silent ? 0 : video.volume);
      volume.setAttribute("aria-valuetext", Math.round((silent ? 0 : video.volume) * 100) + " %");
    }
  }
  function toggleMute() {
    if (video.muted || video.volume === 0) {
      video.muted = false;
      if (video.volume === 0) { video.volume = 0.5; }
    } else {
      video.muted = true;
    }
    announce(video.muted ? text("muted") : text("volume", [Math.round(video.volume * 100)]));
  }
  function changeVolume(step) {
    video.muted = false;
    video.volume = Math.max(0, Math.min(1, Math.round((video.volume + step) * 100) / 100));
    announce(text("volume", [Math.round(video.volume * 100)]));
  }
  video.addEventListener("volumechange", function () {
    showVolume();
    if (!video.muted) { remember("volume", video.volume); }
  });
  if (muteButton) { muteButton.addEventListener("click", toggleMute); }
  if (volume) {
    volume.addEventListener("input", function () {
      video.volume = Number(volume.value);
      video.muted = video.volume === 0;
    });
  }
  showVolume();

  // -- captions: the chosen track's cues, drawn over the picture ------------------------------
  var captionBox = $("[data-player-captions]");
  var ccButton = $("[data-cc]");
  var tracks = Array.prototype.filter.call(video.textTracks, function (track) {
    return track.kind === "captions" || track.kind === "subtitles";
  });
  var shownLanguage = "";
  var lastLanguage = "";

  function drawCues(track) {
    if (!captionBox) { return; }
    captionBox.textContent = "";
    var cues = track && track.activeCues ? Array.prototype.slice.call(track.activeCues) : [];
    cues.forEach(function (cue) {
      var line = document.createElement("span");
      line.className = "player-cue";
      line.appendChild(cue.getCueAsHTML ? cue.getCueAsHTML() : document.createTextNode(cue.text));
      captionBox.appendChild(line);
      captionBox.appendChild(document.createElement("br"));
    });
    captionBox.hidden = !cues.length;
  }
  function trackFor(language) {
    return tracks.filter(function (track) { return track.language === language; })[0] || null;
  }
  function showCaptions(language) {
    var chosen = language ? trackFor(language) : null;
    tracks.forEach(function (track) {
      // "hidden": the browser loads the cues and says when they change; we draw them.
      track.mode = track === chosen ? "hidden" : "disabled";
      track.oncuechange = track === chosen ? function () { drawCues(track); } : null;
    });
    shownLanguage = chosen ? chosen.language : "";
    if (chosen) { lastLanguage = shownLanguage; }
    drawCues(chosen);
    if (ccButton) { ccButton.setAttribute("aria-pressed", shownLanguage ? "true" : "false"); }
    check("captions", shownLanguage);
    return shownLanguage;
  }
  function chooseCaptions(language) {
    remember("captions", showCaptions(language));
    var track = trackFor(shownLanguage);
    announce(track ? text("captionsOn", [track.label]) : text("captionsOff"));
  }
  function toggleCaptions() {
    if (!tracks.length) { return; }
    chooseCaptions(shownLanguage ? "" : (lastLanguage || tracks[0].language));
  }
  if (ccButton) { ccButton.addEventListener("click", toggleCaptions); }
  // In Safari's own full screen on an iPhone our layer is not shown: let the browser draw them.
  video.addEventListener("webkitbeginfullscreen", function () {
    var track = trackFor(shownLanguage);
    if (track) { track.mode = "showing"; }
  });
  video.addEventListener("webkitendfullscreen", function () { showCaptions(shownLanguage); });

  function applyCaptionSize(value) {
    var percent = Number(value) || 100;
    root.style.setProperty("--caption-scale", String(percent / 100));
    check("size", String(percent));
  }
  function applyCaptionBackground(value) {
    var kind = ["none", "translucent", "opaque"].indexOf(value) >= 0 ? value : "translucent";
    root.classList.toggle("player--cues-none", kind === "none");
    root.classList.toggle("player--cues-opaque", kind === "opaque");
    check("background", kind);
  }

  // -- quality: the levels by their short side (an upright 1080×1920 is "1080p") -------------
  var qualityChoices = $("[data-quality-choices]");
  var chosenLevel = -1; // -1: hls.js chooses

  function shortSide(level) {
    return Math.min(level.width || level.height, level.height || level.width);
  }
  function fillQuality() {
    if (!qualityChoices || !hls || hls.levels.length < 2) { return; }
    var rungs = hls.levels.map(function (level, index) { return { level: level, index: index }; });
    rungs.sort(function (a, b) { return shortSide(b.level) - shortSide(a.level); });
    rungs.forEach(function (rung) {
      var label = document.createElement("label");
      label.className = "player-choice";
      var input = document.createElement("input");
      input.type = "radio";
      input.name = "player-quality";
      input.value = String(rung.index);
      var name = document.createElement("span");
      name.textContent = shortSide(rung.level) + "p";
      label.appendChild(input);
      label.appendChild(document.createTextNode(" "));
      label.appendChild(name);
      qualityChoices.appendChild(label);
    });
    $("[data-quality-row]").hidden = false;
    describeQuality();
  }
  function describeQuality() {
    // "Auto (720p)": what the automatic choice plays now.
    var value = $("[data-value='quality']");
    if (!value || !hls) { return; }
    var level = hls.levels[hls.currentLevel];
    var playing = level ? shortSide(level) + "p" : "";
    if (chosenLevel < 0) {
      value.textContent = text("auto") + (playing ? " (" + playing + ")" : "");
    } else {
      value.textContent = shortSide(hls.levels[chosenLevel]) + "p"; // the choice, even before it plays
    }
  }
  function chooseQuality(value) {
    if (!hls) { return; }
    // nextLevel: from the next segment on, without throwing away what is buffered.
    chosenLevel = parseInt(value, 10);
    hls.nextLevel = chosenLevel;
    describeQuality();
    var chosen = hls.levels[chosenLevel];
    announce(text("quality", [chosen ? shortSide(chosen) + "p" : text("auto")]));
  }

  // -- the settings menu ------------------------------------------------------------------------
  var menu = $("[data-menu]");
  var settings = $("[data-settings]");
  var mainList = $("[data-menu-main]");
  var panels = $$("[data-panel]");
  var openedFrom = null;

  function check(group, value) {
    // Tick the choice and write it beside the setting's name in the list.
    var chosen = null;
    $$("input[name='player-" + group + "']").forEach(function (input) {
      input.checked = input.value === value;
      if (input.checked) { chosen = input; }
    });
    var shown = $("[data-value='" + group + "']");
    if (shown && chosen) { shown.textContent = chosen.parentNode.textContent.trim(); }
  }
  function visible(element) { return element.getClientRects().length > 0; }
  function sizeMenu() {
    var row = controls.querySelector(".player-row");
    var room = box.clientHeight - (row ? row.offsetHeight : 48) - 24;
    menu.style.maxHeight = Math.max(96, room) + "px";
  }
  function showPanel(name) {
    mainList.hidden = Boolean(name);
    panels.forEach(function (panel) { panel.hidden = panel.dataset.panel !== name; });
    var target;
    if (name) {
      var panel = $("[data-panel='" + name + "']");
      target = panel.querySelector("input:checked") || panel.querySelector("[aria-current]") ||
        panel.querySelector("input, button:not([data-back])") || panel.querySelector("button");
    } else {
      target = (openedFrom && visible(openedFrom) && mainList.contains(openedFrom)) ?
        openedFrom : mainList.querySelector("li:not([hidden]) button[data-open]");
    }
    if (target) { target.focus(); }
  }
  function openMenu(name) {
    menuOpen = true;
    menu.hidden = false;
    settings.setAttribute("aria-expanded", "true");
    sizeMenu();
    openedFrom = null;
    showPanel(name || null);
    wake();
  }
  function closeMenu(returnFocus) {
    if (!menuOpen) { return; }
    menuOpen = false;
    menu.hidden = true;
    settings.setAttribute("aria-expanded", "false");
    if (returnFocus) { settings.focus(); }
    wake();
  }
  if (settings) {
    settings.addEventListener("click", function () { if (menuOpen) { closeMenu(false); } else { openMenu(null); } });
    $$("[data-open]").forEach(function (button) {
      button.addEventListener("click", function () {
        if (!menuOpen) { openMenu(button.dataset.open); return; }
        openedFrom = button;
        showPanel(button.dataset.open);
      });
    });
    $$("[data-close]").forEach(function (button) {
      button.addEventListener("click", function () { closeMenu(true); });
    });
    $$("[data-back]").forEach(function (button) {
      button.addEventListener("click", function () { showPanel(null); });
    });
    menu.addEventListener("change", function (event) {
      var input = event.target;
      var group = input.name.replace("player-", "");
      if (group === "quality") { chooseQuality(input.value); }
      if (group === "captions") { chooseCaptions(input.value); }
      if (group === "size") { applyCaptionSize(input.value); remember("caption-size", input.value); }
      if (group === "background") { applyCaptionBackground(input.value); remember("caption-background", input.value); }
      if (group === "speed") {
        video.playbackRate = Number(input.value);
        check("speed", input.value);
        announce(text("speed", [input.parentNode.textContent.trim()]));
      }
      if (group === "quality") { check("quality", input.value); describeQuality(); }
    });
    // A choice made with the pointer (or Enter) goes back to the list; arrows keep browsing.
    menu.addEventListener("click", function (event) {
      if (event.target.type === "radio" && event.detail > 0) { showPanel(null); }
    });
    menu.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && event.target.type === "radio") { event.preventDefault(); showPanel(null); }
      if ((event.key === "ArrowDown" || event.key === "ArrowUp") && event.target.tagName === "BUTTON") {
        var buttons = Array.prototype.filter.call(menu.querySelectorAll("button"), visible);
        var index = buttons.indexOf(event.target) + (event.key === "ArrowDown" ? 1 : -1);
        if (buttons[index]) { buttons[index].focus(); }
        event.preventDefault();
      }
    });
    document.addEventListener("pointerdown", function (event) {
      if (menuOpen && !menu.contains(event.target) && !settings.contains(event.target)) { closeMenu(false); }
    });
    root.addEventListener("focusout", function (event) {
      if (menuOpen && event.relatedTarget && !menu.contains(event.relatedTarget) &&
          !settings.contains(event.relatedTarget) && !event.relatedTarget.matches("[data-open]")) {
        closeMenu(false);
      }
    });
  }

  // -- picture in picture and full screen ---------------------------------------------------
  var pipButton = $("[data-pip]");
  var fullscreenButton = $("[data-fullscreen]");

  if (pipButton && document.pictureInPictureEnabled && !video.disablePictureInPicture) {
    pipButton.hidden = false;
    pipButton.addEventListener("click", function () {
      var action = document.pictureInPictureElement ? document.exitPictureInPicture() : video.requestPictureInPicture();
      action.catch(function () { /* refused (no metadata yet): nothing changes */ });
    });
  }
  function fullscreenElement() { return document.fullscreenElement || document.webkitFullscreenElement || null; }
  function toggleFullscreen() {
    if (fullscreenElement()) {
      (document.exitFullscreen || document.webkitExitFullscreen).call(document);
    } else if (box.requestFullscreen) {
      box.requestFullscreen().catch(function () { /* refused by the frame's allow list */ });
    } else if (box.webkitRequestFullscreen) {
      box.webkitRequestFullscreen();
    } else if (video.webkitEnterFullscreen) {
      video.webkitEnterFullscreen(); // iPhone: only the video itself can go full screen
    }
  }
  if (fullscreenButton && (document.fullscreenEnabled || document.webkitFullscreenEnabled || video.webkitEnterFullscreen)) {
    fullscreenButton.hidden = false;
    fullscreenButton.addEventListener("click", toggleFullscreen);
  }
  ["fullscreenchange", "webkitfullscreenchange"].forEach(function (name) {
    document.addEventListener(name, function () {
      var on = fullscreenElement() === box;
      root.classList.toggle("player--fullscreen", on);
      if (fullscreenButton) { fullscreenButton.setAttribute("aria-label", on ? text("exitFullscreen") : text("fullscreen")); }
      if (menuOpen) { sizeMenu(); }
    });
  });

  // -- the keyboard -------------------------------------------------------------------------
  function jump(seconds) {
    video.currentTime = Math.max(0, Math.min(duration(), seconds));
    clearTimeout(seekAnnounceTimer);
    seekAnnounceTimer = setTimeout(function () {
      var where = position(video.currentTime);
      announce(where);
    }, 500);
  }
  function onKey(event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.defaultPrevented) { return; }
    var target = event.target;
    var key = event.key;
    if (key === "Escape" && menuOpen) {
      if (mainList.hidden) { showPanel(null); } else { closeMenu(true); }
      event.preventDefault();
      return;
    }
    if (menu && menu.contains(target)) { return; } // radios and buttons keep their own keys
    if ((key === " " || key === "Enter") && target.tagName === "BUTTON") { return; } // a click
    if (target === volume && /^(Arrow|Home|End|Page)/.test(key)) { return; }
    var lower = key.length === 1 ? key.toLowerCase() : key;
    if (lower === " " || lower === "k") { togglePlay(true); }
    else if (lower === "j") { skip(-10); jump(video.currentTime); }
    else if (lower === "l") { skip(10); jump(video.currentTime); }
    else if (key === "ArrowLeft") { jump(video.currentTime - 5); }
    else if (key === "ArrowRight") { jump(video.currentTime + 5); }
    else if (key === "ArrowUp") { changeVolume(0.05); }
    else if (key === "ArrowDown") { changeVolume(-0.05); }
    else if (lower === "m") { toggleMute(); }
    else if (lower === "f") { toggleFullscreen(); }
    else if (lower === "c") { toggleCaptions(); }
    else if (key === "Home") { jump(0); }
    else if (key === "End") { jump(duration()); }
    else if (/^[0-9]$/.test(key)) { jump(duration() * Number(key) / 10); }
    else { return; }
    event.preventDefault(); // no page scroll, no second handling
    wake();
  }
  root.addEventListener("keydown", onKey);
  // Nothing focused (the page just opened, or after a click on the page): the shortcuts work.
  document.addEventListener("keydown", function (event) {
    if (event.target === document.body && !root.contains(event.target)) { onKey(event); }
  });

  // -- the viewer's choices, and the embed's options ----------------------------------------
  showCaptions(video.dataset.captions || pref("captions")); // ?captions= on an embed first
  applyCaptionSize(pref("caption-size"));
  applyCaptionBackground(pref("caption-background"));
  showPlaying();
  showTime();

  // -- a view: counted once per page, when playback really starts ----------------------------
  video.addEventListener("playing", function () {
    if (!video.dataset.views || !navigator.sendBeacon) { return; }
    navigator.sendBeacon(video.dataset.views);
    delete video.dataset.views;
  });
}());
