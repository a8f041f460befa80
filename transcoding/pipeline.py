"""The whole media pipeline for one file: probe, plan, ladder, poster, storyboard, X clip.

`transcode()` is what the Celery task and `python -m transcoding ladder` both call.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import m3u8

from . import ffmpeg as ffmpeg_graph
from .errors import TranscodeFailed
from .ladder import LadderConfig, LadderPlan, plan
from .poster import choose_poster
from .probe import ProbeResult, probe
from .runner import ProgressCallback, run
from .storyboard import VTT_NAME, make_sheets, thumbnails_vtt
from .xclip import make_x_clip

# Share of the progress bar each stage takes (the ladder is nearly all of the work).
LADDER_SHARE, POSTER_SHARE = 0.92, 0.05


@dataclass(frozen=True)
class RenditionOutput:
    name: str
    width: int
    height: int
    bandwidth: int
    codecs: str
    playlist: str  # relative to the output folder


@dataclass
class TranscodeResult:
    probe: ProbeResult
    plan: LadderPlan
    master: str
    renditions: list[RenditionOutput]
    audio_playlist: str | None
    poster: str
    poster_webp: str
    poster_candidates: list[str]
    storyboard_vtt: str
    storyboard_sheets: list[str]
    x_clip: str | None
    timings: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "source": self.probe.to_dict(),
            "master": self.master,
            "renditions": [vars(r) for r in self.renditions],
            "audio_playlist": self.audio_playlist,
            "poster": self.poster,
            "poster_webp": self.poster_webp,
            "poster_candidates": self.poster_candidates,
            "storyboard_vtt": self.storyboard_vtt,
            "storyboard_sheets": self.storyboard_sheets,
            "x_clip": self.x_clip,
            "timings": self.timings,
        }


def _scaled(callback: ProgressCallback | None, start: float, share: float):
    if callback is None:
        return None
    return lambda fraction: callback(start + share * fraction)


def read_master(outdir: Path, ladder: LadderPlan) -> tuple[list[RenditionOutput], str | None]:
    """What the master playlist really says, checked against the plan."""
    master = m3u8.load(str(outdir / ffmpeg_graph.MASTER))
    by_uri = {p.uri.split("/")[0]: p for p in master.playlists}
    renditions = []
    for rung in ladder.rungs:
        entry = by_uri.get(rung.name)
        if entry is None or not entry.stream_info.bandwidth:
            raise TranscodeFailed(f"the master playlist has no usable entry for {rung.name}")
        width, height = entry.stream_info.resolution
        renditions.append(RenditionOutput(rung.name, width, height, entry.stream_info.bandwidth,
                                          entry.stream_info.codecs or "", entry.uri))
    audio = next((m.uri for m in master.media if m.type == "AUDIO" and m.uri), None)
    return renditions, audio


def transcode(source: str | Path, outdir: str | Path, *, config: LadderConfig | None = None,
              on_progress: ProgressCallback | None = None, time_limit: float | None = None,
              niceness: int = 10) -> TranscodeResult:
    """Turn one local file into everything the player needs, under `outdir`.

    Raises MediaError for an input that cannot become a video (message for people),
    TranscodeFailed when ffmpeg fails on a good input, Cancelled when stopped.
    """
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}
    started = time.monotonic()
    info = probe(source)
    ladder = plan(info, config)
    timings["probe"] = time.monotonic() - started

    (outdir / ffmpeg_graph.STORYBOARD_DIR).mkdir(exist_ok=True)
    command = ffmpeg_graph.ladder_command(info, ladder, outdir)
    # The frame rate lets progress count the top rung's frames (see runner._fraction).
    stats = run(command, duration=info.duration, on_progress=_scaled(on_progress, 0, LADDER_SHARE),
                time_limit=time_limit, niceness=niceness, frame_rate=float(ladder.frame_rate))
    timings["ladder_wall"], timings["ladder_cpu"] = stats.wall_seconds, stats.cpu_seconds
    renditions, audio = read_master(outdir, ladder)

    mark = time.monotonic()
    poster = choose_poster(info, outdir)
    timings["poster"] = time.monotonic() - mark
    if on_progress:
        on_progress(LADDER_SHARE + POSTER_SHARE)

    board_dir = outdir / ffmpeg_graph.STORYBOARD_DIR
    sheets = make_sheets(ladder, outdir)
    (board_dir / VTT_NAME).write_text(thumbnails_vtt(ladder.storyboard, info.duration))

    mark = time.monotonic()
    clip = make_x_clip(outdir, ladder, audio.split("/")[0] if audio else None)
    timings["x_clip"] = time.monotonic() - mark
    timings["total"] = time.monotonic() - started
    if on_progress:
        on_progress(1.0)

    def rel(path: Path | str) -> str:
        return str(Path(path).relative_to(outdir))

    return TranscodeResult(
        probe=info, plan=ladder, master=ffmpeg_graph.MASTER, renditions=renditions,
        audio_playlist=audio, poster=rel(poster.jpeg), poster_webp=rel(poster.webp),
        poster_candidates=[rel(c.path) for c in poster.candidates],
        storyboard_vtt=f"{ffmpeg_graph.STORYBOARD_DIR}/{VTT_NAME}",
        storyboard_sheets=[f"{ffmpeg_graph.STORYBOARD_DIR}/{s}" for s in sheets],
        x_clip=rel(clip) if clip else None, timings={k: round(v, 3) for k, v in timings.items()},
    )
