"""Which transcode queue, and which transcode runs first: long videos on their own queue, and
one uploader's batch never starving the others (message priorities on Redis, checked with a
real worker)."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from careers_tv.extensions import db
from careers_tv.jobs import ledger
from careers_tv.models import Job, JobState, Role, VideoStatus
from careers_tv.services import transcode_queue
from careers_tv.services import videos as video_service
from tests.factories import UserFactory, VideoFactory

GIB = 1024**3


def transcode_job(video) -> Job:
    return db.session.scalar(sa.select(Job).where(Job.video_id == video.id,
                                                  Job.kind == "transcode"))


@pytest.mark.parametrize(("duration", "size", "queue"), [
    (None, 200 * 1024**2, "transcode"),     # a phone clip, duration not known yet
    (None, 5 * GIB, "transcode_long"),      # a big original: an event replay
    (120.0, 5 * GIB, "transcode"),          # a known duration wins over the size
    (2 * 3600.0, 10, "transcode_long"),     # a re-transcode of a two-hour replay
])
def test_long_videos_go_to_their_own_queue(app_ctx, session, duration, size, queue):
    video = VideoFactory(status=VideoStatus.FAILED, original_key="originals/x/a.mp4",
                         duration_seconds=duration)
    video_service.queue_transcode(video, size_bytes=size)
    assert transcode_job(video).queue == queue


def test_the_priority_is_the_uploaders_backlog(app_ctx, session):
    batch, colleague = UserFactory(role=Role.CONTRIBUTOR), UserFactory(role=Role.CONTRIBUTOR)
    videos = [VideoFactory(created_by=batch, status=VideoStatus.FAILED,
                           original_key=f"originals/{n}/a.mp4") for n in range(12)]
    for video in videos:
        video_service.queue_transcode(video, size_bytes=10)
    theirs = VideoFactory(created_by=colleague, status=VideoStatus.FAILED,
                          original_key="originals/c/a.mp4")
    video_service.queue_transcode(theirs, size_bytes=10)
    priorities = [transcode_job(v).payload.get("priority", 0) for v in videos]
    assert priorities == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9]
    assert transcode_job(theirs).payload.get("priority", 0) == 0
    # Finished work no longer counts against the uploader.
    for video in videos:
        transcode_job(video).state = JobState.DONE
    session.flush()
    assert transcode_queue.uploader_backlog(theirs) == 0 and transcode_queue.uploader_backlog(
        videos[0]) == 0


def test_a_resent_message_keeps_its_priority(app_ctx, session, monkeypatch):
    sent = []
    monkeypatch.setattr(ledger, "send", lambda job_id, queue, eta=None, priority=0:
                        sent.append((job_id, queue, priority)) or True)
    job = ledger.enqueue("ping", queue="transcode", priority=4)
    session.flush()
    session.execute(sa.update(Job).where(Job.id == job.id).values(last_sent_at=None))
    ledger.reconcile()
    assert (job.id, "transcode", 4) in sent


@pytest.mark.worker
def test_a_colleagues_upload_overtakes_a_batch(committed, workers):
    """Six jobs from one person, then one from a colleague, all waiting when the worker
    starts: the colleague's runs second, not seventh."""
    batch, colleague = UserFactory(role=Role.CONTRIBUTOR), UserFactory(role=Role.CONTRIBUTOR)
    committed.commit()
    order = []
    for owner in [batch] * 6 + [colleague]:
        video = VideoFactory(created_by=owner, status=VideoStatus.QUEUED)
        committed.flush()
        job = ledger.enqueue("ping", queue="transcode", video_id=video.id,
                             payload={"hold": 0.2},
                             priority=transcode_queue.uploader_backlog(video))
        committed.commit()  # sent now; the next one's backlog counts it
        order.append((owner.id, job.id))
    workers.start("fair", queues="transcode")
    deadline = time.monotonic() + 60
    while True:
        committed.expire_all()
        jobs = committed.scalars(sa.select(Job).where(Job.kind == "ping")).all()
        if all(job.state is JobState.DONE for job in jobs):
            break
        assert time.monotonic() < deadline, [(j.id, j.state) for j in jobs]
        time.sleep(0.2)
    finished = sorted(jobs, key=lambda job: job.finished_at)
    colleague_job = order[-1][1]
    assert [job.id for job in finished].index(colleague_job) == 1, [
        (job.id, job.payload) for job in finished]
