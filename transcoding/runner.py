"""Run an ffmpeg command: progress from `-progress`, cancellation, a time limit, niceness.

Building the command is elsewhere (pure); this is the thin layer that runs it.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from .errors import Cancelled, TranscodeFailed

# Called with the fraction done (0..1); return False to cancel the run.
ProgressCallback = Callable[[float], bool | None]


@dataclass(frozen=True)
class RunStats:
    wall_seconds: float
    cpu_seconds: float  # user + system time of ffmpeg itself


def _lower_priority(niceness: int) -> Callable[[], None]:
    def apply() -> None:
        os.nice(niceness)

    return apply


def run(command: list[str], *, duration: float, on_progress: ProgressCallback | None = None,
        time_limit: float | None = None, niceness: int = 10,
        frame_rate: float | None = None) -> RunStats:
    """Run ffmpeg to the end, or raise Cancelled / TranscodeFailed (with its last words).

    `frame_rate` is that of the command's first video output, when known: progress then counts
    its frames rather than trusting `out_time` (see `_fraction`).
    """
    argv = [command[0], "-progress", "pipe:1", "-nostats", *command[1:]]
    started = time.monotonic()
    with tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=stderr,
                                   stdin=subprocess.DEVNULL,
                                   preexec_fn=_lower_priority(niceness) if niceness else None)
        timer = None
        timed_out = threading.Event()
        if time_limit:
            def expire() -> None:
                timed_out.set()
                process.kill()

            timer = threading.Timer(time_limit, expire)
            timer.daemon = True
            timer.start()
        cancelled, followed = False, False
        try:
            cancelled = _follow(process, duration, on_progress, frame_rate)
            followed = True
        finally:
            if cancelled or not followed:  # stopped, or the callback raised
                process.kill()
            # wait4 gives this child's own CPU time (for the benchmarks and the metrics).
            _, status, usage = os.wait4(process.pid, 0)
            process.returncode = os.waitstatus_to_exitcode(status)
            if timer:
                timer.cancel()
        stats = RunStats(time.monotonic() - started, usage.ru_utime + usage.ru_stime)
        if timed_out.is_set():
            raise Cancelled(f"ffmpeg ran longer than its time limit of {time_limit:g} s")
        if cancelled:
            raise Cancelled("the transcode was cancelled")
        if process.returncode != 0:
            stderr.seek(0)
            tail = stderr.read()[-2000:].decode(errors="replace").strip()
            raise TranscodeFailed(f"ffmpeg exited with {process.returncode}: {tail}")
    return stats


def _fraction(block: dict[str, str], duration: float, frame_rate: float | None) -> float | None:
    """How far one `-progress` block says the run is, or None if it cannot tell.

    `frame=` counts the frames of the first video output, which can neither run ahead of the
    work nor overshoot. `out_time` is the largest timestamp of *any* output: an image output
    (one frame every few seconds, each lasting that long) can put it well past the truth, and
    it is N/A before every output has written something.
    """
    if duration <= 0:
        return None
    frame = block.get("frame", "")
    if frame_rate and frame_rate > 0 and frame.isdigit() and int(frame) > 0:
        return int(frame) / (frame_rate * duration)
    out_time_us = block.get("out_time_us", "")
    if out_time_us.isdigit():
        return int(out_time_us) / 1e6 / duration
    return None


def _follow(process: subprocess.Popen, duration: float, on_progress,
            frame_rate: float | None = None) -> bool:
    """Read `key=value` progress blocks; True if the callback asked to stop.

    Every block reaches the callback (it is also how a run is cancelled), with a fraction that
    never goes back and stays within 0..1; exactly 1.0 comes with `progress=end`.
    """
    assert process.stdout is not None
    block: dict[str, str] = {}
    done, ended = 0.0, False
    for raw in process.stdout:  # read to the end, even with no callback: a full pipe stalls ffmpeg
        key, _, value = raw.decode(errors="replace").strip().partition("=")
        if key != "progress":
            block[key] = value
            continue
        if not on_progress or ended:
            block = {}
            continue
        if value == "end":
            ended = True
            on_progress(1.0)
            continue
        fraction = _fraction(block, duration, frame_rate)
        block = {}
        if fraction is not None:
            done = max(done, min(1.0, fraction))
        if on_progress(done) is False:
            return True
    return False
