"""The announcements the portal lists (newest first, with their video and channel), sending
one (its job), and sending a failed one again."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..announce import outbox
from ..extensions import db
from ..jobs import ledger
from ..models import Announcement, AnnouncementStatus, Job, JobKind, Video

X_POST_URL = "https://x.com/i/web/status/{post_id}"


def recent(status: AnnouncementStatus | None = None, limit: int = 100) -> list[Announcement]:
    query = (sa.select(Announcement)
             .options(joinedload(Announcement.video).joinedload(Video.channel))
             .order_by(Announcement.created_at.desc(), Announcement.id.desc())
             .limit(limit))
    if status is not None:
        query = query.where(Announcement.status == status)
    return list(db.session.scalars(query))


def counts() -> dict[AnnouncementStatus, int]:
    query = sa.select(Announcement.status, sa.func.count()).group_by(Announcement.status)
    return dict(db.session.execute(query).all())


def post_url(announcement: Announcement) -> str | None:
    if not announcement.post_id:
        return None
    return X_POST_URL.format(post_id=announcement.post_id)


def get(announcement_id: int) -> Announcement | None:
    return db.session.get(Announcement, announcement_id)


def enqueue(announcement_id: int) -> Job:
    """The job that sends it, in the caller's transaction; the message goes after its commit."""
    return ledger.enqueue(JobKind.ANNOUNCE, payload={"announcement_id": announcement_id},
                          max_attempts=outbox.JOB_ATTEMPTS)


def retry(announcement: Announcement) -> None:
    """Send a failed announcement again (after the credentials were renewed, or X recovered);
    the caller commits, and the job goes out after the commit."""
    outbox.reopen(announcement)
    enqueue(announcement.id)


def credentials_need_renewing() -> bool:
    return outbox.credentials_need_renewing()
