"""ffprobe an upload into a typed result, refusing anything outside the allow-list.

Safety: the first look at an unknown file is already restricted. `-format_whitelist` keeps
ffprobe from ever selecting a demuxer that opens other files or URLs (hls, concat, image2,
dash, tee...), `-protocol_whitelist file` keeps it on the local file system, and the input is
given as an absolute `file:` path. Every later ffmpeg run forces the demuxer found here.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path

from .errors import MediaError

# ffprobe demuxer name -> what we force later with `-f`. Camera, phone and screen-recorder
# containers only: everything a playlist-like or multi-file demuxer could hide behind is out.
ALLOWED_DEMUXERS = {
    "mov,mp4,m4a,3gp,3g2,mj2": "mov",
    "matroska,webm": "matroska",
    "avi": "avi",
    "mpegts": "mpegts",
    "mxf": "mxf",
}
FORMAT_WHITELIST = "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,mpegts,mxf"
PROTOCOL_WHITELIST = "file"
HDR_TRANSFERS = {"smpte2084": "PQ", "arib-std-b67": "HLG"}
PROBE_TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class VideoStream:
    codec: str
    profile: str | None
    coded_width: int
    coded_height: int
    width: int  # as displayed: after rotation and sample aspect ratio
    height: int
    rotation: int  # the display matrix's rotation, degrees counter-clockwise, 0-359
    frame_rate: float  # average frames per second
    variable_frame_rate: bool
    pixel_format: str
    bit_depth: int
    color_transfer: str | None
    color_primaries: str | None
    interlaced: bool

    @property
    def hdr(self) -> str | None:
        return HDR_TRANSFERS.get(self.color_transfer or "")

    @property
    def portrait(self) -> bool:
        return self.height > self.width


@dataclass(frozen=True)
class AudioStream:
    codec: str
    channels: int
    sample_rate: int


@dataclass(frozen=True)
class ProbeResult:
    path: str
    container: str
    demuxer: str  # what ffmpeg must be forced to use for this file
    duration: float
    size: int
    bit_rate: int | None
    video: VideoStream
    audio: AudioStream | None

    def to_dict(self) -> dict:
        data = asdict(self)
        data["video"]["hdr"] = self.video.hdr
        data["video"]["portrait"] = self.video.portrait
        return data

    def input_args(self) -> list[str]:
        """The options every ffmpeg run on this file starts with."""
        return safe_input_args(self.demuxer)


def safe_input_args(demuxer: str | None = None) -> list[str]:
    args = ["-protocol_whitelist", PROTOCOL_WHITELIST, "-format_whitelist", FORMAT_WHITELIST]
    if demuxer:
        args += ["-f", demuxer]
    return args


def file_url(path: str | os.PathLike) -> str:
    """An absolute `file:` URL, so no name can be read as another protocol (`concat:`…)."""
    return "file:" + str(Path(path).resolve())


def _fraction(value: str | None) -> float:
    try:
        rate = Fraction(value or "0")
    except (ValueError, ZeroDivisionError):
        return 0.0
    return float(rate) if rate > 0 else 0.0


def _rotation(stream: dict) -> int:
    for side in stream.get("side_data_list") or []:
        if "rotation" in side:
            return int(round(float(side["rotation"]))) % 360
    tag = (stream.get("tags") or {}).get("rotate")
    return -int(tag) % 360 if tag and tag.lstrip("-").isdigit() else 0


def _bit_depth(stream: dict) -> int:
    raw = stream.get("bits_per_raw_sample")
    if raw and str(raw).isdigit():
        return int(raw)
    pix = stream.get("pix_fmt") or ""
    for depth in (16, 12, 10, 9):
        if f"p{depth}" in pix:
            return depth
    return 8


def _video(stream: dict) -> VideoStream:
    coded_w, coded_h = int(stream.get("width") or 0), int(stream.get("height") or 0)
    if coded_w <= 0 or coded_h <= 0:
        raise MediaError("The video stream has no picture size; the file is probably damaged.")
    sar = Fraction(1)
    sar_text = stream.get("sample_aspect_ratio") or "1:1"
    if ":" in sar_text:
        num, den = (int(x) for x in sar_text.split(":"))
        if num > 0 and den > 0:
            sar = Fraction(num, den)
    width = int(round(coded_w * sar)) if sar != 1 else coded_w
    height = coded_h
    rotation = _rotation(stream)
    if rotation in (90, 270):
        width, height = height, width
    avg = _fraction(stream.get("avg_frame_rate"))
    real = _fraction(stream.get("r_frame_rate"))
    fps = avg or real
    field_order = stream.get("field_order") or "progressive"
    return VideoStream(
        codec=stream.get("codec_name") or "unknown",
        profile=stream.get("profile"),
        coded_width=coded_w,
        coded_height=coded_h,
        width=width,
        height=height,
        rotation=rotation,
        frame_rate=round(fps, 3),
        variable_frame_rate=bool(avg and real and abs(avg - real) / real > 0.01),
        pixel_format=stream.get("pix_fmt") or "unknown",
        bit_depth=_bit_depth(stream),
        color_transfer=stream.get("color_transfer"),
        color_primaries=stream.get("color_primaries"),
        interlaced=field_order not in ("progressive", "unknown"),
    )


def _run_ffprobe(path: Path) -> dict:
    command = [
        "ffprobe", "-v", "error", "-hide_banner", *safe_input_args(),
        "-show_format", "-show_streams", "-of", "json", file_url(path),
    ]
    try:
        done = subprocess.run(command, capture_output=True, timeout=PROBE_TIMEOUT_SECONDS,
                              check=False)
    except subprocess.TimeoutExpired as exc:
        raise MediaError("Reading this file took too long; it is probably damaged.") from exc
    if done.returncode != 0:
        raise _explain(done.stderr.decode(errors="replace"), path)
    return json.loads(done.stdout or b"{}")


# An ISO base media file (MP4, MOV, 3GP) starts with one of these boxes.
_ISO_FIRST_BOXES = {b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot", b"uuid"}


def _starts_like_mp4(path: Path) -> bool:
    try:
        with path.open("rb") as file:
            head = file.read(8)
    except OSError:
        return False
    return len(head) == 8 and head[4:8] in _ISO_FIRST_BOXES


def _explain(stderr: str, path: Path | None = None) -> MediaError:
    text = stderr.lower()
    not_accepted = MediaError("This file is not a video format we accept (MP4, MOV, 3GP, MKV, "
                              "WebM, AVI, MPEG-TS or MXF).")
    incomplete = MediaError("This file is incomplete or damaged; the upload may have been cut "
                            "short.")
    if "not on whitelist" in text:
        return not_accepted
    # Anything named .mp4 goes to the MP4 demuxer, which then says "moov atom not found" (and
    # "invalid data found") both for a real MP4 cut short, whose index is written last, and for
    # a text file or a picture: only the file's first box tells them apart.
    if "moov atom not found" in text:
        return incomplete if path is not None and _starts_like_mp4(path) else not_accepted
    if "end of file" in text or "truncat" in text:
        return incomplete
    if "invalid data found" in text:
        return not_accepted
    return MediaError("This file could not be read as a video; it may be damaged.")


def probe(path: str | os.PathLike) -> ProbeResult:
    """Describe a local media file, or raise MediaError with a message for people."""
    path = Path(path)
    if not path.is_file():
        raise MediaError("The file is missing.")
    size = path.stat().st_size
    if size == 0:
        raise MediaError("This file is empty (0 bytes).")
    data = _run_ffprobe(path)
    fmt = data.get("format") or {}
    container = fmt.get("format_name") or ""
    demuxer = ALLOWED_DEMUXERS.get(container)
    if demuxer is None:  # belt and braces: the whitelist already refused it
        raise MediaError("This file format (%(format)s) is not accepted.",
                         format=container or "unknown")
    streams = data.get("streams") or []
    videos = [s for s in streams if s.get("codec_type") == "video"
              and not (s.get("disposition") or {}).get("attached_pic")]
    audios = [s for s in streams if s.get("codec_type") == "audio"]
    if not videos:
        if audios:
            raise MediaError("This file has sound but no picture; please upload a video.")
        raise MediaError("This file contains no video.")
    duration = _fraction(fmt.get("duration")) or _fraction(videos[0].get("duration"))
    if duration <= 0:
        raise MediaError("This video has no duration; the file is probably damaged.")
    audio = None
    if audios:
        a = audios[0]
        audio = AudioStream(codec=a.get("codec_name") or "unknown",
                            channels=int(a.get("channels") or 0),
                            sample_rate=int(a.get("sample_rate") or 0))
    bit_rate = fmt.get("bit_rate")
    return ProbeResult(
        path=str(path), container=container, demuxer=demuxer, duration=round(duration, 3),
        size=size, bit_rate=int(bit_rate) if str(bit_rate or "").isdigit() else None,
        video=_video(videos[0]), audio=audio,
    )
