"""The embedded default: `python app.py` brings up the schema, the channels, a worker (with
the reconciler's beat) and the development server, all on one machine with no services.

The worker consumes every queue there is, and never outlives app.py: a normal exit, SIGTERM
and SIGHUP (the terminal closed) stop it; if app.py is killed outright, the kernel tells the
worker (parent-death signal, set by careers_tv/orphan_guard.py before the worker starts).
"""

from __future__ import annotations

import atexit
import os
import signal
import subprocess
import sys
from pathlib import Path

from flask import Flask
from flask_migrate import upgrade

from .models import Queue
from .services.channels import seed_channels

STOP_TIMEOUT_SECONDS = 20


def worker_command(app: Flask) -> list[str]:
    instance = Path(app.instance_path)
    return [
        sys.executable, "-m", "careers_tv.orphan_guard", str(os.getpid()), "--",
        sys.executable, "-m", "celery", "-A", "careers_tv.worker", "worker",
        "-B", "-s", str(instance / "celerybeat-schedule"),
        "-Q", Queue.option(), "--concurrency", "2", "--loglevel", "INFO",
    ]


def start_worker(app: Flask) -> subprocess.Popen:
    worker = subprocess.Popen(worker_command(app), start_new_session=True)

    def stop() -> None:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            try:
                worker.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)

    atexit.register(stop)
    return worker


def serve(app: Flask) -> None:
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    with app.app_context():
        upgrade()
        seed_channels()
    # The reloader would start a second worker; the embedded default runs without it.
    start_worker(app)
    # SIGTERM, and SIGHUP when the terminal closes, exit through atexit, which stops the
    # worker too.
    for stop_signal in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(stop_signal, lambda *_: sys.exit(0))
    port = int(os.environ.get("PORT", "5000"))
    app.run(host="127.0.0.1", port=port, debug=False, use_reloader=False)
