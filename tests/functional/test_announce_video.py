"""A channel that asks for native video: its announcement carries the transcoder's short clip,
uploaded to the fake X with the chunked media upload before the post.

The clip is a small generated MP4 put in storage where the transcoder leaves it
(`<media_prefix>x-clip.mp4`); jobs run in-process (`dispatch.execute`), as in test_announce.py.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from careers_tv.announce.compose import wants_native_video
from careers_tv.announce.outbox import VIDEO_LEFT_OUT
from careers_tv.clock import utcnow
from careers_tv.extensions import db
from careers_tv.jobs import dispatch
from careers_tv.models import AnnouncementStatus, Job, JobState, VideoStatus
from careers_tv.storage import get_storage
from tests.factories import VideoFactory, channel
from tests.functional.test_announce import announcement, publish_ready
from tests.media import make_landscape
from tests.plugins.fake_x import configure_x

# The fake's media ids are numbers: this prefix matches an upload's append (and finalize), not
# its initialize.
AN_UPLOADS_OWN_PATH = "/2/media/upload/1"


@pytest.fixture
def x_app(app, fake_x, monkeypatch):
    configure_x(app, monkeypatch, **fake_x.env, X_TIMEOUT_SECONDS=5)
    return app


@pytest.fixture
def clip(media):
    return media.build(make_landscape, duration=1, size=(160, 90), rate=10, audio=False,
                       name="x-clip.mp4")


@pytest.fixture
def long_clip(media):
    """Longer than the 140 s X allows a video."""
    return media.build(make_landscape, duration=141, size=(64, 36), rate=2, audio=False,
                       name="x-clip-long.mp4")


def publish_with_clip(slug: str, clip) -> tuple[int, int]:
    """Publish a ready video of channel `slug` whose transcode left `clip`; returns the
    announcement's id and its job's id."""
    video = VideoFactory(status=VideoStatus.READY, channel=channel(slug), language="en",
                         title="Inside the night shift at the depot")
    db.session.flush()
    video.media_prefix = f"videos/{video.public_id}/v1-test0000/"
    get_storage().put_file(video.media_prefix + "x-clip.mp4", clip, "video/mp4")
    return publish_ready(video)


def assembled(upload) -> bytes:
    return b"".join(upload.segments[i] for i in sorted(upload.segments))


def test_the_flag_is_read_per_channel():
    assert wants_native_video("sogelive") is True
    assert wants_native_video("temoignages") is False
    assert wants_native_video("no-such-channel") is False


def test_a_channel_with_native_video_posts_the_clip(committed, x_app, fake_x, clip):
    announcement_id, job_id = publish_with_clip("sogelive", clip)

    assert dispatch.execute(job_id) == "done"

    [post] = fake_x.posts
    [media_id] = post.media_ids
    upload = fake_x.uploads[media_id]
    assert upload.state == "succeeded" and assembled(upload) == clip.read_bytes()
    row = announcement(announcement_id)
    assert (row.status, row.post_id, row.error) == (AnnouncementStatus.POSTED, post.id, None)

    # Delivered again after a crash: the row is posted, so nothing is uploaded or posted again.
    db.session.execute(sa.update(Job).where(Job.id == job_id).values(state=JobState.PENDING))
    db.session.commit()
    assert dispatch.execute(job_id) == "done"
    assert len(fake_x.uploads) == 1 and len(fake_x.posts) == 1


def test_a_channel_without_the_flag_posts_only_the_link(committed, x_app, fake_x, clip):
    announcement_id, job_id = publish_with_clip("temoignages", clip)

    assert dispatch.execute(job_id) == "done"

    assert fake_x.uploads == {}
    assert [p.media_ids for p in fake_x.posts] == [()]
    assert announcement(announcement_id).status is AnnouncementStatus.POSTED


def test_a_clip_x_refuses_is_left_out_with_a_note(committed, x_app, fake_x, long_clip):
    announcement_id, job_id = publish_with_clip("sogelive", long_clip)

    assert dispatch.execute(job_id) == "done"

    [upload] = fake_x.uploads.values()
    assert upload.state == "failed"
    assert [p.media_ids for p in fake_x.posts] == [()]
    row = announcement(announcement_id)
    assert row.status is AnnouncementStatus.POSTED and row.post_id == fake_x.posts[0].id
    assert row.error.startswith(VIDEO_LEFT_OUT) and "Duration too long" in row.error


def test_x_unavailable_during_the_upload_retries_later(committed, x_app, fake_x, clip):
    announcement_id, job_id = publish_with_clip("sogelive", clip)
    fake_x.fail_next(503, path=AN_UPLOADS_OWN_PATH)
    before = utcnow()

    assert dispatch.execute(job_id) == "released"
    row = announcement(announcement_id)
    assert row.status is AnnouncementStatus.SENDING and "503" in row.error
    assert fake_x.posts == []
    db.session.expire_all()
    assert db.session.get(Job, job_id).last_sent_at > before  # retried later, not at once
    db.session.execute(sa.update(Job).where(Job.id == job_id)
                       .values(last_sent_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()  # as if the backoff had passed

    assert dispatch.execute(job_id) == "done"

    [post] = fake_x.posts
    [media_id] = post.media_ids
    assert fake_x.uploads[media_id].state == "succeeded"
    assert assembled(fake_x.uploads[media_id]) == clip.read_bytes()
    row = announcement(announcement_id)
    assert (row.status, row.post_id, row.attempts, row.error) == (
        AnnouncementStatus.POSTED, post.id, 2, None)
