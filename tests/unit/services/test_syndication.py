"""The pages' idea of the poster's size agrees with what the transcoder writes."""

import pytest

from careers_tv.models import Video
from careers_tv.services import syndication
from transcoding.poster import POSTER_LONG_SIDE, scaled_size

SHAPES = [(1920, 1080), (1080, 1920), (3840, 2160), (1280, 720), (640, 360), (853, 479),
          (1440, 1080), (720, 1280), (1281, 721), (2, 2), (4096, 1716)]


def test_the_long_side_is_the_transcoders():
    assert syndication.POSTER_LONG_SIDE == POSTER_LONG_SIDE


@pytest.mark.parametrize(("width", "height"), SHAPES)
def test_poster_size_is_what_the_transcoder_writes(width, height):
    video = Video(width=width, height=height)
    assert syndication.poster_size(video) == scaled_size(width, height,
                                                         long_side=POSTER_LONG_SIDE)


def test_no_size_before_the_transcode():
    assert syndication.poster_size(Video(width=None, height=None)) is None
