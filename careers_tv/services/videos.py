"""Videos: creation, staging the original, queueing a transcode, publishing, listing."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from ..clock import utcnow
from ..extensions import db
from ..i18n import N_
from ..jobs import ledger
from ..models import Announcement, Channel, JobKind, User, Video, VideoStatus
from ..storage import get_storage
from . import announcements, transcode_queue


class VideoError(ValueError):
    """A request about a video that cannot be honoured; the message is for people.

    `message` is the English msgid with %(name)s placeholders and `params` their values: the
    portal shows `_(exc.message, **exc.params)`, the CLI and jobs `str(exc)` (no request).
    """

    def __init__(self, message: str, **params) -> None:
        self.message = message
        self.params = params
        super().__init__(message % params if params else message)


def safe_filename(name: str, default: str = "original") -> str:
    """A storage-safe file name: no folders, no control characters, bounded length."""
    name = unicodedata.normalize("NFKD", Path(name.replace("\\", "/")).name)
    name = name.encode("ascii", "ignore").decode()
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip(".-")
    return name[-120:] or default


def original_key(video: Video, filename: str) -> str:
    return f"originals/{video.public_id}/{safe_filename(filename)}"


def get_video(public_id: str) -> Video | None:
    return db.session.scalar(sa.select(Video).where(Video.public_id == public_id))


def create_video(channel: Channel, title: str, *, created_by: User | None = None,
                 **metadata) -> Video:
    title = title.strip()
    if not title:
        raise VideoError(N_("A video needs a title."))
    video = Video(channel=channel, title=title[:200], created_by=created_by, **metadata)
    db.session.add(video)
    db.session.flush()
    return video


def stage_original(video: Video, path: Path, filename: str | None = None) -> str:
    """Keep the uploaded file in storage: it is what every (re)transcode starts from."""
    key = original_key(video, filename or path.name)
    get_storage().put_file(key, path)
    video.original_key = key
    return key


def queue_transcode(video: Video, size_bytes: int | None = None) -> None:
    """Queue (or re-queue) a transcode; committed by the caller, sent after the commit.

    Long videos go to their own queue (`transcode_long`), so a short testimonial is never
    stuck behind a two-hour event replay; and a job's priority is the uploader's backlog,
    so one person's batch of twenty does not hold up everyone else (transcode_queue.py).
    """
    if video.original_key is None:
        raise VideoError(N_("This video has no original file to transcode."))
    if size_bytes is None:
        size_bytes = _original_size(video)
    priority = transcode_queue.uploader_backlog(video)
    video.transition(VideoStatus.QUEUED)
    video.progress = 0
    ledger.enqueue(JobKind.TRANSCODE, queue=transcode_queue.queue_for(video, size_bytes),
                   video_id=video.id, priority=priority)


def _original_size(video: Video) -> int | None:
    try:
        return get_storage().size(video.original_key)
    except Exception:  # routing is a preference: a store that cannot say must not block it
        return None


def publish(video: Video, at: datetime | None = None) -> None:
    """Publish now (with its announcement row, in the same transaction) or schedule."""
    if at is not None and at > utcnow():
        video.transition(VideoStatus.SCHEDULED)
        video.publish_at = at
        return
    video.transition(VideoStatus.PUBLISHED)
    video.published_at = utcnow()
    video.publish_at = None
    exists = db.session.scalar(
        sa.select(Announcement.id).where(Announcement.video_id == video.id,
                                         Announcement.account == "default"))
    if exists is None:  # republishing is not news: one announcement per video and account
        announcement = Announcement(video_id=video.id, account="default",
                                    language=video.language)
        db.session.add(announcement)
        db.session.flush()
        announcements.enqueue(announcement.id)  # sent after this transaction commits
