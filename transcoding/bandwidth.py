"""Measured bit rates of an HLS rendition and the master playlist that states them.

ffmpeg's HLS muxer writes each rung's BANDWIDTH from its `-maxrate` (a cap, not a measure:
calm sources come out 2-3x overstated, noisy ones peak above it) and writes neither
AVERAGE-BANDWIDTH nor FRAME-RATE. RFC 8216 (4.3.4.2) defines BANDWIDTH as the peak segment
bit rate: the largest bit rate of any contiguous set of segments whose total duration is
between 0.5 and 1.5 times the target duration; AVERAGE-BANDWIDTH is the rate over the whole
rendition. Apple's HLS authoring spec asks for both, FRAME-RATE and EXT-X-INDEPENDENT-SEGMENTS.

Pure functions of (bytes, seconds) pairs; reading the files is `pipeline.py`'s thin part.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

Segment = tuple[int, float]  # (bytes, seconds)


def peak_bitrate(segments: list[Segment], target_duration: float) -> int:
    """RFC 8216's peak segment bit rate, in bits per second, rounded up.

    Every contiguous run of segments whose total duration lies in [0.5, 1.5] x the target
    duration is a candidate. A rendition shorter than half the target has no such run: its
    whole length is the only window there is.
    """
    segments = [(size, duration) for size, duration in segments if duration > 0]
    if not segments:
        return 0
    low, high = 0.5 * target_duration, 1.5 * target_duration
    best = 0.0
    for start in range(len(segments)):
        bits = seconds = 0.0
        for size, duration in segments[start:]:
            bits += size * 8
            seconds += duration
            if seconds > high + 1e-9:
                break
            if seconds >= low - 1e-9:
                best = max(best, bits / seconds)
    if best == 0:
        best = sum(s for s, _ in segments) * 8 / sum(d for _, d in segments)
    return math.ceil(best)


def average_bitrate(segments: list[Segment]) -> int:
    """All the bits over all the seconds, in bits per second, rounded up."""
    seconds = sum(d for _, d in segments if d > 0)
    if seconds <= 0:
        return 0
    return math.ceil(sum(s for s, d in segments if d > 0) * 8 / seconds)


@dataclass(frozen=True)
class Variant:
    uri: str
    bandwidth: int
    average_bandwidth: int
    codecs: str
    resolution: tuple[int, int]
    frame_rate: Fraction
    audio_group: str | None = None


@dataclass(frozen=True)
class AudioMedia:
    group_id: str
    name: str
    uri: str
    default: bool = True


def variant_rates(video: list[Segment], audio: list[Segment] | None,
                  target_duration: float) -> tuple[int, int]:
    """(BANDWIDTH, AVERAGE-BANDWIDTH) of a rung whose audio is a separate, shared rendition.

    A player fetches the rung's segments and the audio's together, so each figure is the sum
    of both renditions' figures (the peaks are summed: an upper bound, as BANDWIDTH must be).
    """
    peak, average = peak_bitrate(video, target_duration), average_bitrate(video)
    if audio:
        peak += peak_bitrate(audio, target_duration)
        average += average_bitrate(audio)
    return peak, average


def _quoted(value: str) -> str:
    return '"' + value.replace('"', "") + '"'


def master_playlist(variants: list[Variant], audio: list[AudioMedia] = ()) -> str:
    """The text of a master playlist for fMP4 renditions (hence EXT-X-VERSION 7)."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for media in audio:
        lines.append(
            f"#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID={_quoted(media.group_id)},"
            f"NAME={_quoted(media.name)},DEFAULT={'YES' if media.default else 'NO'},"
            f"AUTOSELECT=YES,URI={_quoted(media.uri)}"
        )
    for variant in variants:
        width, height = variant.resolution
        attributes = [
            f"BANDWIDTH={variant.bandwidth}",
            f"AVERAGE-BANDWIDTH={variant.average_bandwidth}",
            f"CODECS={_quoted(variant.codecs)}",
            f"RESOLUTION={width}x{height}",
            f"FRAME-RATE={float(variant.frame_rate):.3f}",
        ]
        if variant.audio_group:
            attributes.append(f"AUDIO={_quoted(variant.audio_group)}")
        lines += ["#EXT-X-STREAM-INF:" + ",".join(attributes), variant.uri]
    return "\n".join(lines) + "\n"
