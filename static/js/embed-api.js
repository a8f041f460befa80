// The embed's postMessage API (docs/embedding.md), for the careers sites that frame the player.
//
// Commands, from the framing page to this frame:
//   {"careersTv": "play" | "pause" | "mute" | "unmute" | "state"}
//   {"careersTv": "seek", "seconds": 42}
// Events, from this frame to the framing page (window.parent, any origin: what they carry is
// public anyway, the same as the watch page shows):
//   {"careersTvEvent": "ready" | "play" | "pause" | "ended" | "timeupdate" | "state",
//    "id": "<public id>", "currentTime": s, "duration": s, "paused": bool, "muted": bool}
// Only the page that frames the embed may command it (messages from any other window are
// ignored); which pages may frame it is EMBED_FRAME_ANCESTORS's business. Anything that is not
// one of these commands is ignored without a word: a page has many scripts posting messages.
(function () {
  "use strict";

  var root = document.querySelector("[data-embed-id]");
  var video = root && root.querySelector("[data-player] video");
  if (!video || window.parent === window) {
    return; // not framed, or no player (a video without media yet): nobody to talk to
  }
  var id = root.getAttribute("data-embed-id");
  var TIMEUPDATE_EVERY_MS = 250; // at most four a second, whatever the browser fires
  var lastTimeupdate = 0;
  var ready = false;
  var pendingSeek = null;

  function number(value) {
    return typeof value === "number" && isFinite(value) ? value : null;
  }

  function post(name) {
    window.parent.postMessage({
      careersTvEvent: name,
      id: id,
      currentTime: video.currentTime || 0,
      duration: number(video.duration),
      paused: video.paused,
      muted: video.muted
    }, "*");
  }

  function play() {
    var started = video.play();
    if (started && started.catch) {
      started.catch(function (error) {
        // Browsers refuse sound without a click inside the frame: start muted rather than not
        // at all (the viewer can unmute), as autoplay=1 does.
        if (error && error.name === "NotAllowedError" && !video.muted) {
          video.muted = true;
          video.play().catch(function () {});
        }
      });
    }
  }

  function seek(seconds) {
    if (!ready) {
      pendingSeek = seconds; // before the metadata, a position would be forgotten
      return;
    }
    var end = number(video.duration);
    video.currentTime = end === null ? seconds : Math.min(seconds, end);
  }

  var COMMANDS = {
    play: play,
    pause: function () { video.pause(); },
    mute: function () { video.muted = true; },
    unmute: function () { video.muted = false; },
    state: function () { post("state"); },
    seek: function (message) {
      var seconds = number(message.seconds);
      if (seconds !== null && seconds >= 0) {
        seek(seconds);
      }
    }
  };

  window.addEventListener("message", function (event) {
    if (event.source !== window.parent) {
      return;
    }
    var message = event.data;
    if (!message || typeof message !== "object" || typeof message.careersTv !== "string" ||
        !Object.prototype.hasOwnProperty.call(COMMANDS, message.careersTv)) {
      return;
    }
    COMMANDS[message.careersTv](message);
  });

  function becomeReady() {
    if (ready) {
      return;
    }
    ready = true;
    if (pendingSeek !== null) {
      seek(pendingSeek);
      pendingSeek = null;
    }
    post("ready");
  }

  ["play", "pause", "ended"].forEach(function (name) {
    video.addEventListener(name, function () { post(name); });
  });
  video.addEventListener("timeupdate", function () {
    var now = Date.now();
    if (now - lastTimeupdate >= TIMEUPDATE_EVERY_MS) {
      lastTimeupdate = now;
      post("timeupdate");
    }
  });
  if (video.readyState >= 1) {
    becomeReady();
  } else {
    video.addEventListener("loadedmetadata", becomeReady);
  }
})();
