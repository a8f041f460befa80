"""What the transcode hands players and cards, checked on the files it wrote: the master's
bit rates against the segments on disk, audio and video starting together, the hover preview."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import m3u8
import pytest

from tests.media import make_landscape
from transcoding.pipeline import transcode

ATTRIBUTES = ("BANDWIDTH", "AVERAGE-BANDWIDTH", "CODECS", "RESOLUTION", "FRAME-RATE")


@pytest.fixture(scope="module")
def ladder(tmp_path_factory):
    """A 9 s noisy 640x360 source through the real pipeline (two rungs + shared audio)."""
    tmp = tmp_path_factory.mktemp("outputs")
    source = make_landscape(tmp, duration=9, size=(640, 360))
    result = transcode(source, tmp / "out", niceness=0)
    return tmp / "out", result


def ffprobe(path: Path, *args: str) -> dict:
    out = subprocess.run(["ffprobe", "-v", "error", "-of", "json", *args, str(path)],
                         capture_output=True, check=True).stdout
    return json.loads(out)


def segment_rates(playlist: Path) -> list[float]:
    """Bit rate of each segment long enough to be an RFC 8216 window on its own (>= half the
    target duration; the short last one only counts with its neighbour)."""
    media = m3u8.load(str(playlist))
    return [(playlist.parent / s.uri).stat().st_size * 8 / s.duration for s in media.segments
            if s.duration >= media.target_duration / 2]


def total_rate(playlist: Path) -> float:
    media = m3u8.load(str(playlist))
    size = sum((playlist.parent / s.uri).stat().st_size for s in media.segments)
    return size * 8 / sum(s.duration for s in media.segments)


def test_every_variant_carries_the_attributes_players_and_apple_ask_for(ladder):
    outdir, _ = ladder
    text = (outdir / "master.m3u8").read_text()
    assert "#EXT-X-INDEPENDENT-SEGMENTS" in text.splitlines()
    infs = [line for line in text.splitlines() if line.startswith("#EXT-X-STREAM-INF:")]
    assert len(infs) == 2
    for line in infs:
        names = {part.split("=", 1)[0] for part in line.split(":", 1)[1].split(",")
                 if "=" in part}
        assert set(ATTRIBUTES) <= names, line
    assert all(p.stream_info.frame_rate == 30 for p in m3u8.loads(text).playlists)


def test_bandwidth_covers_every_segment_and_average_is_what_was_written(ladder):
    outdir, result = ladder
    master = m3u8.load(str(outdir / "master.m3u8"))
    audio = outdir / result.audio_playlist
    for entry in master.playlists:
        info, playlist = entry.stream_info, outdir / entry.uri
        video_peak = max(segment_rates(playlist))
        assert info.bandwidth >= video_peak + max(segment_rates(audio))
        expected_average = total_rate(playlist) + total_rate(audio)
        assert abs(info.average_bandwidth - expected_average) <= 2
        assert info.average_bandwidth <= info.bandwidth
    # the rows the handler stores carry the measured figure, not the muxer's cap
    assert [r.bandwidth for r in result.renditions] == [p.stream_info.bandwidth
                                                        for p in master.playlists]


def test_audio_and_video_start_together(ladder):
    outdir, result = ladder
    frame = 1 / 30
    starts = []
    for rendition in (result.renditions[0].name, result.audio_playlist.split("/")[0]):
        rung = outdir / rendition
        first = outdir / f"{rendition}-first.mp4"
        first.write_bytes(next(rung.glob("init*.mp4")).read_bytes()
                          + (rung / "segment-00000.m4s").read_bytes())
        stream = ffprobe(first, "-show_entries", "stream=start_time")["streams"][0]
        starts.append(float(stream["start_time"]))
    video_start, audio_start = starts
    assert abs(video_start) < frame  # the picture is there from the first instant
    assert abs(video_start - audio_start) < frame, starts


def test_the_hover_preview_is_a_small_muted_mp4_of_a_few_seconds(ladder):
    outdir, result = ladder
    preview = outdir / result.preview
    assert result.preview == "preview.mp4"
    data = ffprobe(preview, "-show_streams", "-show_format")
    assert [s["codec_type"] for s in data["streams"]] == ["video"]  # no audio track
    video = data["streams"][0]
    assert (video["width"], video["height"]) == (320, 180)
    assert 3.5 <= float(data["format"]["duration"]) <= 4.5
    assert preview.stat().st_size < 100_000  # a noisy source; calm ones come out smaller
    head = preview.read_bytes()[:200]
    assert head.find(b"moov") < head.find(b"mdat") or b"mdat" not in head  # faststart
