// The playback report: how watching went, sent once when the viewer leaves the page.
//
// Measured on the player's <video> (templates/public/_player.html), reported to its
// data-playback address (POST /videos/<id>/playback, services/playback_quality.py):
//   startup_ms      from the first "play" (or the autoplay attempt) to the first "playing";
//   rebuffer_count  stalls after that start: "waiting" until "playing" or "seeked" again,
//   rebuffer_ms     their total length; a wait that a seek caused is not a stall;
//   watched_ms      the time spent playing;
//   fatal           the error the player gave up on (player.js's "careerstv:fatal").
// Nothing about the viewer goes with it: no browser, no time of day, no id but the video's.
// Nothing is sent for a page where the video never started and nothing failed.
(function () {
  "use strict";

  var video = document.querySelector("[data-player] video");
  if (!video || !video.dataset.playback || !navigator.sendBeacon) { return; }
  var url = video.dataset.playback;

  // The server's limits (services/playback_quality.py): a report beyond them is refused.
  var STARTUP_MAX_MS = 120000;
  var COUNT_MAX = 10000;
  var DAY_MS = 24 * 3600 * 1000;
  var FATAL_MAX = 80;

  function now() { return window.performance && performance.now ? performance.now() : Date.now(); }

  var askedAt = null; // when playback was first asked for
  var startupMs = null;
  var started = false;
  var playingSince = null; // playing now, since then
  var watchedMs = 0;
  var stallSince = null; // stalled now, since then
  var stalls = 0;
  var stalledMs = 0;
  var seeking = false; // between a seek and the picture moving again: waits are the seek's
  var fatal = null;
  var sent = false;

  function ask() { if (askedAt === null) { askedAt = now(); } }
  // An autoplaying video may be asked to play before this script runs: the attempt began then.
  if (video.autoplay || !video.paused) { ask(); }

  function stopWatching(at) {
    if (playingSince !== null) { watchedMs += at - playingSince; playingSince = null; }
  }
  function endStall(at) {
    if (stallSince !== null) { stalledMs += at - stallSince; stallSince = null; }
  }

  video.addEventListener("play", ask);
  video.addEventListener("playing", function () {
    var at = now();
    if (!started) {
      started = true;
      if (askedAt !== null) { startupMs = at - askedAt; }
    }
    endStall(at);
    seeking = false;
    if (playingSince === null) { playingSince = at; }
  });
  video.addEventListener("waiting", function () {
    var at = now();
    stopWatching(at);
    if (!started || seeking || video.seeking || stallSince !== null) { return; }
    stalls += 1;
    stallSince = at;
  });
  video.addEventListener("seeking", function () {
    var at = now();
    endStall(at); // a stall the viewer seeks out of ends here; what follows is the seek's
    stopWatching(at);
    seeking = true;
  });
  video.addEventListener("seeked", function () {
    endStall(now());
    // Still seeking until the picture moves ("playing"), unless it stays paused.
    if (video.paused) { seeking = false; }
  });
  ["pause", "ended"].forEach(function (name) {
    video.addEventListener(name, function () {
      var at = now();
      stopWatching(at);
      endStall(at);
      seeking = false;
    });
  });
  video.addEventListener("careerstv:fatal", function (event) {
    if (fatal !== null) { return; }
    var detail = event.detail || {};
    var text = String(detail.type || "error") + ":" + String(detail.details || "unknown");
    fatal = text.replace(/[^A-Za-z0-9_:-]/g, "_").slice(0, FATAL_MAX);
    var at = now();
    stopWatching(at);
    endStall(at);
  });

  function whole(value, high) { return Math.max(0, Math.min(high, Math.round(value))); }

  function send() {
    if (sent || (!started && fatal === null)) { return; }
    sent = true;
    var at = now();
    // Left while playing or while stalled: that time counts too (a viewer who gave up
    // waiting is what this is for).
    var watched = watchedMs + (playingSince !== null ? at - playingSince : 0);
    var stalled = stalledMs + (stallSince !== null ? at - stallSince : 0);
    watched = whole(watched, DAY_MS);
    stalled = whole(stalled, DAY_MS - watched);
    var count = whole(stalls, COUNT_MAX);
    var report = {
      startup_ms: startupMs === null ? null : whole(startupMs, STARTUP_MAX_MS),
      rebuffer_count: count,
      rebuffer_ms: count ? stalled : 0,
      watched_ms: watched,
      fatal: fatal
    };
    try {
      navigator.sendBeacon(url, new Blob([JSON.stringify(report)], { type: "application/json" }));
    } catch (error) { /* a beacon refused is a report lost, never a page broken */ }
  }

  window.addEventListener("pagehide", send);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { send(); }
  });
})();
