"""The WebVTT thumbnails track that points into the storyboard sprite sheets."""

from __future__ import annotations

from .ladder import Storyboard

VTT_NAME = "thumbnails.vtt"


def timestamp(seconds: float) -> str:
    millis = int(round(seconds * 1000))
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def thumbnails_vtt(board: Storyboard, duration: float, sheet_name: str = "sheet-{:03d}.jpg") -> str:
    """One cue per thumbnail: its time span and its tile (`#xywh=`) in its sheet."""
    lines = ["WEBVTT", ""]
    for index in range(board.count):
        start = index * board.interval
        end = min(duration, start + board.interval)
        if end <= start:
            break
        sheet, position = divmod(index, board.per_sheet)
        row, column = divmod(position, board.columns)
        x, y = column * board.tile_width, row * board.tile_height
        lines += [
            f"{timestamp(start)} --> {timestamp(end)}",
            f"{sheet_name.format(sheet + 1)}#xywh={x},{y},{board.tile_width},{board.tile_height}",
            "",
        ]
    return "\n".join(lines)
