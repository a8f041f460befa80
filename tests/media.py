"""Test inputs for the media pipeline, generated with ffmpeg's lavfi sources.

Each `make_X(dir, ...)` writes one small file (or a small set of files) under `dir` and returns
its path. Pictures come from `testsrc2` with a little temporal noise (so encoders have real work
and motion to see), sound from `sine`/`aevalsrc`. Defaults are chosen to encode in about a
second on two cores; pass `duration`/`size` for bigger cases.

The hostile cases (playlists, concat lists, images in disguise) point at a local "secret" file by
a relative name in the same folder, which is what makes them dangerous: ffmpeg's own defaults
(the concat demuxer's `safe` mode, the HLS demuxer's extension list) would let it open such a
file. The pipeline must refuse them before any of that can happen.
"""

from __future__ import annotations

import os
import secrets
import subprocess
from pathlib import Path

FFMPEG_TIMEOUT_SECONDS = 180
Size = tuple[int, int]

# Fast, small H.264/AAC: these files are inputs, their quality does not matter.
X264 = ["-c:v", "libx264", "-preset", "ultrafast", "-crf", "32", "-pix_fmt", "yuv420p"]
AAC = ["-c:a", "aac", "-b:a", "96k", "-ac", "2"]


class MediaGenerationError(RuntimeError):
    """ffmpeg could not make a test input (a broken test, not a bug in the code under test)."""


def run_ffmpeg(*args: str | os.PathLike | int | float) -> None:
    """Run ffmpeg quietly; raise with its command line and stderr when it fails."""
    command = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]
    command += [str(a) for a in args]
    try:
        done = subprocess.run(command, capture_output=True, timeout=FFMPEG_TIMEOUT_SECONDS,
                              check=False)
    except subprocess.TimeoutExpired as exc:
        raise MediaGenerationError(f"ffmpeg timed out: {' '.join(command)}") from exc
    if done.returncode != 0:
        stderr = done.stderr.decode(errors="replace").strip()
        raise MediaGenerationError(
            f"ffmpeg exited with {done.returncode}: {' '.join(command)}\n{stderr[-4000:]}"
        )


def picture(size: Size, rate: float | str, duration: float, noise: int = 8) -> str:
    """A lavfi video source: moving test pattern, with temporal noise unless noise=0."""
    width, height = size
    chain = f"testsrc2=size={width}x{height}:rate={rate}:duration={duration}"
    if width % 2 or height % 2:
        # testsrc2 picks a 4:2:0 format and would round odd sizes down; full chroma keeps them.
        chain += ",format=yuv444p"
    if noise:
        chain += f",noise=alls={noise}:allf=t"
    return chain


def tone(duration: float, frequency: int = 440, sample_rate: int = 48000) -> str:
    """A lavfi audio source: a sine at -18 dBFS peak (the `sine` filter's fixed amplitude)."""
    return f"sine=frequency={frequency}:sample_rate={sample_rate}:duration={duration}"


def _encode(out: Path, video: str, *, audio: str | None = None, video_codec=X264,
            extra: tuple[str, ...] = ()) -> Path:
    args: list[str] = ["-f", "lavfi", "-i", video]
    if audio:
        args += ["-f", "lavfi", "-i", audio]
    args += list(video_codec)
    if audio:
        args += AAC + ["-shortest"]
    run_ffmpeg(*args, *extra, out)
    return out


# --- ordinary camera and phone footage -------------------------------------------------------

def make_landscape(dir: Path, duration: float = 3, size: Size = (1920, 1080), rate: int = 30,
                   audio: bool = True, name: str = "landscape.mp4") -> Path:
    """1080p30 H.264 + stereo AAC in MP4, the common case."""
    return _encode(dir / name, picture(size, rate, duration),
                   audio=tone(duration) if audio else None)


def make_short_clip(dir: Path, duration: float = 2, size: Size = (1280, 720)) -> Path:
    """A 2 s clip: shorter than one HLS segment."""
    return make_landscape(dir, duration=duration, size=size, name="short.mp4")


def make_no_audio(dir: Path, duration: float = 3, size: Size = (1280, 720)) -> Path:
    """Video only: no audio stream at all (not a silent one)."""
    return make_landscape(dir, duration=duration, size=size, audio=False, name="no_audio.mp4")


