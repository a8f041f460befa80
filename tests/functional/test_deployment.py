"""The deployment guide, followed: deploy/env.example and the commands of deploy/systemd's
units, run as written (install prefix, host name and secrets swapped for this machine's),
against PostgreSQL, Redis and SeaweedFS's S3 — gunicorn with deploy/gunicorn.conf.py, a
transcode worker per queue (niced), the default worker and beat; then the guide's checks
and a first video imported, published and served."""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
import requests
import sqlalchemy as sa

from careers_tv import create_app
from careers_tv.extensions import db
from careers_tv.models import Announcement, Video, VideoStatus
from careers_tv.storage import get_storage
from tests.browser.live import free_port

pytestmark = pytest.mark.worker

PROJECT = Path(__file__).resolve().parents[2]
DEPLOY = PROJECT / "deploy"
BIN = Path(sys.executable).parent
UNITS = ("careers-tv-web", "careers-tv-transcode", "careers-tv-transcode-long",
         "careers-tv-default", "careers-tv-beat")


def env_file(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines()
             if line.strip() and not line.startswith("#"))
    return {key: value for key, value in pairs}


def unit(name: str) -> dict[str, str]:
    """The [Service] settings of a unit file (the last one wins, as in systemd)."""
    settings = {}
    for line in (DEPLOY / "systemd" / f"{name}.service").read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep and not line.startswith(("#", "[")):
            settings[key] = value
    return settings


def command(name: str, env: dict, state: Path) -> list[str]:
    line = unit(name)["ExecStart"]
    line = line.replace("/srv/careers-tv/.venv/bin/", f"{BIN}/").replace("%H", "deploytest")
    line = line.replace("/var/lib/careers-tv", str(state))
    return shlex.split(re.sub(r"\$\{(\w+)\}", lambda m: env[m.group(1)], line))


@pytest.fixture
def installation(committed, test_env, seaweedfs, tmp_path):
    """The units running as the guide sets them up; yields (web URL, environment)."""
    port = free_port()
    bucket = seaweedfs.make_bucket("deploy")
    env = {**env_file(DEPLOY / "env.example"),
           "SECRET_KEY": "deployment-test-secret-0123456789abcdef",
           "DATABASE_URL": test_env["DATABASE_URL"],
           "CELERY_BROKER_URL": test_env["CELERY_BROKER_URL"],
           "RATELIMIT_STORAGE_URI": test_env["CELERY_BROKER_URL"],
           "STORAGE_URL": f"s3://{bucket}/careers-tv", "S3_ENDPOINT_URL": seaweedfs.endpoint_url,
           "AWS_ACCESS_KEY_ID": seaweedfs.access_key,
           "AWS_SECRET_ACCESS_KEY": seaweedfs.secret_key,
           "MEDIA_BASE_URL": "", "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
           "BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "2",
           "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
           "CAREERS_TV_INSTANCE": str(tmp_path / "instance")}
    env = {key: value for key, value in env.items() if value != ""}
    full_env = {**os.environ, **env}
    for key in ("X_API_BASE_URL", "X_CONSUMER_KEY"):  # posts recorded, not sent
        full_env.pop(key, None)
    state = tmp_path / "state"
    state.mkdir()
    processes = []
    try:
        for name in UNITS:
            log = (tmp_path / f"{name}.log").open("wb")
            assert unit(name)["WorkingDirectory"] == "/srv/careers-tv"  # the checkout
            processes.append((name, subprocess.Popen(
                command(name, env, state), cwd=PROJECT, env=full_env, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True)))
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{url}/readyz", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                pass
            for name, process in processes:
                assert process.poll() is None, (tmp_path / f"{name}.log").read_text()[-3000:]
            assert time.monotonic() < deadline, (tmp_path / "careers-tv-web.log").read_text()
            time.sleep(0.2)
        yield url, full_env, dict(processes)
    finally:
        for _name, process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for _name, process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def flask(env: dict, *args: str) -> str:
    result = subprocess.run([str(BIN / "flask"), "--app", "app", *args], cwd=PROJECT, env=env,
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_the_guide_brings_up_a_working_installation(installation, media):
    url, env, processes = installation
    flask(env, "db", "upgrade")
    flask(env, "tv", "seed")
    flask({**env, "TV_USER_PASSWORD": "a-long-admin-password"},
          "tv", "create-user", "admin@example.com", "--role", "admin")
    for queue in ("transcode", "transcode_long", "default"):
        assert "answered by" in flask(env, "tv", "ping-worker", "--queue", queue)

    # CPU-heavy workers run niced (the unit's `nice -n 10`), the others not.
    assert psutil.Process(processes["careers-tv-transcode"].pid).nice() == 10
    assert psutil.Process(processes["careers-tv-default"].pid).nice() == 0

    public_id = flask(env, "tv", "import", str(media.short), "--channel", "temoignages",
                      "--title", "First video", "--publish").split()[-1]
    page = requests.get(f"{url}/videos/{public_id}", timeout=10)
    assert page.status_code == 200 and "First video" in page.text
    api = requests.get(f"{url}/api/v1/videos/{public_id}", timeout=10).json()
    assert api["status"] == "published" and api["media"]["hls"].endswith("master.m3u8")
    assert requests.get(f"{url}/metrics", timeout=10).status_code == 200

    s3 = create_app({key: env[key] for key in (
        "STORAGE_URL", "S3_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")})
    with s3.app_context():
        video = db.session.scalar(sa.select(Video).where(Video.public_id == public_id))
        assert video.status is VideoStatus.PUBLISHED
        assert get_storage().exists(video.media_prefix + "master.m3u8")
        announced = db.session.scalar(sa.select(Announcement).where(
            Announcement.video_id == video.id))
        assert announced is not None  # recorded (no X credentials in this guide run)
