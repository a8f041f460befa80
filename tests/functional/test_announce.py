"""Announcing a published video on X: the outbox row, the `announce` job and the fake X server.

Jobs run in-process (`dispatch.execute`) against real PostgreSQL and the fake X API; one test runs
a real worker. "As if the backoff had passed" moves the job's scheduled time to now, as the
transcode tests redeliver a message by hand.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_babel import refresh

from careers_tv.announce.compose import announcement_text
from careers_tv.announce.outbox import NOT_CONFIGURED
from careers_tv.clock import utcnow
from careers_tv.extensions import db
from careers_tv.jobs import dispatch, ledger
from careers_tv.links import watch_url
from careers_tv.models import (
    Announcement,
    AnnouncementStatus,
    Job,
    JobState,
    Role,
    VideoStatus,
)
from careers_tv.services import videos as video_service
from tests.factories import UserFactory, VideoFactory
from tests.functional.portal_helpers import login
from tests.plugins.fake_x import configure_x


@pytest.fixture
def x_app(app, fake_x, monkeypatch):
    """The app configured to talk to the fake X, with a short client timeout."""
    configure_x(app, monkeypatch, **fake_x.env, X_TIMEOUT_SECONDS=1)
    return app


def publish(title: str = "Inside the night shift at the depot") -> tuple[int, int]:
    """Publish a ready video; returns its announcement's id and the job's id."""
    video = VideoFactory(status=VideoStatus.READY, title=title, language="en")
    return publish_ready(video)


def publish_ready(video) -> tuple[int, int]:
    """Publish `video`; returns its announcement's id and the id of the job that sends it."""
    video_service.publish(video)
    db.session.commit()
    announcement_id = db.session.scalar(
        sa.select(Announcement.id).where(Announcement.video_id == video.id))
    job_id = db.session.scalar(sa.select(Job.id).where(
        Job.kind == "announce", Job.payload["announcement_id"].as_integer() == announcement_id))
    return announcement_id, job_id


def announcement(announcement_id: int) -> Announcement:
    db.session.expire_all()
    return db.session.get(Announcement, announcement_id)


def job(job_id: int) -> Job:
    db.session.expire_all()
    return db.session.get(Job, job_id)