def make_portrait(dir: Path, duration: float = 3, coded_size: Size = (1920, 1080),
                  rotation: int = -90) -> Path:
    """A phone held upright: coded 1920x1080, displayed 1080x1920 through the display matrix.

    `rotation` is the display matrix's angle as ffprobe reports it (counter-clockwise degrees);
    a phone held upright records -90. ffmpeg 5.1 has no `-display_rotation`: the `rotate` tag
    on a stream copy makes the MP4 muxer write the matrix, and 5.1 reads that tag as
    counter-clockwise too (`rotate=270` gives -90, the matrix phones write).
    """
    coded = make_landscape(dir, duration=duration, size=coded_size, name="portrait_coded.mp4")
    out = dir / "portrait.mp4"
    run_ffmpeg("-i", coded, "-map", "0", "-c", "copy",
               "-metadata:s:v:0", f"rotate={rotation % 360}", out)
    coded.unlink()
    return out


def make_4k(dir: Path, duration: float = 1) -> Path:
    """3840x2160 H.264, one second (the encode is ~1.5 s)."""
    return make_landscape(dir, duration=duration, size=(3840, 2160), name="uhd.mp4")


HDR_PARAMS = {
    # PQ with HDR10 mastering metadata, as recorded by Android phones.
    "smpte2084": ("hdr10=1:colorprim=bt2020:transfer=smpte2084:colormatrix=bt2020nc:"
                  "master-display=G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)"
                  "L(10000000,1):max-cll=1000,400"),
    # HLG, as recorded by iPhones (without their Dolby Vision layer).
    "arib-std-b67": "colorprim=bt2020:transfer=arib-std-b67:colormatrix=bt2020nc",
}


def make_hdr(dir: Path, duration: float = 2, size: Size = (1280, 720),
             transfer: str = "smpte2084", suffix: str = ".mov") -> Path:
    """10-bit HEVC (Main 10, `hvc1`) in BT.2020 with PQ (default) or HLG, plus AAC.

    720p rather than a phone's 1080p/4K only to stay fast (x265 at 4K takes ~10 s a second);
    everything the pipeline looks at (codec, bit depth, primaries, transfer) is the same.
    """
    name = "hdr_pq" if transfer == "smpte2084" else "hdr_hlg"
    codec = [
        "-c:v", "libx265", "-preset", "ultrafast", "-crf", "30", "-pix_fmt", "yuv420p10le",
        "-x265-params", f"log-level=error:{HDR_PARAMS[transfer]}",
        "-color_primaries", "bt2020", "-color_trc", transfer, "-colorspace", "bt2020nc",
        "-tag:v", "hvc1",
    ]
    video = picture(size, 30, duration) + ",format=yuv420p10le"
    return _encode(dir / f"{name}{suffix}", video, audio=tone(duration), video_codec=codec)


def make_odd_dimensions(dir: Path, duration: float = 3, size: Size = (853, 479)) -> Path:
    """853x479: H.264 and HEVC cannot code odd sizes in 4:2:0, MPEG-4 Part 2 can."""
    codec = ["-c:v", "mpeg4", "-q:v", "6", "-pix_fmt", "yuv420p"]
    return _encode(dir / "odd.mp4", picture(size, 30, duration), audio=tone(duration),
                   video_codec=codec)


def make_vfr(dir: Path, duration: float = 3, size: Size = (1280, 720)) -> Path:
    """Variable frame rate: 30 fps for the first half, 15 fps for the second, as a phone does
    when the light drops. avg_frame_rate (~22.7) then differs from r_frame_rate (30)."""
    half_frames = int(duration * 15)
    retime = f"setpts='if(lt(N,{half_frames}),N/30,{duration / 2}+(N-{half_frames})/15)/TB'"
    video = picture(size, 30, duration * 2) + "," + retime
    return _encode(dir / "vfr.mp4", video, audio=tone(duration),
                   extra=("-fps_mode", "passthrough", "-t", str(duration)))


def make_interlaced(dir: Path, duration: float = 2, size: Size = (1920, 1080), rate: int = 25,
                    top_field_first: bool = True, suffix: str = ".mp4") -> Path:
    """1080i50 H.264 with interlaced coding; ffprobe reports field_order tt (or bb)."""
    extra = ("-flags", "+ilme+ildct", "-top", "1" if top_field_first else "0")
    if suffix == ".ts":
        extra += ("-f", "mpegts")
    return _encode(dir / f"interlaced{suffix}", picture(size, rate, duration),
                   audio=tone(duration), extra=extra)


