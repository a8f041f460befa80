"""probe() on generated inputs: what it reports for real footage, and how it refuses the rest.

The inputs come from the session's media corpus (tests/media.py), each made once.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests import media as m
from transcoding import probe as probe_module
from transcoding.errors import MediaError
from transcoding.probe import file_url, probe, safe_input_args

NOT_ACCEPTED = "not a video format we accept"
TIMED_OUT = "took too long"


def _refusal(path) -> str:
    with pytest.raises(MediaError) as caught:
        probe(path)
    return str(caught.value)


def _ffprobe_ok(args: list[str], path) -> bool:
    done = subprocess.run(["ffprobe", "-v", "error", *args, "-show_format", file_url(path)],
                          capture_output=True, timeout=30, check=False)
    return done.returncode == 0


# --- footage that is accepted ----------------------------------------------------------------

def test_landscape_1080p30_with_audio(media):
    result = probe(media.landscape)
    video = result.video
    assert result.demuxer == "mov"
    assert result.container == "mov,mp4,m4a,3gp,3g2,mj2"
    assert result.duration == pytest.approx(3, abs=0.1)
    assert result.size == media.landscape.stat().st_size
    assert (video.codec, video.width, video.height) == ("h264", 1920, 1080)
    assert video.frame_rate == 30
    assert (video.rotation, video.portrait, video.interlaced) == (0, False, False)
    assert not video.variable_frame_rate
    assert (video.bit_depth, video.hdr) == (8, None)
    assert result.audio is not None
    assert (result.audio.codec, result.audio.channels, result.audio.sample_rate) == (
        "aac", 2, 48000)


def test_portrait_phone_video_is_reported_as_displayed(media):
    video = probe(media.portrait).video
    assert (video.coded_width, video.coded_height) == (1920, 1080)
    assert (video.width, video.height) == (1080, 1920)
    assert video.rotation == 270  # ffprobe's -90 (counter-clockwise), as upright phones record
    assert video.portrait


def test_4k(media):
    video = probe(media.uhd).video
    assert (video.width, video.height) == (3840, 2160)
    assert not video.portrait


@pytest.mark.parametrize(("name", "hdr", "transfer"), [
    ("hdr", "PQ", "smpte2084"),
    ("hdr_hlg", "HLG", "arib-std-b67"),
])
def test_10_bit_hevc_hdr(media, name, hdr, transfer):
    video = probe(getattr(media, name)).video
    assert video.codec == "hevc"
    assert video.profile == "Main 10"
    assert video.bit_depth == 10
    assert video.pixel_format == "yuv420p10le"
    assert (video.hdr, video.color_transfer, video.color_primaries) == (hdr, transfer, "bt2020")


def test_no_audio_stream(media):
    result = probe(media.no_audio)
    assert result.audio is None
    assert (result.video.width, result.video.height) == (1280, 720)


def test_odd_dimensions_are_reported_as_they_are(media):
    video = probe(media.odd).video
    assert (video.width, video.height) == (853, 479)


def test_variable_frame_rate(media):
    video = probe(media.vfr).video
    assert video.variable_frame_rate
    assert 20 < video.frame_rate < 25  # the average: 30 fps, then 15 fps


def test_interlaced(media):
    video = probe(media.interlaced).video
    assert video.interlaced
    assert video.frame_rate == 25  # frames, not fields
    assert not video.variable_frame_rate


def test_two_second_clip(media):
    assert probe(media.short).duration == pytest.approx(2, abs=0.1)


@pytest.mark.parametrize(("name", "demuxer", "container", "codec"), [
    ("webm", "matroska", "matroska,webm", "vp9"),
    ("mpegts", "mpegts", "mpegts", "h264"),
    ("avi", "avi", "avi", "mjpeg"),
    ("mxf", "mxf", "mxf", "mpeg2video"),
])
def test_other_accepted_containers(media, name, demuxer, container, codec):
    path = getattr(media, name)
    result = probe(path)
    assert (result.demuxer, result.container, result.video.codec) == (demuxer, container, codec)
    assert result.audio is not None
    assert _ffprobe_ok(result.input_args(), path)  # the forced demuxer really reads it


def test_input_args_force_the_demuxer_and_the_file_protocol(media):
    result = probe(media.landscape)
    args = result.input_args()
    assert args[args.index("-f") + 1] == "mov"
    assert args[args.index("-protocol_whitelist") + 1] == "file"
    assert "-format_whitelist" in args
    assert _ffprobe_ok(args, media.landscape)
    # Forced to the MP4 demuxer, a playlist is just a bad MP4: nothing else gets opened.
    assert not _ffprobe_ok(args, media.hls_playlist)


def test_safe_input_args_without_a_demuxer_still_restrict():
    args = safe_input_args()
    assert "-f" not in args
    assert args[args.index("-protocol_whitelist") + 1] == "file"


def test_file_url_is_absolute_and_literal(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert file_url("concat:a.mp4|b.mp4") == f"file:{tmp_path.resolve()}/concat:a.mp4|b.mp4"


def test_a_percent_pattern_in_the_name_is_not_expanded(media):
    # img%03d.mp4 is a 320x240 video; img001.mp4... next to it are 96x64 pictures.
    result = probe(media.pattern_name)
    assert (result.demuxer, result.video.width, result.video.height) == ("mov", 320, 240)


def test_to_dict_is_json_with_derived_fields(media):
    data = json.loads(json.dumps(probe(media.portrait).to_dict()))
    assert data["video"]["portrait"] is True
    assert data["video"]["hdr"] is None
    assert data["demuxer"] == "mov"


# --- inputs that are refused, with a message a person understands ----------------------------

@pytest.mark.parametrize("name", ["audio_only", "audio_with_cover"])
def test_audio_only_is_refused_as_having_no_picture(media, name):
    assert "no picture" in _refusal(getattr(media, name))


def test_truncated_upload(media):
    message = _refusal(media.truncated)
    assert "incomplete or damaged" in message
    assert NOT_ACCEPTED not in message


def test_zero_bytes(media):
    assert "empty" in _refusal(media.empty)


def test_missing_file(tmp_path):
    assert "missing" in _refusal(tmp_path / "nothing.mp4")


@pytest.mark.parametrize("name", ["text", "png", "pattern_name_png"])
def test_not_a_video_named_mp4(media, name):
    assert NOT_ACCEPTED in _refusal(getattr(media, name))


# --- hostile inputs: playlists and concat lists that point at a local secret -----------------

@pytest.mark.parametrize("name", ["hls_playlist", "ffconcat"])
def test_hostile_list_is_refused_without_revealing_the_secret(media, name, capfd):
    path = getattr(media, name)
    _secret_path, token = media.secret
    with pytest.raises(MediaError) as caught:
        probe(path)
    assert NOT_ACCEPTED in str(caught.value)
    assert all(token not in str(arg) for arg in caught.value.args)
    out, err = capfd.readouterr()
    assert token not in out + err


def _hostile_with_fifo(tmp_path, kind, clip):
    """The hostile list pointing at a FIFO instead of a file: whoever opens it for reading
    blocks until a writer comes, so following the list shows up as a hang."""
    fifo = tmp_path / "secret.ts"
    os.mkfifo(fifo)
    if kind == "hls_playlist":
        return fifo, m.make_hls_playlist(tmp_path, fifo)
    video = Path(shutil.copy(clip, tmp_path / "clip.mp4"))
    return fifo, m.make_ffconcat(tmp_path, fifo, video=video)


@pytest.mark.parametrize("kind", ["hls_playlist", "ffconcat"])
def test_hostile_list_never_opens_its_target(media, tmp_path, monkeypatch, kind):
    _fifo, path = _hostile_with_fifo(tmp_path, kind, media.short)
    monkeypatch.setattr(probe_module, "PROBE_TIMEOUT_SECONDS", 10)
    message = _refusal(path)
    assert NOT_ACCEPTED in message
    assert TIMED_OUT not in message


@pytest.mark.parametrize("kind", ["hls_playlist", "ffconcat"])
def test_the_fifo_trap_catches_an_unrestricted_ffprobe(media, tmp_path, kind):
    """Calibration of the test above: without the allow-lists, ffprobe does open the target."""
    fifo, path = _hostile_with_fifo(tmp_path, kind, media.short)
    reader = subprocess.Popen(["ffprobe", "-v", "error", file_url(path)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:  # a non-blocking open for writing succeeds only once someone reads the FIFO
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
                break
            except OSError:
                assert reader.poll() is None, "ffprobe finished without opening the target"
                assert time.monotonic() < deadline, "ffprobe never opened the target"
                time.sleep(0.02)
    finally:
        reader.kill()
        reader.wait()
