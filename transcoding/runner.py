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
        time_limit: float | None = None, niceness: int = 10) -> RunStats:
    """Run ffmpeg to the end, or raise Cancelled / TranscodeFailed (with its last words)."""
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
            cancelled = _follow(process, duration, on_progress)
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


def _follow(process: subprocess.Popen, duration: float, on_progress) -> bool:
    """Read `key=value` progress blocks; True if the callback asked to stop."""
    assert process.stdout is not None
    for raw in process.stdout:
        key, _, value = raw.decode(errors="replace").strip().partition("=")
        if key == "out_time_us" and value.isdigit() and duration > 0 and on_progress:
            if on_progress(min(1.0, int(value) / 1e6 / duration)) is False:
                return True
        elif key == "progress" and value == "end" and on_progress:
            on_progress(1.0)
    return False
