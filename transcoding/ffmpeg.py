"""Build the one ffmpeg command that makes a whole ladder: a pure function of probe + plan.

One process, one decode: the picture is deinterlaced, tone-mapped and made constant-rate
once, then `split` feeds a `scale` per rung plus the storyboard; the audio is loudness-
normalised and encoded once, as an HLS audio group every rung shares. Keyframes are forced
at the same instants in every rung, so players can switch rungs at any segment boundary.

The storyboard branch writes single thumbnails, tiled into sheets afterwards by a cheap second
command that reads only those small JPEGs. Tiling inside the big run would hold back ffmpeg's
`-progress` reports: it prints none until every output file has written its header, and a
`tile` output writes it only with its first full sheet (100 thumbnails, 200 s of video).
"""

from __future__ import annotations

from pathlib import Path

import ffmpeg

from .ladder import LadderPlan
from .probe import FORMAT_WHITELIST, PROTOCOL_WHITELIST, ProbeResult, file_url

MASTER = "master.m3u8"
AUDIO_NAME = "audio"
STORYBOARD_DIR = "storyboard"
STORYBOARD_PATTERN = "sheet-%03d.jpg"
# Single thumbnails before tiling, beside the sheets: scratch, removed once the sheets exist.
THUMBNAIL_PATTERN = "thumb-%05d.jpg"
PREVIEW = "preview.mp4"
THUMBNAIL_QSCALE = 2  # near-lossless: the sheet is JPEG-compressed once more
_GLOBAL_ARGS = ("-nostdin", "-hide_banner", "-v", "error", "-y")


def _tonemap(stream):
    """HDR (PQ or HLG, BT.2020, 10-bit) to SDR BT.709 8-bit: linearise, map, re-encode."""
    return (
        stream.filter("zscale", t="linear", npl=100)
        .filter("format", "gbrpf32le")
        .filter("zscale", p="bt709")
        .filter("tonemap", tonemap="hable", desat=0)
        .filter("zscale", t="bt709", m="bt709", r="tv")
    )


def _prepared_video(source, plan: LadderPlan):
    video = source.video
    if plan.deinterlace:
        video = video.filter("bwdif", mode="send_frame", parity="auto", deint="all")
    if plan.tonemap:
        video = _tonemap(video)
    # Constant frame rate for every rung: VFR phone clips and 60 fps sources alike.
    return video.filter("fps", fps=str(plan.frame_rate))


def _audio(source, plan: LadderPlan):
    integrated, true_peak, lra = plan.loudness
    return (
        source.audio
        .filter("loudnorm", I=integrated, TP=true_peak, LRA=lra)
        .filter("aresample", plan.audio_sample_rate)
    )


