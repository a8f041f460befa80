"""View counts: a reload does not count twice, and the database sees one UPDATE a minute."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from careers_tv.extensions import db
from careers_tv.handlers import housekeeping
from careers_tv.models import Video, VideoStatus
from careers_tv.services import view_counts
from tests.factories import VideoFactory

PHONE = {"REMOTE_ADDR": "203.0.113.7", "HTTP_USER_AGENT": "Mozilla/5.0 (iPhone)"}
LAPTOP = {"REMOTE_ADDR": "198.51.100.20", "HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux)"}


@pytest.fixture
def published(committed):
    video = VideoFactory(status=VideoStatus.PUBLISHED, published_at=datetime.now(UTC))
    draft = VideoFactory(status=VideoStatus.READY)
    committed.commit()
    yield video.id, video.public_id, draft.public_id


def views_of(video_id: int) -> int:
    db.session.expire_all()
    return db.session.get(Video, video_id).view_count


def test_a_reload_counts_once_and_the_flush_adds_up(app, published, pending):
    video_id, public_id, _ = published
    client = app.test_client()
    for environ in (PHONE, PHONE, PHONE, LAPTOP):  # the phone reloads twice
        response = client.post(f"/videos/{public_id}/views", environ_base=environ)
        assert response.status_code == 204
    assert views_of(video_id) == 0  # nothing written per view: it waits for the flush
    assert int(pending.hget(view_counts.PENDING, str(video_id))) == 2

    assert housekeeping.add_up_views.apply().get() == 2
    assert views_of(video_id) == 2
    assert not pending.exists(view_counts.PENDING)
    assert housekeeping.add_up_views.apply().get() == 0  # nothing counted twice


def test_a_flush_that_died_is_picked_up_by_the_next(app, published, pending):
    video_id, public_id, _ = published
    app.test_client().post(f"/videos/{public_id}/views", environ_base=PHONE)
    pending.rename(view_counts.PENDING, view_counts.FLUSHING + "crashed")  # renamed, not added
    with app.app_context():
        assert view_counts.flush_views() == 1
    assert views_of(video_id) == 1


def test_only_published_videos_take_views(app, published, pending):
    _, _, draft = published
    assert app.test_client().post(f"/videos/{draft}/views").status_code == 404
    assert app.test_client().post("/videos/nope/views").status_code == 404
    assert not pending.exists(view_counts.PENDING)


def test_the_embedded_default_writes_at_once_and_dedupes_in_memory(app, published):
    video_id, _, _ = published
    counter = view_counts.DirectViewCounter()
    with app.app_context():
        assert counter.count(video_id, "viewer-a") is True
        assert counter.count(video_id, "viewer-a") is False
        assert counter.count(video_id, "viewer-b") is True
    assert views_of(video_id) == 2


def test_a_viewer_is_not_stored_as_an_address():
    first = view_counts.viewer_id("203.0.113.7", "Firefox", "secret")
    assert "203.0.113.7" not in first and len(first) == 24
    assert first == view_counts.viewer_id("203.0.113.7", "Firefox", "secret")
    assert first != view_counts.viewer_id("203.0.113.7", "Firefox", "other secret")
