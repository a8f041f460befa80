// The portal's preview player: HLS through hls.js, or natively where the browser can (Safari).
(function () {
  "use strict";
  var video = document.getElementById("preview-player");
  if (!video) { return; }
  var src = video.dataset.src;
  if (window.Hls && window.Hls.isSupported()) {
    var hls = new window.Hls({ capLevelToPlayerSize: true });
    hls.on(window.Hls.Events.ERROR, function (event, data) {
      if (data.fatal) { video.dataset.error = data.type + ": " + data.details; }
    });
    hls.loadSource(src);
    hls.attachMedia(video);
    video.hls = hls;
  } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
    video.src = src;
  }
}());
