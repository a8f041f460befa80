"""The measured bit rates of a rendition and the master playlist that states them."""

from __future__ import annotations

from fractions import Fraction

import m3u8

from transcoding.bandwidth import (
    AudioMedia,
    Variant,
    average_bitrate,
    master_playlist,
    peak_bitrate,
    variant_rates,
)


def test_peak_is_the_densest_window_between_half_and_one_and_a_half_targets():
    # 4 s target: windows of 2..6 s count. One 1 s segment of 1 MB is too short alone (8 Mbit/s)
    # but with its 4 s neighbour (100 kB) the 5 s window is (1.1 MB * 8) / 5 s = 1.76 Mbit/s.
    segments = [(100_000, 4.0), (1_000_000, 1.0), (100_000, 4.0)]
    assert peak_bitrate(segments, 4) == 1_760_000


def test_a_single_segment_in_range_counts_alone():
    segments = [(500_000, 4.0), (1_000_000, 4.0), (500_000, 4.0)]
    assert peak_bitrate(segments, 4) == 2_000_000


def test_a_rendition_shorter_than_half_the_target_is_its_own_window():
    assert peak_bitrate([(10_000, 1.0)], 4) == 80_000
    assert peak_bitrate([], 4) == 0


def test_average_is_all_bits_over_all_seconds_rounded_up():
    assert average_bitrate([(100_000, 4.0), (50_001, 2.0)]) == 200_002
    assert average_bitrate([]) == 0


def test_a_rung_with_shared_audio_counts_both():
    video, audio = [(1_000_000, 4.0)], [(64_000, 4.0)]
    assert variant_rates(video, audio, 4) == (2_128_000, 2_128_000)
    assert variant_rates(video, None, 4) == (2_000_000, 2_000_000)


def test_the_master_lists_what_players_and_apple_ask_for():
    text = master_playlist(
        [Variant("720p/index.m3u8", 2_500_000, 1_200_000, "avc1.64001f,mp4a.40.2", (1280, 720),
                 Fraction(30000, 1001), "audio"),
         Variant("360p/index.m3u8", 700_000, 400_000, "avc1.64001e,mp4a.40.2", (640, 360),
                 Fraction(30000, 1001), "audio")],
        [AudioMedia("audio", "audio", "audio/index.m3u8")],
    )
    assert "#EXT-X-INDEPENDENT-SEGMENTS" in text.splitlines()
    master = m3u8.loads(text)
    assert master.version == 7
    first = master.playlists[0].stream_info
    assert (first.bandwidth, first.average_bandwidth) == (2_500_000, 1_200_000)
    assert first.frame_rate == 29.97 and first.resolution == (1280, 720)
    assert first.codecs == "avc1.64001f,mp4a.40.2" and first.audio == "audio"
    assert master.media[0].uri == "audio/index.m3u8" and master.media[0].group_id == "audio"
    assert [p.uri for p in master.playlists] == ["720p/index.m3u8", "360p/index.m3u8"]
