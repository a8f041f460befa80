"""Scheduled publishing and consent expiry: what the beat tasks change, and what they refuse."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from careers_tv.clock import utcnow
from careers_tv.extensions import db
from careers_tv.models import Announcement, Video, VideoStatus
from careers_tv.services import schedule
from careers_tv.services.videos import VideoError
from tests.factories import VideoFactory

NOW = datetime(2031, 5, 14, 9, 30, tzinfo=UTC)
TODAY = NOW.date()


def announcements(video: Video) -> list[Announcement]:
    return list(db.session.scalars(
        sa.select(Announcement).where(Announcement.video_id == video.id)))


def scheduled(at: datetime, **fields) -> Video:
    return VideoFactory(status=VideoStatus.SCHEDULED, publish_at=at, **fields)


# -- publishing what is due ---------------------------------------------------------------

def test_a_due_video_is_published_with_one_announcement_and_a_future_one_waits(session):
    due = scheduled(NOW - timedelta(minutes=1), language="en")
    exactly_now = scheduled(NOW)
    later = scheduled(NOW + timedelta(minutes=1))

    published = schedule.publish_due(NOW)

    assert {v.id for v in published} == {due.id, exactly_now.id}
    session.expire_all()
    assert due.status is VideoStatus.PUBLISHED and due.publish_at is None
    assert due.published_at is not None
    assert [(a.account, a.language) for a in announcements(due)] == [("default", "en")]
    assert len(announcements(exactly_now)) == 1
    assert later.status is VideoStatus.SCHEDULED and later.publish_at == NOW + timedelta(minutes=1)
    assert announcements(later) == []


def test_running_twice_publishes_nothing_more_and_announces_once(session):
    video = scheduled(NOW - timedelta(hours=1))
    assert [v.id for v in schedule.publish_due(NOW)] == [video.id]
    published_at = video.published_at

    assert schedule.publish_due(NOW) == []
    assert schedule.publish_due(NOW + timedelta(days=1)) == []
    session.expire_all()
    assert video.status is VideoStatus.PUBLISHED and video.published_at == published_at
    assert len(announcements(video)) == 1


def test_the_publication_is_committed(session):
    video = scheduled(NOW - timedelta(minutes=5))
    schedule.publish_due(NOW)
    session.rollback()  # nothing left to roll back: the run committed
    assert session.get(Video, video.id).status is VideoStatus.PUBLISHED


def test_a_due_video_whose_consent_has_ended_is_not_published(session):
    video = scheduled(NOW - timedelta(minutes=5), consent_expires_on=TODAY)
    assert schedule.publish_due(NOW) == []
    session.expire_all()
    assert video.status is VideoStatus.UNPUBLISHED
    assert video.status_text == ("Consent expired on 2031-05-14: the scheduled publication "
                                    "was cancelled automatically.")
    assert announcements(video) == []


def test_only_scheduled_videos_are_touched(session):
    ready = VideoFactory(status=VideoStatus.READY, publish_at=NOW - timedelta(days=1))
    unpublished = VideoFactory(status=VideoStatus.UNPUBLISHED, publish_at=NOW - timedelta(days=1))
    assert schedule.publish_due(NOW) == []
    session.expire_all()
    assert (ready.status, unpublished.status) == (VideoStatus.READY, VideoStatus.UNPUBLISHED)


def test_many_due_videos_are_all_published_in_batches(session, monkeypatch):
    monkeypatch.setattr(schedule, "BATCH_SIZE", 2)
    videos = [scheduled(NOW - timedelta(minutes=n)) for n in range(5)]
    assert len(schedule.publish_due(NOW)) == 5
    session.expire_all()
    assert {v.status for v in videos} == {VideoStatus.PUBLISHED}


def test_a_video_another_run_holds_is_skipped_not_waited_for(app, committed):
    held = scheduled(NOW - timedelta(minutes=2))
    free = scheduled(NOW - timedelta(minutes=1))
    committed.commit()
    held_id, free_id = held.id, free.id
    locked, release = threading.Event(), threading.Event()

    def other_run():  # another publisher, in the middle of its own transaction
        with app.app_context(), db.engine.connect() as conn, conn.begin():
            conn.execute(sa.select(Video.id).where(Video.id == held_id).with_for_update())
            locked.set()
            release.wait(30)

    other = threading.Thread(target=other_run)
    other.start()
    try:
        assert locked.wait(30)
        # Were the row waited for instead of skipped, this would fail instead of hanging.
        db.session.execute(sa.text("SET LOCAL lock_timeout = '10s'"))
        assert [v.id for v in schedule.publish_due(NOW)] == [free_id]
    finally:
        release.set()
        other.join()
    assert db.session.get(Video, held_id).status is VideoStatus.SCHEDULED
    assert [v.id for v in schedule.publish_due(NOW)] == [held_id]
    assert len(announcements(held)) == len(announcements(free)) == 1


# -- consent ------------------------------------------------------------------------------

def test_videos_whose_consent_has_ended_are_unpublished_with_the_reason(session):
    yesterday = TODAY - timedelta(days=1)
    published = VideoFactory(status=VideoStatus.PUBLISHED, consent_expires_on=yesterday)
    ends_today = VideoFactory(status=VideoStatus.PUBLISHED, consent_expires_on=TODAY)
    planned = scheduled(NOW + timedelta(days=3), consent_expires_on=yesterday)
    still_valid = VideoFactory(status=VideoStatus.PUBLISHED,
                               consent_expires_on=TODAY + timedelta(days=1))
    no_date = VideoFactory(status=VideoStatus.PUBLISHED)
    ready = VideoFactory(status=VideoStatus.READY, consent_expires_on=yesterday)

    withdrawn = schedule.unpublish_expired_consents(TODAY)

    assert {v.id for v in withdrawn} == {published.id, ends_today.id, planned.id}
    session.expire_all()
    assert published.status is VideoStatus.UNPUBLISHED
    assert published.status_text == ("Consent expired on 2031-05-13: the video was "
                                        "unpublished automatically.")
    assert ends_today.status_text.startswith("Consent expired on 2031-05-14")
    assert planned.status is VideoStatus.UNPUBLISHED and planned.publish_at is None
    assert "scheduled publication was cancelled" in planned.status_text
    assert still_valid.status is no_date.status is VideoStatus.PUBLISHED
    assert ready.status is VideoStatus.READY
    assert schedule.unpublish_expired_consents(TODAY) == []  # twice is harmless


def test_publishing_on_or_after_the_consent_date_is_refused(session):
    video = VideoFactory(status=VideoStatus.READY, consent_expires_on=date(2031, 6, 1))
    schedule.consent_blocks_publishing(video, date(2031, 5, 31))  # the day before: fine
    schedule.consent_blocks_publishing(video, datetime(2031, 5, 31, 23, 59, tzinfo=UTC))
    for when in (date(2031, 6, 1), date(2031, 7, 1), datetime(2031, 6, 1, 0, 0, tzinfo=UTC)):
        with pytest.raises(VideoError) as refused:
            schedule.consent_blocks_publishing(video, when)
        assert str(refused.value) == (
            "The speaker's consent for this video ends on 2031-06-01: it cannot be published "
            "on or after that date. Record a renewed consent first.")
    without_date = VideoFactory(status=VideoStatus.READY)
    schedule.consent_blocks_publishing(without_date, date(2099, 1, 1))


def test_a_schedule_time_is_judged_by_its_date_in_utc(session):
    video = VideoFactory(status=VideoStatus.READY, consent_expires_on=date(2031, 6, 1))
    paris = datetime(2031, 6, 1, 1, 30, tzinfo=UTC).astimezone(ZoneInfo("Europe/Paris"))
    schedule.consent_blocks_publishing(video, paris - timedelta(hours=2))  # 23:30 UTC on 31st
    with pytest.raises(VideoError):
        schedule.consent_blocks_publishing(video, paris)


def test_expiring_consents_lists_the_next_days_soonest_first(session):
    def video(days: int, status=VideoStatus.PUBLISHED, title="A video") -> Video:
        return VideoFactory(status=status, title=title,
                            consent_expires_on=TODAY + timedelta(days=days))

    in_30 = video(30)
    today = video(0, VideoStatus.UNPUBLISHED)
    in_2_b = video(2, VideoStatus.SCHEDULED, title="B")
    in_2_a = video(2, VideoStatus.READY, title="A")
    video(-1)  # already ended: the consent job has dealt with it
    video(31)  # not yet
    video(3, VideoStatus.DRAFT)
    video(3, VideoStatus.FAILED)
    VideoFactory(status=VideoStatus.PUBLISHED)  # no consent date

    listed = schedule.expiring_consents(days=30, today=TODAY)
    assert [v.id for v in listed] == [today.id, in_2_a.id, in_2_b.id, in_30.id]
    assert [v.id for v in schedule.expiring_consents(days=2, today=TODAY)] == [
        today.id, in_2_a.id, in_2_b.id]


def test_expiring_consents_defaults_to_today_in_utc(session):
    soon = VideoFactory(status=VideoStatus.PUBLISHED,
                        consent_expires_on=utcnow().date() + timedelta(days=10))
    assert soon in schedule.expiring_consents()
