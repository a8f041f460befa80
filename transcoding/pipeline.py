"""The whole media pipeline for one file: probe, plan, ladder, poster, storyboard, X clip.

`transcode()` is what the Celery task and `python -m transcoding ladder` both call.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import m3u8

from . import bandwidth
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
    preview: str | None = None  # the cards' hover preview (muted MP4), None if not made
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
            "preview": self.preview,
            "timings": self.timings,
        }


def _scaled(callback: ProgressCallback | None, start: float, share: float):
    if callback is None:
        return None
    return lambda fraction: callback(start + share * fraction)


def _segments(playlist: Path) -> tuple[list[bandwidth.Segment], float]:
    """(bytes, seconds) of each media segment of one rendition, and its target duration."""
    media = m3u8.load(str(playlist))
    return ([((playlist.parent / s.uri).stat().st_size, float(s.duration))
             for s in media.segments], float(media.target_duration or 0))


def read_master(outdir: Path, ladder: LadderPlan) -> tuple[list[RenditionOutput], str | None]:
    """What ffmpeg's master playlist says, checked against the plan, rewritten with the
    bit rates measured on the segments (bandwidth.py says why)."""
    master = m3u8.load(str(outdir / ffmpeg_graph.MASTER))
    by_uri = {p.uri.split("/")[0]: p for p in master.playlists}
    audio_media = next((m for m in master.media if m.type == "AUDIO" and m.uri), None)
    audio_segments = _segments(outdir / audio_media.uri)[0] if audio_media else None
    renditions, variants = [], []
    for rung in ladder.rungs:
        entry = by_uri.get(rung.name)
        if entry is None or not entry.stream_info.bandwidth:
            raise TranscodeFailed(f"the master playlist has no usable entry for {rung.name}")
        width, height = entry.stream_info.resolution
        video_segments, target = _segments(outdir / entry.uri)
        peak, average = bandwidth.variant_rates(video_segments, audio_segments,
                                                target or ladder.segment_seconds)
        codecs = entry.stream_info.codecs or ""
        renditions.append(RenditionOutput(rung.name, width, height, peak, codecs, entry.uri))
        variants.append(bandwidth.Variant(entry.uri, peak, average, codecs, (width, height),
                                          ladder.frame_rate,
                                          entry.stream_info.audio if audio_media else None))
    audio = [bandwidth.AudioMedia(audio_media.group_id, audio_media.name, audio_media.uri)] \
        if audio_media else []
    (outdir / ffmpeg_graph.MASTER).write_text(bandwidth.master_playlist(variants, audio))
    return renditions, audio_media.uri if audio_media else None


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
        x_clip=rel(clip) if clip else None,
        preview=ffmpeg_graph.PREVIEW if (outdir / ffmpeg_graph.PREVIEW).is_file() else None,
        timings={k: round(v, 3) for k, v in timings.items()},
    )
