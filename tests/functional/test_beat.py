"""Celery beat really running: a scheduled video goes live, and is announced on X once, within
a minute of its time."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from careers_tv.clock import utcnow
from careers_tv.extensions import db
from careers_tv.models import Announcement, AnnouncementStatus, Role, Video, VideoStatus
from careers_tv.services import editorial
from tests.factories import UserFactory, VideoFactory

pytestmark = pytest.mark.worker

# Beat checks for due videos every PUBLISH_DUE_EVERY_SECONDS (60 in production: "within a
# minute"); 5 here, so the test does not wait a minute for what it proves.
EVERY = 5


def test_a_scheduled_video_goes_live_and_is_announced_with_beat_running(
        committed, workers, fake_x):
    editor = UserFactory(role=Role.EDITOR)
    video = VideoFactory(status=VideoStatus.READY, created_by=editor, language="en",
                         title="Night shift at the depot")
    at = utcnow() + timedelta(seconds=8)
    editorial.schedule(video, at, utcnow())
    committed.commit()
    video_id = video.id
    workers.start("scheduler", beat=True, PUBLISH_DUE_EVERY_SECONDS=str(EVERY), **fake_x.env)

    deadline = time.monotonic() + 90
    while True:
        db.session.expire_all()
        video = db.session.get(Video, video_id)
        announcement = db.session.scalar(
            sa.select(Announcement).where(Announcement.video_id == video_id))
        if announcement is not None and announcement.status is AnnouncementStatus.POSTED:
            break
        assert time.monotonic() < deadline, (video.status, announcement)
        time.sleep(0.25)
    assert video.status is VideoStatus.PUBLISHED
    assert at <= video.published_at <= at + timedelta(seconds=EVERY + 5)
    assert announcement.posted_at - at < timedelta(minutes=1)
    assert len(fake_x.posts) == 1 and "Night shift at the depot" in fake_x.posts[0].text
