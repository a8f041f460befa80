"""`python app.py`, the embedded default: SQLite, local media, a broker with no server."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
SERVICE_VARIABLES = ("DATABASE_URL", "CELERY_BROKER_URL", "STORAGE_URL", "S3_ENDPOINT_URL",
                     "SECRET_KEY", "PUBLIC_BASE_URL")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(tmp_path, **settings: str):
    """`python app.py` with its own instance folder (and `settings` in its environment),
    once it answers; returns (base URL, environment, process)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in SERVICE_VARIABLES}
    env.update(CAREERS_TV_INSTANCE=str(tmp_path / "instance"), PORT=str(port), **settings)
    log_path = tmp_path / "app.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            requests.get(f"{base}/healthz", timeout=1)
            return base, env, process
        except requests.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(log_path.read_text()[-3000:])
            time.sleep(0.2)


@pytest.fixture
def embedded(tmp_path):
    started = []

    def start(**settings: str):
        started.append(start_app(tmp_path, **settings))
        return started[-1]

    yield start
    for _base, env, process in started:
        for pid in [process.pid, *processes_of(env["CAREERS_TV_INSTANCE"])]:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        process.wait(timeout=10)


def processes_of(instance: str) -> list[int]:
    """Processes started with this instance folder in their environment (app.py, its worker)."""
    marker = f"CAREERS_TV_INSTANCE={instance}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def wait_until_gone(instance: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while left := processes_of(instance):
        assert time.monotonic() < deadline, f"processes left behind by app.py: {left}"
        time.sleep(0.2)


def test_python_app_py_serves_channels_is_ready_and_runs_jobs(embedded):
    base, env, process = embedded()
    home = requests.get(base + "/", timeout=5)
    assert home.status_code == 200
    for name in ("Témoignages", "Sogelive", "Mission Handicap", "Corporate"):
        assert name in home.text

    ready = requests.get(base + "/readyz", timeout=10)
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"] == {"database": "ok", "storage": "ok", "broker": "ok"}
    assert Path(env["CAREERS_TV_INSTANCE"], "careers_tv.sqlite3").is_file()

    # The worker started by app.py answers on both queues through the filesystem broker.
    for queue in ("default", "transcode"):
        result = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "app", "tv", "ping-worker", "--queue", queue,
             "--timeout", "60"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=90)
        assert result.returncode == 0, result.stderr
        assert f"{queue}: answered by celery@" in result.stdout

    # SIGTERM stops the server and the worker it started.
    instance = env["CAREERS_TV_INSTANCE"]
    assert len(processes_of(instance)) >= 3  # app.py, the worker, its pool
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=40)
    wait_until_gone(instance, timeout=10)


def test_a_long_original_is_transcoded_by_the_embedded_worker(embedded, media):
    """Past LONG_VIDEO_BYTES an original goes to the transcode_long queue: the worker that
    `python app.py` starts must consume it (and every other queue) too."""
    _base, env, _process = embedded(LONG_VIDEO_BYTES="1000")
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "tv", "import", str(media.short),
         "--channel", "temoignages", "--title", "Un long original", "--timeout", "90"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-2000:]
    public_id = result.stdout.split()[-1]
    assert f"{public_id} is ready" in result.stderr


@pytest.mark.parametrize("how", ["SIGKILL", "SIGHUP"])
def test_the_worker_never_outlives_app_py(embedded, how):
    """Killing app.py, or closing its terminal, takes its worker and beat with it: none is
    left running (reparented to init) beside the next `make run`."""
    _base, env, process = embedded()
    instance = env["CAREERS_TV_INSTANCE"]
    deadline = time.monotonic() + 30
    while len(processes_of(instance)) < 3:  # app.py, the worker, its pool
        assert time.monotonic() < deadline, "the worker did not start"
        time.sleep(0.2)
    process.send_signal(getattr(signal, how))
    process.wait(timeout=40)
    wait_until_gone(instance, timeout=30)
