"""Pick a poster frame that is not black, a fade or a title card, and write it as JPEG and WebP.

Candidates are spread over the middle of the video (the first and last 10 % are where fades,
black and titles live) and grabbed by input seeking, so only a GOP's worth of frames is decoded
for each. Several seeked inputs share one ffmpeg process: on two cores that took 1.56 s instead
of 2.06 s for six candidates of a 1080p phone clip. Each input is a decoder of its own, though
(six 4K HEVC ones held 1.7 GB), so a call gets as many inputs as a pixel budget allows.

Each candidate is scored on a 64x64 greyscale copy (exposure and detail, in pure Python: no
numpy here); the best one is grabbed again for the JPEG + WebP pair. Every candidate is kept
as a JPEG of the poster's own size, so an editor who prefers another frame in the portal gets
a full poster at once, with no second pass over the original (about 150 KB each at 720p).

HDR (PQ/HLG) sources are tone-mapped with zscale+tonemap: PQ code values shown as if they were
BT.709 look grey and flat, which would make an ugly poster, mislead the score, and differ from
the SDR ladder viewers actually play. Scaling comes first, so the cost is that of a thumbnail.
"""

from __future__ import annotations

import math
import subprocess
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from .errors import MediaError, TranscodeFailed
from .probe import ProbeResult, file_url

EDGE = 0.10  # share of the duration skipped at each end
POSTER_LONG_SIDE = 1280
STATS_SIZE = 64  # the greyscale copy scored: 4 KiB, enough to tell black from a scene
# Decoded pixels per ffmpeg process: 3 inputs at 1080p (~180 MB resident), 1 at 4K (~330 MB).
MAX_PIXELS_PER_CALL = 3 * 1920 * 1080
JPEG_QSCALE = "3"  # mjpeg 2 (best) .. 31: 3 looks clean at half the size of 2
WEBP_QUALITY = "80"
FFMPEG_TIMEOUT_SECONDS = 120
CANDIDATES_DIR = "poster-candidates"


@dataclass(frozen=True)
class Candidate:
    time: float  # seconds from the start of the video
    path: Path  # JPEG of the poster's size
    mean_luma: float  # 0-255, full range
    stddev: float
    detail: float
    score: float


@dataclass(frozen=True)
class PosterResult:
    jpeg: Path
    webp: Path
    width: int
    height: int
    time: float  # the chosen candidate's time
    chosen: int  # index into candidates
    candidates: tuple[Candidate, ...]

    def to_dict(self) -> dict:
        return {
            "jpeg": str(self.jpeg), "webp": str(self.webp), "width": self.width,
            "height": self.height, "time": self.time, "chosen": self.chosen,
            "candidates": [{"time": c.time, "path": str(c.path), "score": c.score}
                           for c in self.candidates],
        }


def candidate_times(duration: float, n: int = 6, *, min_gap: float = 0.0) -> list[float]:
    """n times at the centres of equal slices of the middle 80 %; fewer when they would be
    closer than min_gap (one frame), since a 0.2 s clip has no six different frames there."""
    if duration <= 0 or n < 1:
        return []
    start, span = duration * EDGE, duration * (1 - 2 * EDGE)
    if min_gap > 0:
        n = max(1, min(n, int(span / min_gap)))
    step = span / n
    return [round(start + step * (i + 0.5), 3) for i in range(n)]


def frame_stats(gray: bytes, width: int) -> tuple[float, float, float]:
    """Mean, standard deviation and detail (mean difference between horizontal neighbours)
    of an 8-bit greyscale picture."""
    if not gray:
        return 0.0, 0.0, 0.0
    mean = sum(gray) / len(gray)
    stddev = math.sqrt(sum((p - mean) ** 2 for p in gray) / len(gray))
    diffs = [abs(gray[i + 1] - gray[i]) for i in range(len(gray) - 1) if (i + 1) % width]
    return mean, stddev, sum(diffs) / len(diffs) if diffs else 0.0


def score(mean_luma: float, stddev: float, detail: float = 0.0) -> float:
    """How good a poster a frame makes: contrast and detail, weighted by exposure.

    Full weight for a mean between 64 and 192, falling to zero at 16 (black, a fade) and 240
    (white, a flash): a flat title card or a black frame scores 0 whatever else it has.
    """
    exposure = min(1.0, max(0.0, (mean_luma - 16) / 48), max(0.0, (240 - mean_luma) / 48))
    return round(exposure * (stddev + detail), 2)


