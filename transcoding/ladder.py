"""Plan the renditions of a video from its probe: pure functions, no ffmpeg run here.

The ladder itself is configuration (ladder.toml beside this file, or any file with the same
keys): which rungs exist, their bitrate caps, segment and keyframe spacing, loudness target.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from .probe import ProbeResult

DEFAULT_LADDER = Path(__file__).with_name("ladder.toml")
# Frame rates a camera or phone really records; a VFR phone clip is snapped to the nearest.
STANDARD_RATES = (Fraction(24000, 1001), Fraction(24), Fraction(25), Fraction(30000, 1001),
                  Fraction(30), Fraction(50), Fraction(60000, 1001), Fraction(60))


@dataclass(frozen=True)
class RungSpec:
    name: str
    short_side: int
    max_bitrate_kbps: int


@dataclass(frozen=True)
class LadderConfig:
    rungs: tuple[RungSpec, ...]
    segment_seconds: int = 4
    keyframe_seconds: int = 2
    max_frame_rate: int = 30
    crf: int = 23
    preset: str = "veryfast"
    audio_bitrate_kbps: int = 128
    audio_sample_rate: int = 48000
    loudness_lufs: float = -16.0
    true_peak_db: float = -1.5
    loudness_range: float = 11.0
    storyboard_interval: int = 2
    storyboard_long_side: int = 160
    storyboard_columns: int = 10
    storyboard_rows: int = 10
    preview_seconds: float = 4  # the cards' hover preview: a few muted seconds...
    preview_long_side: int = 320  # ...small (about 60 KB)
    preview_max_bitrate_kbps: int = 120

    def __post_init__(self):
        if not self.rungs:
            raise ValueError("a ladder needs at least one rung")
        if self.segment_seconds % self.keyframe_seconds:
            raise ValueError("segment_seconds must be a multiple of keyframe_seconds")


def load_config(path: str | Path | None = None) -> LadderConfig:
    with open(path or DEFAULT_LADDER, "rb") as f:
        data = tomllib.load(f)
    rungs = tuple(RungSpec(**r) for r in data.pop("rungs", []))
    rungs = tuple(sorted(rungs, key=lambda r: r.short_side, reverse=True))
    return LadderConfig(rungs=rungs, **data)


@dataclass(frozen=True)
class Rung:
    name: str
    width: int
    height: int
    max_bitrate: int  # bits per second
    buffer_size: int

    @property
    def resolution(self) -> str:
        return f"{self.width}x{self.height}"


@dataclass(frozen=True)
class Storyboard:
    interval: int
    tile_width: int
    tile_height: int
    columns: int
    rows: int
    count: int  # thumbnails in all

    @property
    def per_sheet(self) -> int:
        return self.columns * self.rows

    @property
    def sheets(self) -> int:
        return math.ceil(self.count / self.per_sheet)


@dataclass(frozen=True)
class Preview:
    start: float
    duration: float
    width: int
    height: int
    max_bitrate: int  # bits per second


@dataclass(frozen=True)
class LadderPlan:
    rungs: tuple[Rung, ...]  # highest first
    frame_rate: Fraction
    gop: int  # frames between keyframes
    keyframe_seconds: int
    segment_seconds: int
    crf: int
    preset: str
    deinterlace: bool
    tonemap: str | None  # "PQ"/"HLG" when an HDR source is mapped to SDR
    audio: bool
    audio_bitrate: int
    audio_sample_rate: int
    loudness: tuple[float, float, float]  # integrated LUFS, true peak dBTP, range LU
    storyboard: Storyboard
    duration: float
    preview: Preview | None = None


def even(value: float) -> int:
    """The nearest even integer, at least 2: H.264 4:2:0 needs even sizes."""
    return max(2, int(round(value / 2)) * 2)


def output_frame_rate(source_fps: float, max_rate: int) -> Fraction:
    if source_fps <= 0:
        return Fraction(min(30, max_rate))
    rate = min(STANDARD_RATES, key=lambda r: abs(float(r) - source_fps))
    while rate > max_rate:
        rate /= 2
    return rate


def rung_size(src_w: int, src_h: int, short_side: int) -> tuple[int, int]:
    """Scale so the short side is `short_side`, keep the display aspect, even dimensions."""
    if src_w >= src_h:
        return even(src_w * short_side / src_h), even(short_side)
    return even(short_side), even(src_h * short_side / src_w)


def plan_rungs(src_w: int, src_h: int, config: LadderConfig) -> tuple[Rung, ...]:
    short = min(src_w, src_h)
    chosen = [spec for spec in config.rungs if spec.short_side <= short]
    if not chosen:  # smaller than the smallest rung: one rung at the source's own size
        smallest = config.rungs[-1]
        chosen = [RungSpec(f"{even(short)}p", short, smallest.max_bitrate_kbps)]
    rungs = []
    for spec in chosen:
        width, height = rung_size(src_w, src_h, spec.short_side)
        bitrate = spec.max_bitrate_kbps * 1000
        rungs.append(Rung(spec.name, width, height, bitrate, bitrate * 2))
    return tuple(rungs)


def plan_storyboard(src_w: int, src_h: int, duration: float, config: LadderConfig) -> Storyboard:
    long_side = config.storyboard_long_side
    if src_w >= src_h:
        tile = (even(long_side), even(long_side * src_h / src_w))
    else:
        tile = (even(long_side * src_w / src_h), even(long_side))
    count = max(1, math.ceil(duration / config.storyboard_interval))
    return Storyboard(config.storyboard_interval, *tile, config.storyboard_columns,
                      config.storyboard_rows, count)


def plan_preview(src_w: int, src_h: int, duration: float, config: LadderConfig) -> Preview:
    """The first few seconds (a video shorter than that is previewed whole).

    The middle would show more of the video, but ffmpeg prints no -progress report until every
    output has written its header, i.e. received its first frame: a preview cut from the
    middle held the progress bar back for half the run. To be revisited (a second, seeking
    run costs a decode of those few seconds only)."""
    length = min(config.preview_seconds, duration)
    start = 0.0
    long_side = config.preview_long_side
    if src_w >= src_h:
        size = (even(long_side), even(long_side * src_h / src_w))
    else:
        size = (even(long_side * src_w / src_h), even(long_side))
    return Preview(round(start, 3), round(length, 3), *size,
                   config.preview_max_bitrate_kbps * 1000)


def plan(probe: ProbeResult, config: LadderConfig | None = None) -> LadderPlan:
    config = config or load_config()
    video = probe.video
    rate = output_frame_rate(video.frame_rate, config.max_frame_rate)
    return LadderPlan(
        rungs=plan_rungs(video.width, video.height, config),
        frame_rate=rate,
        gop=max(1, round(rate * config.keyframe_seconds)),
        keyframe_seconds=config.keyframe_seconds,
        segment_seconds=config.segment_seconds,
        crf=config.crf,
        preset=config.preset,
        deinterlace=video.interlaced,
        tonemap=video.hdr,
        audio=probe.audio is not None,
        audio_bitrate=config.audio_bitrate_kbps * 1000,
        audio_sample_rate=config.audio_sample_rate,
        loudness=(config.loudness_lufs, config.true_peak_db, config.loudness_range),
        storyboard=plan_storyboard(video.width, video.height, probe.duration, config),
        duration=probe.duration,
        preview=plan_preview(video.width, video.height, probe.duration, config),
    )
