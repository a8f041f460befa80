// The transcript panel beside the player (templates/public/_transcript_panel.html): the lines
// are there without JavaScript, each a link to ?t=; here a click (or Enter) seeks the player
// and plays, the line being spoken is marked (aria-current) and kept in view inside the panel
// — unless the viewer is reading or searching it, and never by scrolling the page — and the
// search field narrows the lines to those that match. When the viewer turns on captions in
// another language, the panel follows with that track's cues.
(function () {
  "use strict";

  var panel = document.querySelector("[data-transcript]");
  var video = document.querySelector("[data-player] video");
  if (!panel || !video) {
    return;
  }
  var list = panel.querySelector("[data-transcript-lines]");
  var form = panel.querySelector("[data-transcript-search]");
  var query = panel.querySelector("[data-transcript-query]");
  var count = panel.querySelector("[data-transcript-count]");
  var printable = panel.querySelector(".transcript-head a");
  var READING_MS = 4000; // after the viewer scrolls the panel, leave it alone that long
  var reduceMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var lines = [];
  var active = null;
  var readingUntil = 0;
  var ourScroll = false;

  // Accent- and case-insensitive matching that still knows where each match is in the text
  // as shown: one folded character per character shown ("é" -> "e"), so positions agree.
  function fold(character) {
    return character.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .charAt(0) || character;
  }

  function foldText(text) {
    return Array.prototype.map.call(text, fold).join("");
  }

  function read() {
    lines = Array.prototype.map.call(list.querySelectorAll(".transcript-line"), function (link) {
      var textNode = link.querySelector(".transcript-line-text");
      return {
        link: link,
        item: link.parentNode,
        textNode: textNode,
        text: textNode.textContent,
        folded: foldText(textNode.textContent),
        start: parseFloat(link.getAttribute("data-start")) || 0,
        end: parseFloat(link.getAttribute("data-end")) || 0
      };
    });
    active = null;
  }

  // -- the line being spoken ------------------------------------------------------------------

  function lineAt(time) {
    var found = null;
    for (var i = 0; i < lines.length && lines[i].start <= time + 0.05; i++) {
      if (time < lines[i].end || (i + 1 < lines.length && time < lines[i + 1].start)) {
        found = lines[i];
      }
    }
    return found;
  }

  function keepInView(line) {
    if (Date.now() < readingUntil || query.value.trim() || document.activeElement === query) {
      return; // the viewer is reading or searching the lines
    }
    var top = line.item.offsetTop;
    var bottom = top + line.item.offsetHeight;
    if (top >= list.scrollTop && bottom <= list.scrollTop + list.clientHeight) {
      return;
    }
    ourScroll = true; // the list only, never the page (no scrollIntoView)
    list.scrollTo({ top: Math.max(0, top - list.clientHeight / 3),
                    behavior: reduceMotion ? "auto" : "smooth" });
  }

  function follow() {
    var line = lineAt(video.currentTime);
    if (line === active) {
      return;
    }
    if (active) {
      active.link.removeAttribute("aria-current");
    }
    active = line;
    if (line) {
      line.link.setAttribute("aria-current", "true");
      keepInView(line);
    }
  }

  ["timeupdate", "seeked", "loadedmetadata"].forEach(function (name) {
    video.addEventListener(name, follow);
  });

  function reading() {
    readingUntil = Date.now() + READING_MS;
  }
  list.addEventListener("wheel", reading, { passive: true });
  list.addEventListener("touchmove", reading, { passive: true });
  list.addEventListener("scroll", function () {
    if (ourScroll) {
      ourScroll = false;
    } else {
      reading();
    }
  }, { passive: true });

  // -- a line seeks the player ----------------------------------------------------------------

  list.addEventListener("click", function (event) {
    var link = event.target.closest(".transcript-line");
    if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) {
      return; // a new tab for ?t= stays possible
    }
    event.preventDefault();
    video.currentTime = parseFloat(link.getAttribute("data-start")) || 0;
    var started = video.play();
    if (started && started.catch) {
      started.catch(function () {}); // refused (no media yet): the position is kept
    }
  });

  // -- search ---------------------------------------------------------------------------------

  function mark(line, needle) {
    line.textNode.textContent = "";
    var from = 0;
    var at = needle ? line.folded.indexOf(needle) : -1;
    while (at !== -1) {
      line.textNode.appendChild(document.createTextNode(line.text.slice(from, at)));
      var hit = document.createElement("mark");
      hit.textContent = line.text.slice(at, at + needle.length);
      line.textNode.appendChild(hit);
      from = at + needle.length;
      at = line.folded.indexOf(needle, from);
    }
    line.textNode.appendChild(document.createTextNode(line.text.slice(from)));
  }

  function say(found) {
    var text = found === 0 ? panel.getAttribute("data-count-none")
      : found === 1 ? panel.getAttribute("data-count-one")
        : panel.getAttribute("data-count-many").replace("#", String(found));
    count.textContent = text;
  }

  function search() {
    var needle = foldText(query.value.trim());
    var found = 0;
    lines.forEach(function (line) {
      var matches = !needle || line.folded.indexOf(needle) !== -1;
      line.item.hidden = !matches;
      if (matches && needle) {
        found += 1;
      }
      mark(line, matches ? needle : "");
    });
    if (needle) {
      say(found);
    } else {
      count.textContent = "";
      if (active) {
        keepInView(active);
      }
    }
  }

  form.hidden = false;
  form.addEventListener("submit", function (event) {
    event.preventDefault(); // the lines are already narrowed as one types
  });
  query.addEventListener("input", search);
  query.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && query.value) {
      query.value = "";
      search();
    }
  });

  // -- another caption language ---------------------------------------------------------------

  function plain(cue) {
    var holder = document.createElement("div");
    holder.appendChild(cue.getCueAsHTML ? cue.getCueAsHTML() : document.createTextNode(cue.text));
    return holder.textContent.replace(/\s+/g, " ").trim();
  }

  function clock(seconds) {
    var total = Math.floor(seconds);
    var h = Math.floor(total / 3600);
    var m = Math.floor((total % 3600) / 60);
    var s = total % 60;
    var two = function (n) { return (n < 10 ? "0" : "") + n; };
    return h ? h + ":" + two(m) + ":" + two(s) : m + ":" + two(s);
  }

  function rebuild(track) {
    var base = lines.length ? new URL(lines[0].link.href) : new URL(location.href);
    list.textContent = "";
    Array.prototype.forEach.call(track.cues, function (cue) {
      var text = plain(cue);
      if (!text) {
        return;
      }
      var seconds = Math.floor(cue.startTime);
      base.searchParams.set("t", String(seconds));
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.className = "transcript-line";
      link.href = base.pathname + base.search;
      link.setAttribute("data-start", String(cue.startTime));
      link.setAttribute("data-end", String(cue.endTime));
      var time = document.createElement("span");
      time.className = "transcript-line-time";
      var stamp = document.createElement("time");
      stamp.setAttribute("datetime", "PT" + seconds + "S");
      stamp.textContent = clock(seconds);
      time.appendChild(stamp);
      var words = document.createElement("span");
      words.className = "transcript-line-text";
      words.textContent = text;
      link.appendChild(time);
      link.appendChild(document.createTextNode(" "));
      link.appendChild(words);
      item.appendChild(link);
      list.appendChild(item);
    });
    list.setAttribute("lang", track.language);
    panel.setAttribute("data-language", track.language);
    if (printable) {
      var address = new URL(printable.href);
      address.searchParams.set("captions", track.language);
      printable.href = address.pathname + address.search;
    }
    read();
    search();
    follow();
  }

  function shownTrack() {
    return Array.prototype.find.call(video.textTracks, function (track) {
      // The player draws the chosen track's cues itself: that one is "hidden", the others
      // "disabled" (a browser without our player shows it: "showing").
      return track.mode !== "disabled" && (track.kind === "captions" || track.kind === "subtitles");
    });
  }

  function switchLanguage() {
    var track = shownTrack();
    if (!track || track.language === panel.getAttribute("data-language")) {
      return;
    }
    if (track.cues && track.cues.length) {
      rebuild(track);
      return;
    }
    // Its file is still loading: the <track> says when it has arrived.
    var element = Array.prototype.find.call(video.querySelectorAll("track"), function (t) {
      return t.track === track;
    });
    if (element) {
      element.addEventListener("load", function () {
        if (shownTrack() === track) {
          rebuild(track);
        }
      }, { once: true });
    }
  }

  if (video.textTracks && video.textTracks.addEventListener) {
    video.textTracks.addEventListener("change", switchLanguage);
  }

  read();
  follow();
  switchLanguage();
})();