def _even(value: float) -> int:
    return max(2, int(round(value / 2)) * 2)


def scaled_size(width: int, height: int, *, long_side: int | None = None,
                target_width: int | None = None) -> tuple[int, int]:
    """Even dimensions with the source's aspect ratio, never larger than the source."""
    factor = 1.0
    if long_side:
        factor = min(factor, long_side / max(width, height))
    if target_width:
        factor = min(factor, target_width / width)
    return _even(width * factor), _even(height * factor)


def _picture_filter(probe: ProbeResult, width: int, height: int) -> str:
    """Scale to the display size (rotation is applied before this by ffmpeg's autorotate;
    SAR is squared here), tone-mapping HDR on the way. Output is 8-bit 4:2:0."""
    video = probe.video
    # A still of an interlaced source shows combing on anything that moves.
    first = "bwdif=mode=send_frame:parity=auto:deint=all," if video.interlaced else ""
    if video.hdr:
        # Phone HDR is BT.2020 non-constant luminance; the transfer is what probe read.
        return (f"{first}zscale=w={width}:h={height}:tin={video.color_transfer}:pin=bt2020"
                ":min=bt2020nc:t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,"
                "tonemap=hable:desat=0,zscale=t=bt709:m=bt709:r=tv,format=yuv420p,setsar=1")
    return f"{first}scale={width}:{height},setsar=1,format=yuv420p"


def _seeked_input(probe: ProbeResult, time: float) -> list[str]:
    # Demuxer forced and whitelists first, `-ss` before `-i`: input seeking, from a keyframe.
    return [*probe.input_args(), "-ss", f"{time:.3f}", "-i", file_url(probe.path)]


# Global options go after the inputs so every command starts with probe.input_args();
# ffmpeg reads global options wherever they stand.
_GLOBAL = ["-nostdin", "-hide_banner", "-v", "error", "-y"]


def candidates_command(probe: ProbeResult, times: list[float], jpegs: list[Path],
                       grays: list[Path], size: tuple[int, int]) -> list[str]:
    """One ffmpeg process, one seeked input per time: a JPEG and a raw greyscale copy."""
    command = ["ffmpeg"]
    for time in times:
        command += _seeked_input(probe, time)
    graph, outputs = [], []
    for i, (jpeg, gray) in enumerate(zip(jpegs, grays, strict=True)):
        # V, not v: an attached cover picture is a "video" stream too.
        graph.append(f"[{i}:V:0]{_picture_filter(probe, *size)},split[j{i}][s{i}];"
                     f"[j{i}]format=yuvj420p[jo{i}];"
                     f"[s{i}]scale={STATS_SIZE}:{STATS_SIZE},format=gray[g{i}]")
        outputs += ["-map", f"[jo{i}]", "-frames:v", "1", "-q:v", JPEG_QSCALE, "-f", "image2",
                    str(jpeg), "-map", f"[g{i}]", "-frames:v", "1", "-f", "rawvideo", str(gray)]
    return [*command, *_GLOBAL, "-filter_complex", ";".join(graph), *outputs]


def poster_command(probe: ProbeResult, time: float, jpeg: Path, webp: Path,
                   size: tuple[int, int]) -> list[str]:
    graph = (f"[0:V:0]{_picture_filter(probe, *size)},split[a][b];"
             "[a]format=yuvj420p[j];[b]format=yuv420p[w]")
    return ["ffmpeg", *_seeked_input(probe, time), *_GLOBAL, "-filter_complex", graph,
            "-map", "[j]", "-frames:v", "1", "-q:v", JPEG_QSCALE, "-f", "image2", str(jpeg),
            # WebP (VP8) is limited-range YUV, so it takes yuv420p, not the JPEG's yuvj420p.
            "-map", "[w]", "-frames:v", "1", "-c:v", "libwebp", "-quality", WEBP_QUALITY,
            "-f", "webp", str(webp)]


