"""The whole pipeline on generated inputs: what a player and a viewer would notice."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import m3u8
import pytest

from tests.media import make_landscape
from transcoding.errors import Cancelled, MediaError
from transcoding.pipeline import transcode
from transcoding.probe import probe


def ffprobe_json(path: Path, *args: str) -> dict:
    out = subprocess.run(["ffprobe", "-v", "error", "-of", "json", *args, str(path)],
                         capture_output=True, check=True).stdout
    return json.loads(out)


def joined(rung_dir: Path, target: Path) -> Path:
    """init + fragments of one rung as one file, to read its frames with ffprobe."""
    with target.open("wb") as out:
        for part in [*sorted(rung_dir.glob("init*.mp4")), *sorted(rung_dir.glob("*.m4s"))]:
            out.write(part.read_bytes())
    return target


def keyframe_times(rung_file: Path) -> list[float]:
    data = ffprobe_json(rung_file, "-select_streams", "v:0", "-show_entries",
                        "packet=pts_time,flags")
    return [round(float(p["pts_time"]), 2) for p in data["packets"] if "K" in p["flags"]]


def check_ladder(outdir: Path, result, source_short: int) -> None:
    master = m3u8.load(str(outdir / "master.m3u8"))
    assert len(master.playlists) == len(result.renditions) >= 1
    for entry in master.playlists:
        width, height = entry.stream_info.resolution
        assert min(width, height) <= source_short
        assert width % 2 == 0 and height % 2 == 0
        assert entry.stream_info.bandwidth > 0
        assert entry.stream_info.codecs.startswith("avc1.64")  # H.264 High
        media = m3u8.load(str(outdir / entry.uri))
        durations = [s.duration for s in media.segments]
        assert all(d <= 6.1 for d in durations)
        assert all(d >= 3.9 for d in durations[:-1])
    keyframes = {
        r.name: keyframe_times(joined(outdir / r.name, outdir / f"{r.name}.check.mp4"))
        for r in result.renditions
    }
    first = next(iter(keyframes.values()))
    assert all(times == first for times in keyframes.values()), keyframes
    assert (outdir / result.poster).stat().st_size > 0
    assert (outdir / result.storyboard_vtt).read_text().startswith("WEBVTT")


@pytest.mark.parametrize("name", ["landscape", "portrait", "uhd", "hdr", "odd", "vfr", "interlaced",
                                  "short", "no_audio", "webm", "mpegts", "long_gop"])
def test_inputs_become_a_correct_ladder(media, tmp_path, name):
    source = getattr(media, name)
    info = probe(source)
    result = transcode(source, tmp_path / "out", niceness=0)
    check_ladder(tmp_path / "out", result, min(info.video.width, info.video.height))
    top = result.renditions[0]
    if info.video.portrait:
        assert top.height > top.width
    assert (result.audio_playlist is not None) == (info.audio is not None)


def test_portrait_phone_video_is_upright(media, tmp_path):
    result = transcode(media.portrait, tmp_path / "out", niceness=0)
    assert [(r.width, r.height) for r in result.renditions][:2] == [(1080, 1920), (720, 1280)]


def test_hdr_phone_video_becomes_8_bit_sdr(media, tmp_path):
    result = transcode(media.hdr, tmp_path / "out", niceness=0)
    rung = joined(tmp_path / "out" / result.renditions[0].name, tmp_path / "top.mp4")
    stream = ffprobe_json(rung, "-show_streams", "-select_streams", "v:0")["streams"][0]
    assert stream["pix_fmt"] == "yuv420p"
    assert stream.get("color_transfer") in (None, "bt709", "unknown")


def test_loudness_is_normalised(media, tmp_path):
    result = transcode(media.quiet_then_loud, tmp_path / "out", niceness=0)
    audio = joined(tmp_path / "out" / result.audio_playlist.split("/")[0], tmp_path / "a.mp4")
    report = subprocess.run(["ffmpeg", "-nostdin", "-i", str(audio), "-af", "ebur128",
                             "-f", "null", "-"], capture_output=True, text=True).stderr
    integrated = float(report.rsplit("I:", 1)[1].split("LUFS")[0])
    assert -19 <= integrated <= -13


def test_x_clip_is_an_mp4_x_accepts(media, tmp_path):
    result = transcode(media.landscape, tmp_path / "out", niceness=0)
    info = probe(tmp_path / "out" / result.x_clip)
    assert info.container.startswith("mov,mp4")
    assert info.video.codec == "h264" and info.audio and info.audio.codec == "aac"
    assert info.video.width <= 1280 and info.video.height <= 1024
    assert info.duration <= 140 and info.video.frame_rate <= 60


@pytest.mark.parametrize(("name", "message"), [
    ("audio_only", "no picture"), ("empty", "empty"), ("text", "not a video format"),
    ("truncated", "incomplete"), ("png", "not a video format"),
])
def test_bad_inputs_fail_with_a_readable_message(media, tmp_path, name, message):
    with pytest.raises(MediaError, match=message):
        transcode(getattr(media, name), tmp_path / "out")


@pytest.mark.parametrize("name", ["hls_playlist", "ffconcat"])
def test_hostile_playlists_never_reach_the_secret(media, tmp_path, name, capfd):
    secret_path, token = media.secret
    with pytest.raises(MediaError) as failure:
        transcode(getattr(media, name), tmp_path / "out")
    captured = capfd.readouterr()
    assert token not in str(failure.value) + captured.out + captured.err
    for path in (tmp_path / "out").rglob("*"):
        if path.is_file():
            assert token.encode() not in path.read_bytes()


def test_a_run_can_be_cancelled_and_time_limited(media, tmp_path):
    with pytest.raises(Cancelled, match="cancelled"):
        transcode(media.landscape, tmp_path / "a", on_progress=lambda f: False)
    with pytest.raises(Cancelled, match="time limit"):
        transcode(media.uhd, tmp_path / "b", time_limit=0.05)


def test_progress_goes_from_zero_to_one(media, tmp_path):
    seen = []
    transcode(media.landscape, tmp_path / "out", on_progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 1.0 and seen[0] < 0.9


def test_progress_of_a_short_video_comes_steadily_from_the_start(tmp_path):
    # Under 200 s, the storyboard once held back every report until the very end (0 %, then 89 %).
    source = make_landscape(tmp_path, duration=12, size=(640, 360))
    seen: list[float] = []
    result = transcode(source, tmp_path / "out", on_progress=seen.append)
    ladder = seen[:seen.index(0.92)]  # the ladder run's own share, before poster and X clip
    assert len({f for f in ladder if 0 < f < 0.92}) >= 3, seen
    assert seen == sorted(seen) and seen[-1] == 1.0
    assert all(0 <= f <= 1 for f in seen)
    # The sheets are still made (tiled afterwards), and the single thumbnails are not kept.
    assert not list((tmp_path / "out" / "storyboard").glob("thumb-*"))
    sheet = ffprobe_json(tmp_path / "out" / result.storyboard_sheets[0], "-show_streams")
    board = result.plan.storyboard
    assert (sheet["streams"][0]["width"], sheet["streams"][0]["height"]) == (
        board.columns * board.tile_width, board.rows * board.tile_height)


def _cli(*args):
    """`python -m transcoding …`, as an operator runs it; the JSON summary is the last line."""
    done = subprocess.run([sys.executable, "-m", "transcoding", *map(str, args)],
                          capture_output=True, text=True, timeout=300)
    return done.returncode, json.loads(done.stdout.strip().splitlines()[-1])


def test_ladder_prints_a_summary_last(media, tmp_path):
    code, data = _cli("ladder", media.short, tmp_path / "out")
    assert code == 0
    assert [r["name"] for r in data["renditions"]] == ["720p", "480p", "360p", "240p"]
    assert (tmp_path / "out" / data["master"]).is_file()
    assert (tmp_path / "out" / data["poster"]).is_file()
    assert data["timings"]["ladder_cpu"] > 0
