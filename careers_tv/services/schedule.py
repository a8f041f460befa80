"""Time-driven state changes: scheduled publishing and the end of a speaker's consent.

The periodic tasks in jobs/housekeeping.py call `publish_due` (every minute) and
`unpublish_expired_consents` (hourly); both commit, are safe to run twice, and are safe to run
twice at once: on PostgreSQL each run locks the rows it changes and skips rows another run
holds (SELECT … FOR UPDATE SKIP LOCKED). SQLite (the embedded default, one beat) takes the
plain query; its single writer lock and the one-announcement-per-video constraint cover the rest.

Consent is a date, compared in UTC: on the expiry date itself the video may no longer be public.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import lazyload

from ..clock import utcnow
from ..extensions import db
from ..i18n import N_
from ..models import Video, VideoStatus
from .videos import VideoError, publish

# Rows changed per transaction: bounds how long locks are held when many are due at once.
BATCH_SIZE = 100
# Statuses that say nothing about a video the team is still responsible for.
NOT_EXPIRING_STATUSES = (VideoStatus.DRAFT, VideoStatus.FAILED)


def _as_date(when: date | datetime) -> date:
    if isinstance(when, datetime):
        return when.astimezone(UTC).date() if when.tzinfo else when.date()
    return when


def consent_expired(video: Video, on_date: date | datetime) -> bool:
    return video.consent_expires_on is not None and video.consent_expires_on <= _as_date(on_date)


def consent_blocks_publishing(video: Video, on_date: date | datetime) -> None:
    """Raise VideoError when the video may not be public on `on_date` (its consent ends).

    Call it before publishing now (with today's date) or scheduling (with the chosen time).
    """
    if consent_expired(video, on_date):
        raise VideoError(
            N_("The speaker's consent for this video ends on %(date)s: it cannot be published "
               "on or after that date. Record a renewed consent first."),
            date=video.consent_expires_on.isoformat())


def _lockable(query: sa.Select) -> sa.Select:
    # Without the channel's joined load: LIMIT would wrap the query in a subquery, and the
    # lock belongs on the video rows alone (locking channels would block unrelated work).
    query = query.options(lazyload(Video.channel))
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=Video)
    # Another run may have changed a row since this session last saw it: read what is locked.
    return query.execution_options(populate_existing=True)


CONSENT_EXPIRED_SCHEDULED = N_("Consent expired on %(date)s: the scheduled publication was "
                               "cancelled automatically.")
CONSENT_EXPIRED_PUBLISHED = N_("Consent expired on %(date)s: the video was unpublished "
                               "automatically.")


def _withdraw(video: Video) -> None:
    message = (CONSENT_EXPIRED_SCHEDULED if video.status is VideoStatus.SCHEDULED
               else CONSENT_EXPIRED_PUBLISHED)
    video.transition(VideoStatus.UNPUBLISHED, message,
                     {"date": video.consent_expires_on.isoformat()})
    video.publish_at = None


def publish_due(now: datetime | None = None) -> list[Video]:
    """Publish every scheduled video whose time has come (with its announcement); commits.

    A scheduled video whose consent has ended by now is not published: it becomes
    unpublished with the reason, as `unpublish_expired_consents` would do.
    """
    now = now or utcnow()
    published: list[Video] = []
    while True:
        due = db.session.scalars(_lockable(
            sa.select(Video)
            .where(Video.status == VideoStatus.SCHEDULED, Video.publish_at <= now)
            .order_by(Video.publish_at, Video.id)
            .limit(BATCH_SIZE)
        )).all()
        for video in due:
            if consent_expired(video, now):
                _withdraw(video)
            else:
                publish(video)  # PUBLISHED, and the announcement row in this transaction
                published.append(video)
        db.session.commit()
        if len(due) < BATCH_SIZE:
            return published


def unpublish_expired_consents(today: date | None = None) -> list[Video]:
    """Take down published and scheduled videos whose consent ends today or earlier; commits."""
    today = today or utcnow().date()
    withdrawn: list[Video] = []
    while True:
        expired = db.session.scalars(_lockable(
            sa.select(Video)
            .where(Video.status.in_([VideoStatus.PUBLISHED, VideoStatus.SCHEDULED]),
                   Video.consent_expires_on <= today)
            .order_by(Video.consent_expires_on, Video.id)
            .limit(BATCH_SIZE)
        )).all()
        for video in expired:
            _withdraw(video)
        withdrawn.extend(expired)
        db.session.commit()
        if len(expired) < BATCH_SIZE:
            return withdrawn


def expiring_consents(days: int = 30, today: date | None = None) -> list[Video]:
    """Videos whose consent ends between today and `days` from now, soonest first."""
    today = today or utcnow().date()
    return list(db.session.scalars(
        sa.select(Video)
        .where(Video.consent_expires_on.between(today, today + timedelta(days=days)),
               Video.status.not_in(NOT_EXPIRING_STATUSES))
        .order_by(Video.consent_expires_on, Video.title, Video.id)
    ))
