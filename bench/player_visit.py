"""One viewer of bench/player.py: Debian's Chromium, through the throttling proxy, opening the
watch page, and what each visit showed and fetched; then the bytes that `--window` seconds of
the rung played weigh, from its playlist.

The page is not changed: a script Playwright adds before the page's own starts playback muted
at DOMContentLoaded (the player's scripts have run by then) and notes, in the page's clock
(performance.now(), zero at navigation start), the first frame presented and the first
`playing` event. The rung played is hls.js's current level (`window.playerHls`, which the
player exposes for the browser tests), else the folder of the last video segment fetched.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass, field

import m3u8
import requests
from playwright.sync_api import sync_playwright

from bench.throttle_proxy import Line, ThrottledProxy

CHROMIUM = "/usr/bin/chromium"
# As tests/browser/conftest.py, plus: Chromium sends loopback past any proxy unless told.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic",
         "--proxy-bypass-list=<-loopback>"]
PHASES = ("current", "baseline")
PLAY_TIMEOUT_S = 60.0
RETURNING_PLAYS_S = 3.0  # how long the first of a returning viewer's visits plays
SEGMENT = re.compile(r"/([^/]+)/segment-\d+\.m4s$")
MEDIA = re.compile(r"(\.m3u8|\.m4s|/init[^/]*\.mp4)$")
AUDIO_FOLDER = "audio"  # transcoding/ffmpeg.py's AUDIO_NAME: a web-side bench does not import it

START = """
window.__bench = {frame: null, playing: null, playError: null};
document.addEventListener("DOMContentLoaded", () => {
  const video = document.querySelector("video");
  if (!video) { return; }
  video.addEventListener("playing", () => {
    if (window.__bench.playing === null) { window.__bench.playing = performance.now(); }
  });
  if (video.requestVideoFrameCallback) {
    video.requestVideoFrameCallback((now, frame) => {
      window.__bench.frame = frame.presentationTime || now;
    });
  }
  video.muted = true;
  video.play().catch((error) => { window.__bench.playError = String(error); });
});
"""
STATE = """() => {
  const video = document.querySelector("video");
  const hls = window.playerHls;
  let ahead = 0;
  for (let i = 0; i < video.buffered.length; i++) {
    if (video.buffered.start(i) <= video.currentTime + 0.5) {
      ahead = Math.max(ahead, video.buffered.end(i) - video.currentTime);
    }
  }
  const level = hls && hls.currentLevel >= 0 ? hls.levels[hls.currentLevel] : null;
  return Object.assign({}, window.__bench, {
    position: video.currentTime, ahead: ahead,
    player: video.clientWidth + "x" + video.clientHeight, fatal: window.playerFatal || null,
    master: video.dataset.src || video.currentSrc,
    levelUri: level ? (level.uri || [].concat(level.url)[0] || null) : null,
    buffer: hls ? {maxBufferLength: hls.config.maxBufferLength,
                   maxMaxBufferLength: hls.config.maxMaxBufferLength,
                   maxBufferSize: hls.config.maxBufferSize} : null,
  });
}"""


@dataclass
class Visit:
    returning: bool
    ttff_ms: float
    bytes: int
    media_bytes: int
    master_url: str
    rung_url: str
    buffered_ahead: float
    position: float
    hls_buffer: dict | None  # what the page gave hls.js: maxBufferLength and the rest
    player_size: str  # CSS pixels: what capLevelToPlayerSize caps the rung to
    segments: dict[str, int]  # rung folder -> segments with bytes in the window
    rung_bytes: float = 0.0  # filled in after the runs: `--window` seconds of the rung

    @property
    def rung(self) -> str:
        return self.rung_url.rstrip("/").split("/")[-2]

    @property
    def ratio(self) -> float:
        return self.bytes / self.rung_bytes

    def describe(self) -> str:
        return (f"first frame {self.ttff_ms:6.0f} ms, {self.bytes / 1e6:5.1f} MB, {self.rung}, "
                f"{self.buffered_ahead:4.1f} s ahead at {self.position:4.1f} s, segments "
                + " ".join(f"{rung}:{count}" for rung, count in sorted(self.segments.items())))


@dataclass
class Viewer:
    """Chromium through `proxy`, one fresh context per visit, until the block ends."""
    proxy: ThrottledProxy
    viewport: tuple[int, int]
    window: float
    _stack: list = field(default_factory=list)

    def __enter__(self) -> Viewer:
        playwright = sync_playwright().start()
        self._stack.append(playwright)
        self.browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS,
                                                  proxy={"server": self.proxy.url})
        return self

    def __exit__(self, *exc) -> None:
        self.browser.close()
        self._stack.pop().stop()

    def _context(self):
        width, height = self.viewport
        context = self.browser.new_context(viewport={"width": width, "height": height},
                                           service_workers="block")
        context.add_init_script(START)
        return context

    def warm_up(self, url: str) -> None:
        context = self._context()
        try:
            page = context.new_page()
            page.goto(url, wait_until="commit")
            until_playing(page, 0)
        finally:
            context.close()

    def visit(self, url: str, returning: bool = False) -> Visit:
        context = self._context()
        try:
            page = context.new_page()
            if returning:
                page.goto(url, wait_until="commit")
                until_playing(page, RETURNING_PLAYS_S)
                page.goto("about:blank")  # pagehide: the player keeps its bandwidth estimate
                context.new_cdp_session(page).send("Network.clearBrowserCache")
            line = self.proxy.reset()
            started = time.monotonic()
            page.goto(url, wait_until="commit")
            page.wait_for_timeout(max(0.0, started + self.window - time.monotonic()) * 1000)
            state = page.evaluate(STATE)
            if state["frame"] is None and state["playing"] is None:
                state.update(until_playing(page, 0))  # slower than the window: still timed
        finally:
            context.close()
        return visit_of(line, url, started, self.window, state, returning)


def until_playing(page, position: float) -> dict:
    """Wait until a frame was shown and playback reached `position`; the page's state."""
    deadline = time.monotonic() + PLAY_TIMEOUT_S
    while True:
        state = page.evaluate(STATE)
        if state["fatal"] or state["playError"]:
            raise RuntimeError(f"the player failed: {state['fatal'] or state['playError']}")
        shown = state["frame"] is not None or state["playing"] is not None
        if shown and state["position"] >= position:
            return state
        if time.monotonic() > deadline:
            raise RuntimeError(f"no picture within {PLAY_TIMEOUT_S:g} s: {state}")
        page.wait_for_timeout(100)


