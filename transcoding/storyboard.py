"""The storyboard sprite sheets (tiled from the ladder run's thumbnails) and their WebVTT track."""

from __future__ import annotations

import subprocess
from pathlib import Path

from . import ffmpeg as ffmpeg_graph
from .errors import TranscodeFailed
from .ladder import LadderPlan, Storyboard

VTT_NAME = "thumbnails.vtt"
# Reading and tiling small JPEGs: seconds even for hours of video.
TILE_TIMEOUT_SECONDS = 300


def make_sheets(plan: LadderPlan, outdir: Path) -> list[str]:
    """Tile the thumbnails into sheets, drop the thumbnails; the sheets' names, in order."""
    board_dir = outdir / ffmpeg_graph.STORYBOARD_DIR
    try:
        done = subprocess.run(ffmpeg_graph.storyboard_command(plan, outdir), capture_output=True,
                              stdin=subprocess.DEVNULL, timeout=TILE_TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired as exc:
        raise TranscodeFailed("Tiling the storyboard took too long.") from exc
    finally:
        # Scratch: everything left in outdir is uploaded.
        for thumbnail in board_dir.glob("thumb-*.jpg"):
            thumbnail.unlink()
    if done.returncode != 0:
        last = (done.stderr.decode(errors="replace").strip().splitlines() or ["?"])[-1]
        raise TranscodeFailed(f"Tiling the storyboard failed: {last}")
    sheets = sorted(p.name for p in board_dir.glob("sheet-*.jpg"))
    if len(sheets) != plan.storyboard.sheets:
        raise TranscodeFailed(f"expected {plan.storyboard.sheets} storyboard sheets, "
                              f"got {len(sheets)}")
    return sheets


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
