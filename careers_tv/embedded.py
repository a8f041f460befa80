"""The embedded default: `python app.py` brings up the schema, the channels, a worker (with
the reconciler's beat) and the development server, all on one machine with no services."""

from __future__ import annotations

import atexit
import os
import signal
import subprocess
import sys
from pathlib import Path

from flask import Flask
from flask_migrate import upgrade

from .services.channels import seed_channels


def start_worker(app: Flask) -> subprocess.Popen:
    instance = Path(app.instance_path)
    command = [
        sys.executable, "-m", "celery", "-A", "careers_tv.jobs.worker", "worker",
        "-B", "-s", str(instance / "celerybeat-schedule"),
        "-Q", "transcode,default", "--concurrency", "2", "--loglevel", "INFO",
    ]
    worker = subprocess.Popen(command, start_new_session=True)

    def stop() -> None:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            try:
                worker.wait(timeout=20)
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
    # SIGTERM exits through atexit, which stops the worker too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    port = int(os.environ.get("PORT", "5000"))
    app.run(host="127.0.0.1", port=port, debug=False, use_reloader=False)
