from fractions import Fraction

import pytest

from transcoding.ladder import load_config, output_frame_rate, plan, rung_size

from .fake_probe import fake_probe


def sizes(p):
    return [(r.name, r.width, r.height) for r in p.rungs]


def test_landscape_1080p_gets_the_whole_default_ladder():
    ladder = plan(fake_probe(1920, 1080))
    assert sizes(ladder) == [("1080p", 1920, 1080), ("720p", 1280, 720), ("480p", 854, 480),
                             ("360p", 640, 360), ("240p", 426, 240)]
    bitrates = [r.max_bitrate for r in ladder.rungs]
    assert bitrates == sorted(bitrates, reverse=True) and bitrates[0] <= 5_000_000
    assert all(r.buffer_size == 2 * r.max_bitrate for r in ladder.rungs)


def test_portrait_is_laddered_by_its_short_side():
    ladder = plan(fake_probe(1080, 1920))
    assert sizes(ladder)[:2] == [("1080p", 1080, 1920), ("720p", 720, 1280)]
    assert all(r.height > r.width for r in ladder.rungs)


def test_never_above_the_source():
    assert [r.name for r in plan(fake_probe(1280, 720)).rungs] == ["720p", "480p", "360p", "240p"]
    four_k = plan(fake_probe(3840, 2160))
    assert four_k.rungs[0].name == "1080p" and four_k.rungs[0].width == 1920
    for source in [(853, 479), (1279, 719), (3840, 2160), (720, 1280)]:
        for rung in plan(fake_probe(*source)).rungs:
            assert min(rung.width, rung.height) <= min(source)


def test_odd_sizes_give_even_dimensions():
    ladder = plan(fake_probe(853, 479))
    assert [r.name for r in ladder.rungs] == ["360p", "240p"]
    assert all(r.width % 2 == 0 and r.height % 2 == 0 for r in ladder.rungs)


def test_a_source_smaller_than_every_rung_keeps_its_own_size():
    ladder = plan(fake_probe(200, 150))
    assert sizes(ladder) == [("150p", 200, 150)]
    assert plan(fake_probe(201, 151)).rungs[0].width % 2 == 0


@pytest.mark.parametrize(("source", "expected"), [
    (60, Fraction(30)), (59.94, Fraction(30000, 1001)), (50, Fraction(25)), (25, Fraction(25)),
    (29.7, Fraction(30000, 1001)), (30.2, Fraction(30)), (23.976, Fraction(24000, 1001)),
    (0, Fraction(30)), (120, Fraction(30)),
])
def test_frame_rate_is_a_real_rate_at_most_30(source, expected):
    assert output_frame_rate(source, 30) == expected


def test_keyframes_every_two_seconds_and_segments_of_four():
    ladder = plan(fake_probe(fps=25))
    assert ladder.gop == 50 and ladder.keyframe_seconds == 2 and ladder.segment_seconds == 4
    assert plan(fake_probe(fps=59.94)).gop == 60


def test_what_the_source_needs_is_planned():
    assert plan(fake_probe(hdr=True)).tonemap == "PQ"
    assert plan(fake_probe()).tonemap is None
    assert plan(fake_probe(interlaced=True)).deinterlace
    assert not plan(fake_probe(audio=False)).audio


def test_storyboard_covers_the_whole_video():
    board = plan(fake_probe(1920, 1080, duration=301)).storyboard
    assert (board.tile_width, board.tile_height) == (160, 90)
    assert board.count == 151 and board.sheets == 2
    portrait = plan(fake_probe(1080, 1920, duration=3)).storyboard
    assert (portrait.tile_width, portrait.tile_height) == (90, 160) and portrait.count == 2


def test_the_ladder_is_configuration(tmp_path):
    custom = tmp_path / "ladder.toml"
    custom.write_text('segment_seconds = 6\nkeyframe_seconds = 2\n'
                      '[[rungs]]\nname = "small"\nshort_side = 360\nmax_bitrate_kbps = 700\n'
                      '[[rungs]]\nname = "big"\nshort_side = 720\nmax_bitrate_kbps = 2000\n')
    ladder = plan(fake_probe(), load_config(custom))
    assert sizes(ladder) == [("big", 1280, 720), ("small", 640, 360)]
    assert ladder.segment_seconds == 6
    custom.write_text('segment_seconds = 5\nkeyframe_seconds = 2\n'
                      '[[rungs]]\nname = "a"\nshort_side = 360\nmax_bitrate_kbps = 700\n')
    with pytest.raises(ValueError, match="multiple"):
        load_config(custom)


def test_rung_size_keeps_the_aspect():
    assert rung_size(1920, 800, 480) == (1152, 480)  # cinema scope
    assert rung_size(1080, 1350, 720) == (720, 900)  # 4:5 portrait


def test_the_hover_preview_is_four_seconds_320_on_the_long_side():
    preview = plan(fake_probe(duration=60.0)).preview
    assert (preview.start, preview.duration) == (0.0, 4)
    assert (preview.width, preview.height) == (320, 180)
    upright = plan(fake_probe(width=1080, height=1920)).preview
    assert (upright.width, upright.height) == (180, 320)


def test_a_video_shorter_than_the_preview_is_previewed_whole():
    preview = plan(fake_probe(duration=2.5)).preview
    assert (preview.start, preview.duration) == (0.0, 2.5)