def visit_of(line: Line, url: str, started: float, window: float, state: dict,
             returning: bool) -> Visit:
    if not any(r.url == url and r.status == 200 for r in line.responses):
        raise RuntimeError(f"the proxy never served {url}: Chromium went around it")
    if state["fatal"] or state["playError"]:
        raise RuntimeError(f"the player failed: {state['fatal'] or state['playError']}")
    end = started + window
    urls = line.urls_between(started, end)
    segments = Counter(m.group(1) for u in urls if (m := SEGMENT.search(u.split("?")[0])))
    video_segments = [u for u in urls if (m := SEGMENT.search(u)) and m.group(1) != AUDIO_FOLDER]
    rung_url = state["levelUri"]
    if not rung_url and video_segments:  # a player without window.playerHls
        rung_url = video_segments[-1].rsplit("/", 1)[0] + "/index.m3u8"
    if not rung_url:
        raise RuntimeError("no video segment reached the browser in the window")
    ttff = state["frame"] if state["frame"] is not None else state["playing"]
    media = sum(d.size for d in line.deliveries
                if started <= d.at < end and MEDIA.search(d.url.split("?")[0]))
    return Visit(returning=returning, ttff_ms=ttff, bytes=line.bytes_between(started, end),
                 media_bytes=media, master_url=state["master"], rung_url=rung_url,
                 buffered_ahead=state["ahead"], position=state["position"],
                 hls_buffer=state["buffer"], player_size=state["player"], segments=dict(segments))


# -- what `seconds` of a rung weigh --------------------------------------------------------

# Straight to the server (loopback, no proxy), after the runs: not on the viewer's line.
_direct = requests.Session()
_direct.trust_env = False


def _size(url: str, sizes: dict[str, int]) -> int:
    if url not in sizes:
        response = _direct.head(url, timeout=30)
        response.raise_for_status()
        length = response.headers.get("Content-Length")
        sizes[url] = int(length) if length else len(_direct.get(url, timeout=30).content)
    return sizes[url]


def _playlist(url: str) -> m3u8.M3U8:
    response = _direct.get(url, timeout=30)
    response.raise_for_status()
    return m3u8.loads(response.text, uri=url)


def playlist_seconds_bytes(url: str, seconds: float, sizes: dict[str, int]) -> float:
    """The bytes a player needs to show the first `seconds` of one rendition: its init
    segment and its segments up to then, the last one pro rata to the part needed."""
    total, start, inits = 0.0, 0.0, set()
    for segment in _playlist(url).segments:
        if start >= seconds:
            break
        if segment.init_section is not None and segment.init_section.absolute_uri not in inits:
            inits.add(segment.init_section.absolute_uri)
            total += _size(segment.init_section.absolute_uri, sizes)
        share = min(1.0, (seconds - start) / segment.duration)
        total += share * _size(segment.absolute_uri, sizes)
        start += segment.duration
    return total


def rung_seconds_bytes(visit: Visit, seconds: float, sizes: dict[str, int]) -> float:
    """`seconds` of the rung the visit ended on, plus the same of the audio it plays with
    (fetched alongside, so counted on both sides of the ratio)."""
    total = playlist_seconds_bytes(visit.rung_url, seconds, sizes)
    audio = [m for m in _playlist(visit.master_url).media if m.type == "AUDIO" and m.uri]
    audio.sort(key=lambda m: m.default != "YES")  # the default rendition is the one played
    if audio:
        total += playlist_seconds_bytes(audio[0].absolute_uri, seconds, sizes)
    return total
