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


@pytest.fixture
def embedded(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in SERVICE_VARIABLES}
    env.update(CAREERS_TV_INSTANCE=str(tmp_path / "instance"), PORT=str(port))
    log = (tmp_path / "app.log").open("wb")
    process = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            requests.get(f"{base}/healthz", timeout=1)
            break
        except requests.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail((tmp_path / "app.log").read_text()[-3000:])
            time.sleep(0.2)
    yield base, env, process
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    log.close()


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


def test_python_app_py_serves_channels_is_ready_and_runs_jobs(embedded):
    base, env, process = embedded
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
    deadline = time.monotonic() + 10
    while processes_of(instance):
        assert time.monotonic() < deadline, "the worker outlived app.py"
        time.sleep(0.2)
