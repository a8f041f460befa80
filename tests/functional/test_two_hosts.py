"""Two transcode hosts sharing nothing but PostgreSQL, Redis and S3.

Each worker runs in a working folder, temp folder, home and instance folder of its own, with
storage on SeaweedFS's S3 API: no path is common to them or to the web side. Uploads go
through the real path (API token, tus) and are transcoded across both; one host is then
killed mid-transcode and its job finishes on the other.
"""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from careers_tv import create_app
from careers_tv.extensions import db
from careers_tv.jobs import ledger
from careers_tv.models import Job, Role, Video, VideoStatus
from careers_tv.services import api_tokens
from careers_tv.storage import get_storage
from tests.factories import UserFactory
from tests.functional.tus_client import Tus
from tests.media import make_landscape

pytestmark = pytest.mark.worker

LEASE = 6  # seconds: a killed host's job is taken back after this (production: 900)


@pytest.fixture
def cluster(committed, workers, seaweedfs, tmp_path):
    """An S3-backed app for the web side, and a function starting a worker "host"."""
    bucket = seaweedfs.make_bucket("hosts")
    s3_env = {
        "STORAGE_URL": f"s3://{bucket}/careers-tv",
        "S3_ENDPOINT_URL": seaweedfs.endpoint_url,
        "AWS_ACCESS_KEY_ID": seaweedfs.access_key,
        "AWS_SECRET_ACCESS_KEY": seaweedfs.secret_key,
        "JOB_LEASE_SECONDS": str(LEASE),
    }
    web = create_app({**s3_env, "JOB_LEASE_SECONDS": LEASE})

    def host(name: str):
        root = tmp_path / f"host-{name}"
        for folder in ("work", "tmp", "home", "instance"):
            (root / folder).mkdir(parents=True)
        return workers.start(name, queues="transcode,transcode_long", cwd=root / "work",
                             TMPDIR=str(root / "tmp"), HOME=str(root / "home"),
                             CAREERS_TV_INSTANCE=str(root / "instance"), **s3_env)

    return web, host


def upload(client, secret: str, path, title: str) -> str:
    """A video created and its file sent as an API client does; returns its public id."""
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    video = client.post("/api/v1/videos", json={"channel": "temoignages", "title": title})
    assert video.status_code == 201, video.get_json()
    public_id = video.get_json()["id"]
    data = path.read_bytes()
    tus = Tus(client, csrf_token=None)
    created = tus.create(len(data), public_id, filename=path.name)
    assert created.status_code == 201, created.get_json()
    assert tus.patch(created.headers["Location"], 0, data).status_code == 204
    return public_id


def wait(predicate, what: str, timeout: float = 240):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.expire_all()
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


def test_uploads_are_transcoded_across_two_hosts_and_survive_one_dying(cluster, media):
    web, host = cluster
    with web.app_context():
        admin = UserFactory(role=Role.ADMIN)
        _token, secret = api_tokens.create_token(admin, "two hosts", ["read", "upload"])
        db.session.commit()
        client = web.test_client()
        first, second = host("alpha"), host("beta")

        ids = [upload(client, secret, media.short, f"Clip {n}") for n in range(4)]
        def all_done():
            rows = db.session.scalars(sa.select(Video).where(Video.public_id.in_(ids))).all()
            finished = (VideoStatus.READY, VideoStatus.FAILED)
            return rows if all(v.status in finished for v in rows) else None

        videos = wait(all_done, "the four clips")
        assert {v.status for v in videos} == {VideoStatus.READY}, [
            v.status_text for v in videos]
        hosts = {job.claimed_by.split("@")[0] for job in db.session.scalars(
            sa.select(Job).where(Job.kind == "transcode"))}
        assert hosts == {"alpha", "beta"}  # both hosts took part
        storage = get_storage()
        for video in videos:
            assert storage.exists(video.media_prefix + "master.m3u8")

        # A longer one; its host dies mid-transcode.
        longer = media.build(make_landscape, duration=12, folder="two-hosts-12s")
        public_id = upload(client, secret, longer, "Cut short")
        video_id = db.session.scalar(sa.select(Video.id).where(Video.public_id == public_id))

        def running_job():
            job = db.session.scalar(sa.select(Job).where(Job.video_id == video_id,
                                                         Job.kind == "transcode"))
            video = db.session.get(Video, video_id)
            return job if job.claimed_by and video.progress >= 10 else None

        job = wait(running_job, "the transcode to get going")
        victim, survivor = (first, "beta") if job.claimed_by.startswith("alpha") else (
            second, "alpha")
        victim.kill()
        time.sleep(LEASE + 1)
        assert ledger.reconcile().expired == 1  # beat does this every minute in production
        video = wait(lambda: (v := db.session.get(Video, video_id)).status in (
            VideoStatus.READY, VideoStatus.FAILED) and v, "the survivor to finish")
        assert video.status is VideoStatus.READY, video.status_text
        job = db.session.get(Job, job.id)
        assert job.claimed_by.startswith(survivor) and job.attempts == 2
        assert storage.exists(video.media_prefix + "master.m3u8")
        assert abs(video.duration_seconds - 12) < 0.5
