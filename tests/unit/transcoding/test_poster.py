"""Posters: the pure choices (when to look, what scores well, what size) and, on generated
footage, what a viewer would see: not the black opening, the right way up, 8-bit even for HDR.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests import media as m
from transcoding import poster as poster_module
from transcoding.poster import (
    CANDIDATES_DIR,
    candidate_batches,
    candidate_times,
    candidates_command,
    choose_poster,
    frame_stats,
    poster_command,
    scaled_size,
    score,
)
from transcoding.probe import file_url, probe

from .fake_probe import fake_probe

SMALL = (640, 360)


# --- pure helpers ----------------------------------------------------------------------------

@pytest.mark.parametrize("duration", [0.5, 1, 6, 60, 3600])
@pytest.mark.parametrize("n", [1, 6, 10])
def test_candidate_times_are_spread_inside_and_away_from_the_edges(duration, n):
    times = candidate_times(duration, n)
    assert len(times) == n
    assert times == sorted(set(times))
    assert all(0 < t < duration for t in times)
    assert all(0.1 * duration <= t <= 0.9 * duration for t in times)


def test_a_very_short_clip_gets_fewer_candidates_one_frame_apart():
    times = candidate_times(0.2, 6, min_gap=1 / 25)
    assert 1 <= len(times) < 6
    assert all(b - a >= 1 / 25 - 0.001 for a, b in zip(times, times[1:], strict=False))
    assert candidate_times(0.01, 6, min_gap=1 / 25) == [0.005]  # still one look
    assert candidate_times(0, 6) == [] and candidate_times(10, 0) == []


def test_score_rejects_black_white_and_flat_frames_and_prefers_detail():
    assert score(16, 0) == 0  # black
    assert score(10, 4, 2) == 0  # black with sensor noise
    assert score(250, 3, 1) == 0  # white flash
    assert score(128, 0, 0) == 0  # a flat title card colour
    scene, dim_fade = score(110, 60, 12), score(40, 20, 4)
    assert scene > dim_fade > 0
    assert score(110, 60, 20) > score(110, 60, 5)  # sharper wins
    assert score(110, 60) == score(180, 60)  # no preference within a normal exposure


def test_frame_stats_of_a_greyscale_picture():
    assert frame_stats(bytes([100] * 16), 4) == (100, 0, 0)
    stripes = bytes([0, 255] * 8)  # 4x4, alternating columns
    mean, stddev, detail = frame_stats(stripes, 4)
    assert (mean, stddev, detail) == (127.5, 127.5, 255)
    # Row ends are not neighbours: two flat rows of different grey have no detail.
    assert frame_stats(bytes([0] * 4 + [200] * 4), 4)[2] == 0


@pytest.mark.parametrize(("source", "kwargs", "expected"), [
    ((1920, 1080), {"long_side": 1280}, (1280, 720)),
    ((1080, 1920), {"long_side": 1280}, (720, 1280)),
    ((3840, 2160), {"long_side": 1280}, (1280, 720)),
    ((640, 360), {"long_side": 1280}, (640, 360)),  # never upscaled
    ((853, 479), {"long_side": 1280}, (852, 480)),  # even
    ((1920, 1080), {"target_width": 320}, (320, 180)),
    ((1080, 1920), {"target_width": 320}, (320, 568)),
    ((200, 100), {"target_width": 320}, (200, 100)),
])
def test_scaled_size(source, kwargs, expected):
    assert scaled_size(*source, **kwargs) == expected


def test_inputs_per_ffmpeg_call_follow_the_pixel_budget():
    times = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    assert [len(b) for b in candidate_batches(times, fake_probe())] == [3, 3]
    assert [len(b) for b in candidate_batches(times, fake_probe(3840, 2160))] == [1] * 6
    assert [len(b) for b in candidate_batches(times, fake_probe(640, 360))] == [6]


def _inputs(argv):
    """(options before each -i, the input) for every input of a command."""
    found, start = [], 1
    for i, arg in enumerate(argv):
        if arg == "-i":
            found.append((argv[start:i], argv[i + 1]))
            start = i + 2
    return found


@pytest.mark.parametrize("build", ["candidates", "poster"])
def test_every_input_is_seeked_with_the_safe_options_first(build):
    info = fake_probe()
    if build == "candidates":
        times = [1.5, 2.5]
        argv = candidates_command(info, times, [Path("a.jpg"), Path("b.jpg")],
                                  [Path("a.gray"), Path("b.gray")], (320, 180))
    else:
        times = [1.5]
        argv = poster_command(info, 1.5, Path("p.jpg"), Path("p.webp"), (1280, 720))
    assert argv[1:1 + len(info.input_args())] == info.input_args()
    inputs = _inputs(argv)
    assert [url for _, url in inputs] == [file_url(info.path)] * len(times)
    for (options, _), time in zip(inputs, times, strict=True):
        assert options == [*info.input_args(), "-ss", f"{time:.3f}"]  # input seeking
    tail = argv[argv.index("-i") + 2:]
    assert {"-nostdin", "error"} <= set(tail) and tail[tail.index("-v") + 1] == "error"


def test_hdr_is_tone_mapped_and_interlaced_deinterlaced_in_the_command():
    graph = poster_command(fake_probe(hdr=True), 1, Path("p.jpg"), Path("p.webp"), (1280, 720))
    graph = graph[graph.index("-filter_complex") + 1]
    assert "tin=smpte2084" in graph and "tonemap=hable" in graph and "bwdif" not in graph
    graph = poster_command(fake_probe(interlaced=True), 1, Path("p.jpg"), Path("p.webp"),
                           (1280, 720))
    assert "bwdif" in graph[graph.index("-filter_complex") + 1]


# --- on generated footage --------------------------------------------------------------------

def _image(path: Path) -> dict:
    done = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries",
         "stream=codec_name,width,height,pix_fmt,bits_per_raw_sample", "-of", "json", str(path)],
        capture_output=True, timeout=30, check=True)
    return json.loads(done.stdout)["streams"][0]


def _mean_luma(path: Path) -> float:
    done = subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-vf", "scale=64:64,format=gray",
         "-f", "rawvideo", "-"], capture_output=True, timeout=30, check=True)
    return sum(done.stdout) / len(done.stdout)


def _poster(media, tmp_path, maker, **kwargs):
    source = media.build(maker, **kwargs)
    return choose_poster(probe(source), tmp_path / "out")


def test_the_black_opening_and_the_fade_are_not_chosen(media, tmp_path):
    result = _poster(media, tmp_path, m.make_black_then_fade, size=SMALL)
    times = [c.time for c in result.candidates]
    assert times == candidate_times(6, 6)
    black = [c for c in result.candidates if c.time < 2]
    assert black and all(c.score == 0 for c in black)
    assert result.time > 3  # after the 1 s fade from 2 s
    assert result.candidates[result.chosen].score == max(c.score for c in result.candidates)
    assert _mean_luma(result.jpeg) > 60
    assert _mean_luma(result.candidates[0].path) < 5


def test_jpeg_webp_and_candidates_are_valid_images(media, tmp_path):
    result = _poster(media, tmp_path, m.make_black_then_fade, size=SMALL)
    out = tmp_path / "out"
    assert (result.jpeg, result.webp) == (out / "poster.jpg", out / "poster.webp")
    jpeg, webp = _image(result.jpeg), _image(result.webp)
    assert (jpeg["codec_name"], jpeg["width"], jpeg["height"]) == ("mjpeg", 640, 360)
    assert (webp["codec_name"], webp["width"], webp["height"]) == ("webp", 640, 360)
    assert (result.width, result.height) == (640, 360)
    names = sorted(p.name for p in (out / CANDIDATES_DIR).iterdir())
    assert names == [f"{i:02d}.jpg" for i in range(1, 7)]
    assert [c.path.name for c in result.candidates] == names
    # Each candidate is a whole poster: an editor's other choice needs no second pass.
    for candidate in result.candidates:
        other = _image(candidate.path)
        assert (other["codec_name"], other["width"], other["height"]) == ("mjpeg", 640, 360)
    assert json.dumps(result.to_dict())


def test_a_width_can_be_asked_for(media, tmp_path):
    source = media.build(m.make_black_then_fade, size=SMALL)
    result = choose_poster(probe(source), tmp_path / "out", candidates=3, width=480)
    assert (result.width, result.height) == (480, 270)
    assert _image(result.webp)["width"] == 480
    assert len(result.candidates) == 3


def test_a_one_second_clip(media, tmp_path):
    result = _poster(media, tmp_path, m.make_short_clip, duration=1, size=SMALL)
    assert len(result.candidates) == 6
    assert all(0 < c.time < 1 for c in result.candidates)
    assert _image(result.jpeg)["codec_name"] == "mjpeg"


def test_a_portrait_phone_video_gives_an_upright_poster(media, tmp_path):
    result = _poster(media, tmp_path, m.make_portrait, duration=2, coded_size=SMALL)
    jpeg, webp = _image(result.jpeg), _image(result.webp)
    assert (jpeg["width"], jpeg["height"]) == (360, 640)
    assert (webp["width"], webp["height"]) == (360, 640)
    small = _image(result.candidates[0].path)
    assert small["height"] > small["width"]


@pytest.mark.parametrize("transfer", ["smpte2084", "arib-std-b67"])
def test_10_bit_hdr_gives_an_8_bit_poster_that_is_not_washed_out(media, tmp_path, transfer):
    result = _poster(media, tmp_path, m.make_hdr, duration=1, size=SMALL, transfer=transfer)
    jpeg = _image(result.jpeg)
    assert jpeg["pix_fmt"] == "yuvj420p"
    assert jpeg["bits_per_raw_sample"] == "8"
    assert (jpeg["width"], jpeg["height"]) == SMALL
    assert 30 < _mean_luma(result.jpeg) < 220


@pytest.mark.parametrize("picture_seconds", [1, 0.2])
def test_audio_outlasting_the_picture_keeps_only_real_frames(media, tmp_path, picture_seconds):
    """With 0.2 s of picture every look misses (they start at 0.27 s): the first frame it is."""
    def make(folder: Path, seconds: float) -> Path:
        out = folder / "short_picture.mp4"
        m.run_ffmpeg("-f", "lavfi", "-i", m.picture((320, 180), 25, seconds), "-f", "lavfi",
                     "-i", m.tone(4), *m.X264, *m.AAC, out)
        return out

    info = probe(media.build(make, seconds=picture_seconds))
    assert info.duration > 3
    result = choose_poster(info, tmp_path / "out")
    assert result.candidates and all(c.time < picture_seconds for c in result.candidates)
    if picture_seconds < 0.25:
        assert [c.time for c in result.candidates] == [0.0]
    assert sorted(p.name for p in (tmp_path / "out" / CANDIDATES_DIR).iterdir()) == [
        c.path.name for c in result.candidates]
    assert _mean_luma(result.jpeg) > 30


def test_an_all_black_video_still_gets_a_poster_from_the_middle(media, tmp_path):
    def make(folder: Path) -> Path:
        out = folder / "black.mp4"
        m.run_ffmpeg("-f", "lavfi", "-i", "color=black:size=320x180:rate=25:duration=3",
                     *m.X264, out)
        return out

    result = choose_poster(probe(media.build(make)), tmp_path / "out")
    assert all(c.score == 0 for c in result.candidates)
    assert result.time in (1.3, 1.7)  # the two candidates nearest the middle of 3 s
    assert result.jpeg.stat().st_size > 0 and result.webp.stat().st_size > 0


def test_a_missed_look_between_two_good_ones_leaves_no_gap(media, tmp_path, monkeypatch):
    monkeypatch.setattr(poster_module, "candidate_times", lambda *a, **k: [0.4, 99.0, 0.8])
    monkeypatch.setattr(poster_module, "MAX_PIXELS_PER_CALL", 1)  # one ffmpeg call per look
    result = _poster(media, tmp_path, m.make_short_clip, duration=1, size=SMALL)
    assert [c.time for c in result.candidates] == [0.4, 0.8]
    assert [c.path.name for c in result.candidates] == ["01.jpg", "02.jpg"]
    assert sorted(p.name for p in (tmp_path / "out" / CANDIDATES_DIR).iterdir()) == [
        "01.jpg", "02.jpg"]
