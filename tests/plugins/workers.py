"""Real Celery worker processes for the tests, started and stopped by them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from careers_tv.models import Queue

ALL_QUEUES = Queue.option()  # as the embedded default's worker: every queue


class Worker:
    def __init__(self, name: str, env: dict, log_dir: Path, queues: str = ALL_QUEUES,
                 cwd: Path | None = None, beat: bool = False):
        self.name = name
        self.log_path = log_dir / f"worker-{name}.log"
        command = [sys.executable, "-m", "celery", "-A", "careers_tv.worker", "worker",
                   "-n", f"{name}@%h", "-Q", queues, "--concurrency", "1", "--pool", "prefork",
                   "--loglevel", "INFO", "--without-gossip", "--without-mingle",
                   "--without-heartbeat"]
        if beat:  # the scheduler inside this worker, its state file in the log folder
            command += ["--beat", "--schedule", str(log_dir / f"beat-{name}")]
        self.log = self.log_path.open("wb")
        self.process = subprocess.Popen(command, env={**os.environ, **env}, stdout=self.log,
                                        stderr=subprocess.STDOUT, start_new_session=True,
                                        cwd=cwd)

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"worker {self.name} exited:\n{self.log_path.read_text()[-3000:]}")
            if b"ready." in self.log_path.read_bytes():
                return
            time.sleep(0.1)
        pytest.fail(f"worker {self.name} not ready:\n{self.log_path.read_text()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL the whole worker (main process and pool children), as a crash would."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


@pytest.fixture
def workers(test_env, tmp_path):
    """Start workers with `workers.start(name, **extra_env)`; all are stopped afterwards."""
    started: list[Worker] = []

    class Starter:
        def start(self, name: str, *, queues: str = ALL_QUEUES, cwd: Path | None = None,
                  beat: bool = False, **extra_env: str) -> Worker:
            worker = Worker(name, {**test_env, **extra_env}, tmp_path, queues=queues, cwd=cwd,
                            beat=beat)
            started.append(worker)
            worker.wait_ready()
            return worker

    yield Starter()
    for worker in started:
        worker.stop()