def _run(command: list[str]) -> None:
    try:
        done = subprocess.run(command, capture_output=True, timeout=FFMPEG_TIMEOUT_SECONDS,
                              check=False)
    except subprocess.TimeoutExpired as exc:
        raise TranscodeFailed("Making the poster took too long.") from exc
    if done.returncode != 0:
        last = (done.stderr.decode(errors="replace").strip().splitlines() or ["?"])[-1]
        raise TranscodeFailed(f"Making the poster failed: {last}")


def candidate_batches(times: list[float], probe: ProbeResult) -> list[list[float]]:
    pixels = max(1, probe.video.coded_width * probe.video.coded_height)
    per_call = max(1, MAX_PIXELS_PER_CALL // pixels)
    return [times[i:i + per_call] for i in range(0, len(times), per_call)]


def _grab_candidates(probe: ProbeResult, times: list[float], folder: Path,
                     scratch: Path, size: tuple[int, int]) -> list[Candidate]:
    for stale in folder.glob("[0-9][0-9].jpg"):  # an earlier run's must not pass for frames
        stale.unlink()
    found, index = [], 0
    for batch in candidate_batches(times, probe):
        jpegs = [folder / f"{index + i + 1:02d}.jpg" for i in range(len(batch))]
        grays = [scratch / f"{index + i}.gray" for i in range(len(batch))]
        index += len(batch)
        _run(candidates_command(probe, batch, jpegs, grays, size))
        for time, jpeg, gray in zip(batch, jpegs, grays, strict=True):
            data = gray.read_bytes() if gray.exists() else b""
            # Nothing decoded: the seek fell past the last frame (audio outlasting video).
            if len(data) < STATS_SIZE * STATS_SIZE or not jpeg.exists():
                jpeg.unlink(missing_ok=True)
                continue
            mean, stddev, detail = frame_stats(data[:STATS_SIZE * STATS_SIZE], STATS_SIZE)
            found.append(Candidate(time, jpeg, round(mean, 1), round(stddev, 1),
                                   round(detail, 1), score(mean, stddev, detail)))
    # Close the gaps a missed seek leaves, so the names run 01..NN (each moves down, never
    # onto a file still to be moved).
    for number, candidate in enumerate(found, start=1):
        target = folder / f"{number:02d}.jpg"
        if candidate.path != target:
            candidate.path.rename(target)
            found[number - 1] = replace(candidate, path=target)
    return found


def choose_poster(probe: ProbeResult, outdir: Path, *, candidates: int = 6,
                  width: int | None = None) -> PosterResult:
    """Write poster.jpg, poster.webp and poster-candidates/NN.jpg under outdir.

    The poster has the source's display size capped at POSTER_LONG_SIDE on its long side,
    or `width` wide when given (never upscaled).
    """
    outdir = Path(outdir)
    folder = outdir / CANDIDATES_DIR
    folder.mkdir(parents=True, exist_ok=True)
    rate = probe.video.frame_rate or 25.0
    times = candidate_times(probe.duration, candidates, min_gap=1 / rate)
    size = scaled_size(probe.video.width, probe.video.height,
                       long_side=None if width else POSTER_LONG_SIDE, target_width=width)
    with tempfile.TemporaryDirectory(prefix="poster-") as scratch:
        found = _grab_candidates(probe, times, folder, Path(scratch), size)
        if not found:  # every seek missed: the container lasts longer than the picture
            found = _grab_candidates(probe, [0.0], folder, Path(scratch), size)
    if not found:
        raise MediaError("No picture could be decoded from this video; it may be damaged.")
    middle = probe.duration / 2
    # Ties (an all-black video scores 0 everywhere) go to the candidate nearest the middle.
    chosen = max(range(len(found)), key=lambda i: (found[i].score, -abs(found[i].time - middle)))
    jpeg, webp = outdir / "poster.jpg", outdir / "poster.webp"
    _run(poster_command(probe, found[chosen].time, jpeg, webp, size))
    if not (jpeg.exists() and webp.exists()):
        raise TranscodeFailed("Making the poster failed: ffmpeg wrote no picture.")
    return PosterResult(jpeg=jpeg, webp=webp, width=size[0], height=size[1],
                        time=found[chosen].time, chosen=chosen, candidates=tuple(found))