def make_long_gop(dir: Path, duration: float = 12, gop_seconds: float = 6,
                  size: Size = (640, 360), rate: int = 30) -> Path:
    """One keyframe every `gop_seconds` (no scene-cut keyframes): seeking and keyframe-only
    decoding see only a handful of pictures."""
    gop = int(gop_seconds * rate)
    extra = ("-g", str(gop), "-keyint_min", str(gop), "-sc_threshold", "0")
    return _encode(dir / "long_gop.mp4", picture(size, rate, duration), audio=tone(duration),
                   extra=extra)


def make_quiet_then_loud(dir: Path, duration: float = 6, quiet_seconds: float = 3,
                         quiet_dbfs: float = -40, loud_dbfs: float = -6,
                         size: Size = (640, 360)) -> Path:
    """A 440 Hz sine at `quiet_dbfs` (peak) for `quiet_seconds`, then at `loud_dbfs`.

    With quiet_seconds >= duration the whole clip is quiet.
    """
    quiet, loud = 10 ** (quiet_dbfs / 20), 10 ** (loud_dbfs / 20)
    audio = (f"aevalsrc='if(lt(t,{quiet_seconds}),{quiet:.6f},{loud:.6f})*sin(2*PI*440*t)'"
             f":sample_rate=48000:duration={duration}")
    return _encode(dir / "quiet_then_loud.mp4", picture(size, 30, duration), audio=audio)


def make_black_then_fade(dir: Path, duration: float = 6, black_seconds: float = 2,
                         fade_seconds: float = 1, size: Size = (1280, 720)) -> Path:
    """Black for `black_seconds`, then a fade in from black: the first frame is a bad poster."""
    video = (picture(size, 30, duration)
             + f",fade=type=in:start_time={black_seconds}:duration={fade_seconds}")
    return _encode(dir / "black_then_fade.mp4", video, audio=tone(duration))


# --- other accepted containers ---------------------------------------------------------------

def make_webm(dir: Path, duration: float = 2, size: Size = (640, 360)) -> Path:
    """VP9 + Opus in WebM (screen recorders, browsers' MediaRecorder)."""
    codec = ["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "500k",
             "-pix_fmt", "yuv420p"]
    out = dir / "clip.webm"
    run_ffmpeg("-f", "lavfi", "-i", picture(size, 30, duration), "-f", "lavfi", "-i",
               tone(duration), *codec, "-c:a", "libopus", "-b:a", "64k", "-shortest", out)
    return out


def make_mpegts(dir: Path, duration: float = 2, size: Size = (640, 360)) -> Path:
    """H.264 + AAC in MPEG-TS (camcorders' .mts, broadcast recordings)."""
    return _encode(dir / "clip.ts", picture(size, 30, duration), audio=tone(duration),
                   extra=("-f", "mpegts"))


def make_avi(dir: Path, duration: float = 2, size: Size = (640, 480)) -> Path:
    """Motion JPEG + PCM in AVI, as old compact cameras write."""
    out = dir / "clip.avi"
    run_ffmpeg("-f", "lavfi", "-i", picture(size, 30, duration), "-f", "lavfi", "-i",
               tone(duration), "-c:v", "mjpeg", "-q:v", "8", "-pix_fmt", "yuvj420p",
               "-c:a", "pcm_s16le", "-shortest", out)
    return out


def make_mxf(dir: Path, duration: float = 2) -> Path:
    """MPEG-2 + PCM in MXF (broadcast cameras), PAL 720x576 25 fps as the muxer expects."""
    out = dir / "clip.mxf"
    run_ffmpeg("-f", "lavfi", "-i", picture((720, 576), 25, duration), "-f", "lavfi", "-i",
               tone(duration), "-c:v", "mpeg2video", "-q:v", "6", "-c:a", "pcm_s16le",
               "-shortest", out)
    return out


# --- refused: broken or not a video ----------------------------------------------------------

