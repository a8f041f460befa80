"""A short MP4 for X's native video, cut from a rung already encoded: no second encode.

X takes H.264/AAC MP4 up to 140 s, 512 MB, 1280x1024 and 60 fps. The largest rung that fits
is remuxed with its shared audio into one faststart MP4. Our own fragmented MP4 segments are
joined byte for byte (init + fragments is itself a valid fragmented MP4).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from .errors import TranscodeFailed
from .ladder import LadderPlan, Rung
from .probe import PROTOCOL_WHITELIST, file_url

MAX_SECONDS = 140
MAX_WIDTH, MAX_HEIGHT = 1280, 1024
MAX_BYTES = 512 * 1024 * 1024
X_CLIP_NAME = "x-clip.mp4"


def pick_rung(plan: LadderPlan) -> Rung | None:
    fitting = [r for r in plan.rungs if r.width <= MAX_WIDTH and r.height <= MAX_HEIGHT]
    return max(fitting, key=lambda r: r.width * r.height, default=None)


def _join_fragments(playlist_dir: Path, target: Path) -> None:
    with target.open("wb") as out:
        for part in [*sorted(playlist_dir.glob("init*.mp4")),
                     *sorted(playlist_dir.glob("segment-*.m4s"))]:
            with part.open("rb") as src:
                shutil.copyfileobj(src, out)


def make_x_clip(outdir: Path, plan: LadderPlan, audio_dir: str | None) -> Path | None:
    rung = pick_rung(plan)
    if rung is None:
        return None
    target = outdir / X_CLIP_NAME
    with tempfile.TemporaryDirectory(dir=outdir) as tmp:
        video = Path(tmp) / "video.mp4"
        _join_fragments(outdir / rung.name, video)
        inputs = ["-protocol_whitelist", PROTOCOL_WHITELIST, "-f", "mov", "-i", file_url(video)]
        maps = ["-map", "0:v:0"]
        if audio_dir:
            audio = Path(tmp) / "audio.mp4"
            _join_fragments(outdir / audio_dir, audio)
            inputs += ["-protocol_whitelist", PROTOCOL_WHITELIST, "-f", "mov", "-i",
                       file_url(audio)]
            maps += ["-map", "1:a:0"]
        command = ["ffmpeg", "-nostdin", "-hide_banner", "-v", "error", "-y", *inputs, *maps,
                   "-c", "copy", "-t", str(MAX_SECONDS), "-movflags", "+faststart",
                   str(target)]
        done = subprocess.run(command, capture_output=True, check=False)
    if done.returncode != 0:
        raise TranscodeFailed(f"could not make the X clip: {done.stderr[-1000:].decode()}")
    if target.stat().st_size > MAX_BYTES:  # only a pathological bitrate could get here
        target.unlink()
        return None
    return target