def as_if_the_backoff_had_passed(job_id: int) -> None:
    db.session.execute(sa.update(Job).where(Job.id == job_id)
                       .values(last_sent_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()


def test_publishing_posts_once_with_the_composed_text(committed, x_app, fake_x):
    announcement_id, job_id = publish()
    row = announcement(announcement_id)
    assert row.status is AnnouncementStatus.PENDING and job_id is not None

    assert dispatch.execute(job_id) == "done"

    row = announcement(announcement_id)
    expected = announcement_text(row.video, watch_url(row.video), "en").text
    assert fake_x.post_texts() == [expected]
    assert row.status is AnnouncementStatus.POSTED
    assert (row.text, row.post_id, row.attempts, row.error) == (
        expected, fake_x.posts[0].id, 1, None)
    assert row.posted_at is not None


def test_a_worker_sends_the_announcement_after_the_publishing_commit(committed, fake_x,
                                                                      workers):
    workers.start("announcer", **fake_x.env)
    announcement_id, _ = publish()
    deadline = time.monotonic() + 60
    while announcement(announcement_id).status is not AnnouncementStatus.POSTED:
        assert time.monotonic() < deadline, announcement(announcement_id).error
        time.sleep(0.1)
    assert fake_x.post_texts() == [announcement(announcement_id).text]


def test_running_the_job_twice_posts_once(committed, x_app, fake_x):
    announcement_id, job_id = publish()
    assert dispatch.execute(job_id) == "done"
    db.session.execute(sa.update(Job).where(Job.id == job_id).values(state=JobState.PENDING))
    db.session.commit()  # as if the message were delivered again after a crash

    assert dispatch.execute(job_id) == "done"

    assert len(fake_x.posts) == 1
    assert announcement(announcement_id).post_id == fake_x.posts[0].id
    assert job(job_id).result == {"status": "posted"}


def test_a_rate_limit_waits_for_the_reset(committed, x_app, fake_x):
    announcement_id, job_id = publish()
    fake_x.fail_next(429, reset_in=2)
    asked_at = utcnow()

    assert dispatch.execute(job_id) == "released"
    row, queued = announcement(announcement_id), job(job_id)
    assert row.status is AnnouncementStatus.SENDING and "rate limit" in row.error
    assert queued.state is JobState.PENDING
    assert queued.last_sent_at > asked_at + timedelta(seconds=3)  # the reset, and a margin
    assert dispatch.execute(job_id) == "skipped"  # a message arriving before the reset is ignored
    assert fake_x.posts == [] and len(fake_x.requests) == 1

    while utcnow() < queued.last_sent_at:
        time.sleep(0.2)
    assert dispatch.execute(job_id) == "done"
    assert announcement(announcement_id).status is AnnouncementStatus.POSTED
    assert len(fake_x.posts) == 1 and len(fake_x.requests) == 2


def test_three_503s_then_success(committed, x_app, fake_x):
    announcement_id, job_id = publish()
    fake_x.fail_next(503, times=3)
    for _ in range(3):
        before = utcnow()
        assert dispatch.execute(job_id) == "released"
        assert job(job_id).last_sent_at > before  # retried later, not at once
        assert "503" in announcement(announcement_id).error
        as_if_the_backoff_had_passed(job_id)

    assert dispatch.execute(job_id) == "done"
    row = announcement(announcement_id)
    assert (row.status, row.attempts, row.post_id) == (
        AnnouncementStatus.POSTED, 4, fake_x.posts[0].id)
    assert len(fake_x.posts) == 1


def test_x_down_for_good_fails_after_bounded_attempts(committed, x_app, fake_x):
    announcement_id, job_id = publish()
    fake_x.fail_next(503, times=50)
    outcomes = []
    for _ in range(10):
        outcomes.append(dispatch.execute(job_id))
        if outcomes[-1] != "released":
            break
        as_if_the_backoff_had_passed(job_id)
    row = announcement(announcement_id)
    assert outcomes[-1] == "done" and len(outcomes) == row.attempts
    assert row.status is AnnouncementStatus.FAILED
    assert "unavailable" in row.error and "503" in row.error
    assert fake_x.posts == []


@pytest.mark.parametrize("trouble", ["slow", "drop"])
def test_a_post_that_landed_unanswered_is_not_posted_twice(committed, x_app, fake_x, trouble):
    announcement_id, job_id = publish()
    if trouble == "slow":
        fake_x.slow_next(2.5)  # past the client's 1 s timeout; the post is recorded
    else:
        fake_x.drop_next()  # recorded, then the connection closes unanswered

    assert dispatch.execute(job_id) == "released"
    assert len(fake_x.posts) == 1
    as_if_the_backoff_had_passed(job_id)
    assert dispatch.execute(job_id) == "done"

    row = announcement(announcement_id)
    assert fake_x.post_texts() == [row.text]
    assert (row.status, row.post_id, row.attempts) == (AnnouncementStatus.POSTED, None, 2)
    assert "already posted" in row.error


def test_refused_credentials_fail_and_hold_the_next_announcements(committed, x_app, fake_x):
    first_id, first_job = publish("First video")
    second_id, second_job = publish("Second video")
    fake_x.reject_credentials()

    assert dispatch.execute(first_job) == "done"
    first = announcement(first_id)
    assert first.status is AnnouncementStatus.FAILED
    assert "credentials" in first.error and "need renewing" in first.error

    assert dispatch.execute(second_job) == "done"
    second = announcement(second_id)
    assert second.status is AnnouncementStatus.FAILED and "need renewing" in second.error
    assert fake_x.posts == [] and len(fake_x.requests) == 1  # the second never went to X


def test_a_text_x_refuses_fails_with_xs_message(committed, x_app, fake_x):
    announcement_id, job_id = publish()
    db.session.execute(sa.update(Announcement).where(Announcement.id == announcement_id)
                       .values(text="a" * 300))  # as if edited past X's limit
    db.session.commit()

    assert dispatch.execute(job_id) == "done"

    row = announcement(announcement_id)
    assert row.status is AnnouncementStatus.FAILED
    assert row.error.startswith("X refused the post:") and "weighted length" in row.error
    assert fake_x.posts == []


def test_without_credentials_the_announcement_is_skipped(committed, app, fake_x, monkeypatch):
    configure_x(app, monkeypatch, X_CONSUMER_KEY=None, X_CONSUMER_SECRET=None,
                X_ACCESS_TOKEN=None, X_ACCESS_TOKEN_SECRET=None)
    announcement_id, job_id = publish()

    assert dispatch.execute(job_id) == "done"

    row = announcement(announcement_id)
    assert (row.status, row.error, row.attempts) == (AnnouncementStatus.SKIPPED, NOT_CONFIGURED, 0)
    assert "night shift" in row.text  # composed all the same, to be seen in the portal
    assert fake_x.requests == []


def test_renewed_credentials_send_again(committed, x_app, fake_x, monkeypatch):
    first_id, first_job = publish("First video")
    second_id, second_job = publish("Second video")
    configure_x(x_app, monkeypatch, X_ACCESS_TOKEN_SECRET="a-revoked-token-secret")
    fake_x.reject_credentials()
    assert dispatch.execute(first_job) == "done"
    assert announcement(first_id).status is AnnouncementStatus.FAILED

    fake_x.reset()  # X takes the renewed credentials
    configure_x(x_app, monkeypatch, X_ACCESS_TOKEN_SECRET=fake_x.env["X_ACCESS_TOKEN_SECRET"])
    assert dispatch.execute(second_job) == "done"

    assert announcement(second_id).status is AnnouncementStatus.POSTED
    assert fake_x.post_texts() == [announcement(second_id).text]


def test_a_worker_killed_while_sending_posts_once(committed, x_app, fake_x, workers):
    fake_x.slow_next(20)  # the post reaches X; the answer never reaches the dying worker
    worker = workers.start("doomed", **fake_x.env, JOB_LEASE_SECONDS="1")
    announcement_id, job_id = publish()
    deadline = time.monotonic() + 60
    while not fake_x.posts:
        assert time.monotonic() < deadline, "the worker never sent the post"
        time.sleep(0.05)
    worker.kill()
    assert announcement(announcement_id).status is AnnouncementStatus.SENDING

    while job(job_id).lease_expires_at > utcnow():
        time.sleep(0.2)
    assert ledger.reconcile().expired == 1  # the dead worker's job goes back to pending
    assert dispatch.execute(job_id) == "done"  # here rather than by another worker

    row = announcement(announcement_id)
    assert (row.status, row.attempts) == (AnnouncementStatus.POSTED, 2)
    assert fake_x.post_texts() == [row.text]


def test_the_portal_says_when_the_credentials_need_renewing(committed, x_app, fake_x):
    editor = UserFactory(role=Role.EDITOR)
    _, job_id = publish("Refused")
    fake_x.reject_credentials()
    assert dispatch.execute(job_id) == "done"
    client = x_app.test_client()
    login(client, editor)
    # The requests share this test's app context, where the job cached a locale: forget it.
    refresh()
    page = client.get("/portal/announcements", headers={"Accept-Language": "en"})
    assert "X refused the account’s credentials" in page.get_data(as_text=True)
    assert "Send again" in page.get_data(as_text=True)
