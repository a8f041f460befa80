"""A ladder made by the pipeline plays in hls.js in Chromium, and switches between rungs."""

import shutil

from transcoding.pipeline import transcode

PLAYER = """<!doctype html><html lang="en"><body>
<video id="v" muted playsinline width="640"></video>
<script src="hls.min.js"></script>
<script>
  window.fatal = null;
  const video = document.getElementById("v");
  const hls = new Hls({ capLevelToPlayerSize: false });
  window.hls = hls;
  hls.on(Hls.Events.ERROR, (_, data) => { if (data.fatal) window.fatal = data.details; });
  hls.loadSource("out/master.m3u8");
  hls.attachMedia(video);
  hls.on(Hls.Events.MANIFEST_PARSED, () => video.play());
</script></body></html>"""


def test_the_ladder_plays_in_hls_js(page, media, static_server, vendor_js):
    root, base = static_server
    transcode(media.landscape, root / "out", niceness=0)
    shutil.copy(vendor_js / "hls.min.js", root)
    (root / "player.html").write_text(PLAYER)

    page.goto(f"{base}/player.html")
    page.wait_for_function("document.getElementById('v').currentTime > 1.5 || window.fatal",
                           timeout=30_000)
    assert page.evaluate("window.fatal") is None
    assert page.evaluate("window.hls.levels.length") == 5
    heights = page.evaluate("window.hls.levels.map(l => l.height)")
    assert sorted(heights) == [240, 360, 480, 720, 1080]

    page.evaluate("window.hls.currentLevel = 0")  # switch to the lowest rung mid-play
    page.wait_for_function("window.hls.levels[window.hls.currentLevel].height === 240 "
                           "|| window.fatal", timeout=15_000)
    page.evaluate("document.getElementById('v').currentTime = 0.2")
    page.wait_for_function("document.getElementById('v').currentTime > 1.0 || window.fatal",
                           timeout=15_000)
    assert page.evaluate("window.fatal") is None