def ladder_command(probe: ProbeResult, plan: LadderPlan, outdir: Path) -> list[str]:
    """The argv of the ffmpeg run that writes `outdir`: HLS ladder + storyboard thumbnails."""
    outdir = Path(outdir)
    source = ffmpeg.input(
        file_url(probe.path),
        f=probe.demuxer,
        protocol_whitelist=PROTOCOL_WHITELIST,
        format_whitelist=FORMAT_WHITELIST,
    )
    branches = _prepared_video(source, plan).filter_multi_output(
        "split", len(plan.rungs) + 1 + (plan.preview is not None))

    streams = []
    options: dict[str, object] = {}
    keyframes = f"expr:gte(t,n_forced*{plan.keyframe_seconds})"
    for index, rung in enumerate(plan.rungs):
        scaled = (
            branches[index]
            .filter("scale", rung.width, rung.height)  # bicubic: lanczos cost ~7 % more CPU
            .filter("setsar", "1")
            .filter("format", "yuv420p")
        )
        streams.append(scaled)
        options.update({
            f"c:v:{index}": "libx264",
            f"profile:v:{index}": "high",
            f"crf:v:{index}": plan.crf,
            f"maxrate:v:{index}": rung.max_bitrate,
            f"bufsize:v:{index}": rung.buffer_size,
            f"g:v:{index}": plan.gop,
            f"keyint_min:v:{index}": plan.gop,
            f"sc_threshold:v:{index}": 0,
            f"force_key_frames:v:{index}": keyframes,
        })

    stream_map = [f"v:{i},agroup:{AUDIO_NAME},name:{r.name}" for i, r in enumerate(plan.rungs)]
    if plan.audio:
        streams.append(_audio(source, plan))
        options.update({"c:a": "aac", "b:a": plan.audio_bitrate, "ac": 2})
        stream_map.append(f"a:0,agroup:{AUDIO_NAME},name:{AUDIO_NAME},default:yes")
    else:
        stream_map = [f"v:{i},name:{r.name}" for i, r in enumerate(plan.rungs)]

    hls = ffmpeg.output(
        *streams,
        str(outdir / "%v" / "index.m3u8"),
        f="hls",
        preset=plan.preset,
        hls_time=plan.segment_seconds,
        hls_playlist_type="vod",
        hls_segment_type="fmp4",
        hls_fmp4_init_filename="init.mp4",
        hls_segment_filename=str(outdir / "%v" / "segment-%05d.m4s"),
        hls_flags="independent_segments",
        # x264's B-frames give the first video frame a decode time two frames before zero;
        # the default `avoid_negative_ts` shifts every stream by that much, so the picture
        # started ~0.067 s after the sound and hls.js skipped a hole. Left negative, the
        # fMP4 muxer keeps both at zero (an edit list for the reordering delay).
        avoid_negative_ts="disabled",
        master_pl_name=MASTER,
        var_stream_map=" ".join(stream_map),
        **options,
    )

    board = plan.storyboard
    thumbnails = (
        branches[len(plan.rungs)]
        .filter("fps", fps=f"1/{board.interval}")
        .filter("scale", board.tile_width, board.tile_height)
        .output(str(outdir / STORYBOARD_DIR / THUMBNAIL_PATTERN), **{"q:v": THUMBNAIL_QSCALE},
                fps_mode="vfr")
    )
    outputs = [hls, thumbnails]
    if plan.preview is not None:
        outputs.append(_preview(branches[len(plan.rungs) + 1], plan, outdir))
    command = ffmpeg.merge_outputs(*outputs).global_args(*_GLOBAL_ARGS)
    return ["ffmpeg", *command.get_args()]


def _preview(branch, plan: LadderPlan, outdir: Path):
    """The cards' hover preview: one more output of the single decode (nearly free, where a
    decode of its own is not), muted, small, moov first so it starts playing at once."""
    preview = plan.preview
    # Cut by an output duration: once it is reached this output closes and the split stops
    # feeding it, the other outputs carry on.
    return (
        branch
        .filter("scale", preview.width, preview.height)
        .filter("setsar", "1")
        .filter("format", "yuv420p")
        .output(str(outdir / PREVIEW), t=preview.duration, an=None,
                vcodec="libx264", preset=plan.preset,
                crf=30, maxrate=preview.max_bitrate, bufsize=preview.max_bitrate * 2,
                **{"profile:v": "high", "movflags": "+faststart"})
    )


def storyboard_command(plan: LadderPlan, outdir: Path) -> list[str]:
    """The argv that tiles the thumbnails of `ladder_command` into the storyboard sheets."""
    outdir = Path(outdir)
    board = plan.storyboard
    sheets = (
        ffmpeg.input(str(outdir / STORYBOARD_DIR / THUMBNAIL_PATTERN), f="image2", framerate=1)
        .filter("tile", f"{board.columns}x{board.rows}")
        .output(str(outdir / STORYBOARD_DIR / STORYBOARD_PATTERN), **{"q:v": 5}, fps_mode="vfr")
        .global_args(*_GLOBAL_ARGS)
    )
    return ["ffmpeg", *sheets.get_args()]
