import re

from transcoding.ladder import Storyboard
from transcoding.storyboard import thumbnails_vtt, timestamp


def test_timestamps():
    assert timestamp(0) == "00:00:00.000"
    assert timestamp(3723.5) == "01:02:03.500"


def test_every_thumbnail_points_at_its_tile_and_sheet():
    board = Storyboard(interval=2, tile_width=160, tile_height=90, columns=10, rows=10,
                       count=101)
    vtt = thumbnails_vtt(board, duration=201.0)
    assert vtt.startswith("WEBVTT\n")
    cues = re.findall(r"(\S+) --> (\S+)\n(\S+)", vtt)
    assert len(cues) == 101
    assert cues[0] == ("00:00:00.000", "00:00:02.000", "sheet-001.jpg#xywh=0,0,160,90")
    assert cues[11][2] == "sheet-001.jpg#xywh=160,90,160,90"
    assert cues[99][2] == "sheet-001.jpg#xywh=1440,810,160,90"
    assert cues[100] == ("00:03:20.000", "00:03:21.000", "sheet-002.jpg#xywh=0,0,160,90")
