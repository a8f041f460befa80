"""`python -m careers_tv.orphan_guard PARENT_PID -- COMMAND…`: run COMMAND so that it is
told to stop the moment PARENT_PID dies, however it dies (SIGKILL included).

Linux's parent-death signal (prctl PR_SET_PDEATHSIG) is set here, then COMMAND replaces this
process (exec keeps the setting). The embedded default starts its Celery worker this way, so
no worker is left running, reparented to init, when `python app.py` is killed. The signal is
SIGQUIT, Celery's cold shutdown: a transcode in progress stops at once (the job ledger runs
it again at the next start) rather than keeping an orphan alive until it ends.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1
DEATH_SIGNAL = signal.SIGQUIT
USAGE = "usage: python -m careers_tv.orphan_guard PARENT_PID -- COMMAND [ARG…]"


def arm(parent_pid: int) -> None:
    """Ask for DEATH_SIGNAL when our parent dies; exit now if it is already gone."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, int(DEATH_SIGNAL), 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    # The parent may have died before the prctl: we would have been reparented already.
    if os.getppid() != parent_pid:
        sys.exit(f"orphan_guard: parent {parent_pid} is gone; not starting")


def main(argv: list[str]) -> None:
    if len(argv) < 3 or argv[1] != "--" or not argv[0].isdigit():
        sys.exit(USAGE)
    arm(int(argv[0]))
    command = argv[2:]
    os.execvp(command[0], command)  # noqa: S606 - our own argv, no shell involved


if __name__ == "__main__":
    main(sys.argv[1:])
