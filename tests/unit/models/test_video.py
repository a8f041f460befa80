import re

import pytest
import sqlalchemy as sa

from careers_tv.models import TRANSITIONS, InvalidTransition, Video, VideoStatus, new_public_id
from tests.factories import VideoFactory


def test_public_ids_are_short_url_safe_and_unguessable():
    ids = {new_public_id() for _ in range(5000)}
    assert len(ids) == 5000
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{11}", i) for i in ids)


def test_public_id_is_given_at_creation_and_stays(session):
    video = VideoFactory()
    session.commit()
    first = video.public_id
    video.title = "Renamed"
    session.commit()
    session.expire_all()
    assert session.get(Video, video.id).public_id == first
    assert str(video.id) != first


@pytest.mark.parametrize("path", [
    ["uploading", "queued", "processing", "ready", "published", "unpublished", "published"],
    ["queued", "processing", "failed", "queued", "processing", "ready", "scheduled", "published"],
    ["queued", "processing", "ready", "queued"],
])
def test_allowed_paths(session, path):
    video = VideoFactory()
    for step in path:
        video.transition(VideoStatus(step))
    session.flush()
    assert video.status is VideoStatus(path[-1])


@pytest.mark.parametrize(("start", "to"), [
    ("draft", "published"), ("queued", "published"), ("failed", "published"),
    ("processing", "published"), ("published", "draft"), ("ready", "failed"),
])
def test_forbidden_transitions_are_refused(start, to):
    video = Video(title="t", status=VideoStatus(start))
    with pytest.raises(InvalidTransition, match=f"from {start} to {to}"):
        video.transition(VideoStatus(to))
    assert video.status is VideoStatus(start)


def test_every_status_has_a_way_out_and_only_ready_ones_get_published():
    assert set(TRANSITIONS) == set(VideoStatus)
    reaches_published = {s for s, nexts in TRANSITIONS.items() if VideoStatus.PUBLISHED in nexts}
    assert reaches_published == {VideoStatus.READY, VideoStatus.SCHEDULED,
                                 VideoStatus.UNPUBLISHED}


def test_the_database_refuses_an_unknown_status(session):
    video = VideoFactory()
    session.flush()
    with pytest.raises(sa.exc.DBAPIError):
        session.execute(sa.text("UPDATE videos SET status = 'bogus' WHERE id = :id"),
                        {"id": video.id})