def make_audio_only(dir: Path, duration: float = 3, cover: bool = False) -> Path:
    """AAC in an MP4 named .mp4 (what a voice memo export looks like); with `cover`, a PNG
    attached picture too, which is not a video either."""
    out = dir / ("audio_cover.mp4" if cover else "audio_only.mp4")
    args: list[str] = ["-f", "lavfi", "-i", tone(duration)]
    if cover:
        args += ["-f", "lavfi", "-i", picture((300, 300), 1, 1, noise=0), "-map", "0",
                 "-map", "1", "-c:v", "png", "-frames:v", "1", "-disposition:v", "attached_pic"]
    run_ffmpeg(*args, *AAC, out)
    return out


def make_truncated(dir: Path, duration: float = 3, size: Size = (640, 360),
                   keep: float = 0.5) -> Path:
    """An MP4 cut to `keep` of its bytes, as an interrupted upload leaves it. Written without
    `+faststart`, so the index (moov) is at the end and is what got lost."""
    whole = make_landscape(dir, duration=duration, size=size, name="whole.mp4")
    data = whole.read_bytes()
    whole.unlink()
    out = dir / "truncated.mp4"
    out.write_bytes(data[: int(len(data) * keep)])
    return out


def make_empty(dir: Path) -> Path:
    out = dir / "empty.mp4"
    out.write_bytes(b"")
    return out


def make_text(dir: Path) -> Path:
    """A text file named .mp4."""
    out = dir / "notes.mp4"
    out.write_text("Interview notes\n\nQuestions for the testimonial shoot:\n"
                   "1. What do you do here?\n2. Why did you join?\n" * 20)
    return out


def make_png_as_mp4(dir: Path, size: Size = (320, 240)) -> Path:
    """One PNG picture named .mp4 (ffmpeg would read it with an image demuxer)."""
    out = dir / "picture.mp4"
    run_ffmpeg("-f", "lavfi", "-i", picture(size, 1, 1, noise=0), "-frames:v", "1",
               "-c:v", "png", "-f", "image2pipe", out)
    return out


def make_pattern_name(dir: Path, content: str = "video") -> Path:
    """A file literally named `img%03d.mp4`, next to `img001.mp4`...`img003.mp4` (PNG pictures
    of another size). Whatever reads it must open that one file, never expand the pattern.

    content="video": the file is a real 320x240 MP4; content="png": it is a PNG itself.
    """
    for number in (1, 2, 3):
        decoy = make_png_as_mp4(dir, size=(96, 64))
        decoy.rename(dir / f"img{number:03d}.mp4")
    out = dir / "img%03d.mp4"
    if content == "png":
        make_png_as_mp4(dir).rename(out)
    else:
        make_landscape(dir, duration=1, size=(320, 240), name=out.name)
    return out


# --- hostile: playlists and concat lists in disguise -----------------------------------------

def make_secret(dir: Path, name: str = "secret.ts") -> tuple[Path, str]:
    """A local file holding a random token; the hostile inputs point at it.

    Named `.ts` because ffmpeg's HLS demuxer only follows segment names with a media
    extension: the test must not be passing thanks to that guard.
    """
    token = f"SECRET-{secrets.token_hex(16)}"
    path = dir / name
    path.write_text(token + "\n")
    return path, token


def _relative(dir: Path, target: Path) -> str:
    return os.path.relpath(target, dir)


def make_hls_playlist(dir: Path, target: Path) -> Path:
    """An HLS media playlist named .mp4 whose one segment is `target` (best in the same folder,
    referenced by a relative name)."""
    out = dir / "playlist.mp4"
    out.write_text(
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:10\n#EXT-X-MEDIA-SEQUENCE:0\n"
        f"#EXTINF:10.0,\n{_relative(dir, target)}\n#EXT-X-ENDLIST\n"
    )
    return out


def make_ffconcat(dir: Path, target: Path, video: Path | None = None) -> Path:
    """An ffconcat list named .mp4 listing `target`, then a real local video (made here when not
    given), both by relative names that the concat demuxer's default `safe` mode accepts.
    The target comes first because the demuxer opens the first entry while probing."""
    if video is None:
        video = make_landscape(dir, duration=1, size=(320, 240), name="clip.mp4")
    out = dir / "list.mp4"
    out.write_text(
        "ffconcat version 1.0\n"
        f"file '{_relative(dir, target)}'\n"
        f"file '{_relative(dir, video)}'\n"
    )
    return out
