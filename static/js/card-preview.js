// Hover previews on video cards (home, channel, tag and search pages).
//
// A card whose video has a preview carries data-preview="<url of preview.mp4>": the first
// few seconds, small and muted, made by the transcode. Hovered for a moment with a mouse, or
// focused from the keyboard, the card plays it over its poster; when the pointer leaves or
// the focus moves on, the clip is removed and its download stopped.
//
// Nothing happens at all for viewers who asked for less motion or for lighter data use,
// nor on touch-only screens (a tap there means "open", and a preview would only cost data).
// The clip is decoration: muted, no controls, hidden from assistive technologies, and it
// lets clicks through to the card's link.
(function () {
  "use strict";

  var DELAY_MS = 300; // a pointer crossing the grid on its way elsewhere starts nothing

  function media(query) {
    return window.matchMedia ? window.matchMedia(query).matches : false;
  }

  function touchOnly() {
    return media("(pointer: coarse) and (hover: none)");
  }

  // Asked again at each preview: either setting can change while the page is open.
  function wanted() {
    if (media("(prefers-reduced-motion: reduce)")) { return false; }
    var connection = navigator.connection;
    return !(connection && connection.saveData);
  }

  function setUp(card) {
    var url = card.getAttribute("data-preview");
    var frame = card.querySelector("[data-preview-frame]");
    if (!url || !frame) { return; }
    var hovered = false;
    var focused = false;
    var timer = null;
    var clip = null;

    function start() {
      timer = null;
      if (clip || !wanted()) { return; }
      clip = document.createElement("video");
      clip.className = "card-preview";
      clip.muted = true;
      clip.defaultMuted = true;
      clip.setAttribute("muted", "");
      clip.playsInline = true;
      clip.setAttribute("playsinline", "");
      clip.loop = true;
      clip.controls = false;
      clip.preload = "auto";
      clip.disablePictureInPicture = true;
      clip.setAttribute("disableremoteplayback", "");
      clip.setAttribute("aria-hidden", "true");
      clip.tabIndex = -1;
      // Shown once it really plays, so the poster never blinks to black while it loads.
      clip.addEventListener("playing", function () { clip.classList.add("card-preview--playing"); });
      clip.src = url;
      // Under the duration badge, over the poster.
      frame.insertBefore(clip, frame.querySelector(".video-card-duration"));
      var promise = clip.play();
      if (promise && promise.catch) { promise.catch(function () { /* refused: the poster stays */ }); }
    }

    function stop() {
      if (timer) { clearTimeout(timer); timer = null; }
      if (!clip) { return; }
      clip.pause();
      clip.removeAttribute("src");
      clip.load(); // drops the connection: a preview left early costs no more bytes
      clip.remove();
      clip = null;
    }

    function update() {
      if (hovered || focused) {
        if (!clip && !timer) { timer = setTimeout(start, DELAY_MS); }
      } else {
        stop();
      }
    }

    card.addEventListener("pointerenter", function (event) {
      if (event.pointerType === "touch") { return; }
      hovered = true;
      update();
    });
    card.addEventListener("pointerleave", function () { hovered = false; update(); });
    card.addEventListener("focusin", function () { focused = true; update(); });
    card.addEventListener("focusout", function (event) {
      if (event.relatedTarget && card.contains(event.relatedTarget)) { return; }
      focused = false;
      update();
    });
    // Back from another tab or from the watch page (the back/forward cache): nothing playing.
    window.addEventListener("pagehide", function () { hovered = false; focused = false; stop(); });
  }

  if (touchOnly()) { return; }
  // The cards, not the player's storyboard box (also data-preview, on pages without cards).
  Array.prototype.forEach.call(document.querySelectorAll("li[data-preview]"), setUp);
})();
