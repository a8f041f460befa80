"""The periodic tasks: registered, in the beat schedule, and doing their work in a worker."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from careers_tv.clock import utcnow
from careers_tv.extensions import db
from careers_tv.handlers import housekeeping
from careers_tv.models import Announcement, Upload, UploadStatus, Video, VideoStatus
from tests.factories import VideoFactory

TASKS = {
    "careers_tv.publish_due": 60.0,
    "careers_tv.unpublish_expired_consents": "hourly",
    "careers_tv.expire_stale_uploads": "hourly",
    "careers_tv.flush_views": 60.0,
}


def wait_for_status(video_id: int, status: VideoStatus, timeout: float = 30) -> Video:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.expire_all()
        video = db.session.get(Video, video_id)
        if video.status is status:
            return video
        time.sleep(0.1)
    pytest.fail(f"video still {video.status.value}, expected {status.value}")


def test_the_beat_sends_each_housekeeping_task_to_a_worker_that_knows_it(app):
    celery = app.extensions["celery"]
    celery.loader.import_default_modules()  # what a worker does at start
    entries = {entry["task"]: entry for entry in celery.conf.beat_schedule.values()}
    for name, every in TASKS.items():
        assert name in celery.tasks, f"{name} is not registered in the worker"
        schedule = entries[name]["schedule"]
        if every == "hourly":
            assert schedule.remaining_estimate(schedule.now()) <= timedelta(hours=1)
            assert len(schedule.minute) == 1 and len(schedule.hour) == 24
        else:
            assert schedule == every
        assert entries[name]["options"]["queue"] == "default"
    assert "careers_tv.jobs.reconcile" in entries  # kept


@pytest.mark.worker
def test_a_worker_publishes_a_due_video_once(committed, workers):
    workers.start("housekeeper")
    due = VideoFactory(status=VideoStatus.SCHEDULED, publish_at=utcnow() - timedelta(minutes=1))
    later = VideoFactory(status=VideoStatus.SCHEDULED, publish_at=utcnow() + timedelta(hours=1))
    committed.commit()
    due_id, later_id = due.id, later.id

    housekeeping.publish_due.delay()
    housekeeping.publish_due.delay()  # a duplicate message, as after a redelivery
    video = wait_for_status(due_id, VideoStatus.PUBLISHED)
    assert video.published_at is not None

    # A marker task behind the two: once it has run, both publish_due runs are over.
    marker = VideoFactory(status=VideoStatus.SCHEDULED, publish_at=utcnow())
    committed.commit()
    housekeeping.publish_due.delay()
    wait_for_status(marker.id, VideoStatus.PUBLISHED)
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Announcement)
                              .where(Announcement.video_id == due_id))
    assert count == 1
    assert db.session.get(Video, later_id).status is VideoStatus.SCHEDULED


def test_the_consent_task_unpublishes_in_the_app_context(committed):
    expired = VideoFactory(status=VideoStatus.PUBLISHED,
                           consent_expires_on=utcnow().date() - timedelta(days=1))
    valid = VideoFactory(status=VideoStatus.PUBLISHED,
                         consent_expires_on=utcnow().date() + timedelta(days=1))
    committed.commit()
    expired_id, expired_public_id, valid_id = expired.id, expired.public_id, valid.id

    result = housekeeping.unpublish_expired_consents.apply()  # as a worker would call it

    assert result.get() == [expired_public_id]
    db.session.expire_all()
    withdrawn = db.session.get(Video, expired_id)
    assert withdrawn.status is VideoStatus.UNPUBLISHED
    assert withdrawn.status_text.startswith("Consent expired on ")
    assert db.session.get(Video, valid_id).status is VideoStatus.PUBLISHED


def test_the_upload_task_gives_up_uploads_idle_for_a_day(committed):
    def upload(name: str, idle: timedelta) -> Upload:
        row = Upload(id=uuid.uuid4().hex, filename=name, length=1000, offset=10,
                     storage_key=f"staging/{name}", updated_at=utcnow() - idle)
        committed.add(row)
        return row

    stale, fresh = upload("stale.mp4", timedelta(hours=25)), upload("fresh.mp4", timedelta(hours=1))
    committed.commit()
    stale_id, fresh_id = stale.id, fresh.id

    assert housekeeping.expire_stale_uploads.apply().get() == 1

    db.session.expire_all()
    assert db.session.get(Upload, stale_id).status is UploadStatus.ABORTED
    assert db.session.get(Upload, fresh_id).status is UploadStatus.RECEIVING
