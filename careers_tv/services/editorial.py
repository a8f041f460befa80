"""The editorial workflow of the portal: who may do what to a video, and doing it.

Contributors upload and edit their own videos until they are published; editors and admins
review, publish, schedule, unpublish, retry and delete any video. Every function here checks
state (the state machine in models/video.py) and leaves the commit to the caller, so a view
commits a change and the jobs it needs together.
"""

from __future__ import annotations

import re
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..announce.compose import Post, announcement_text
from ..extensions import db
from ..i18n import N_
from ..jobs import ledger
from ..links import watch_url
from ..models import Channel, JobKind, Role, Tag, User, Video, VideoStatus
from ..storage import get_storage
from .schedule import consent_blocks_publishing
from .videos import VideoError, publish, queue_transcode

# Statuses in which the person who uploaded a video may still change it.
CONTRIBUTOR_EDITABLE = frozenset({
    VideoStatus.DRAFT, VideoStatus.UPLOADING, VideoStatus.QUEUED, VideoStatus.PROCESSING,
    VideoStatus.READY, VideoStatus.FAILED,
})
POSTER_CANDIDATES_DIR = "poster-candidates/"
METADATA_FIELDS = ("title", "description", "language", "speaker_name", "speaker_title", "entity",
                   "country", "consent_reference", "consent_expires_on")
MAX_TAGS = 12


def announcement_preview(video: Video) -> Post | None:
    """What the post on X will say, while it has not gone out yet (it goes at publishing)."""
    if video.status not in (VideoStatus.READY, VideoStatus.SCHEDULED, VideoStatus.UNPUBLISHED):
        return None
    return announcement_text(video, watch_url(video))


def is_editor(user: User) -> bool:
    return user.has_role(Role.EDITOR)


def can_view(user: User, video: Video) -> bool:
    return is_editor(user) or video.created_by_id == user.id


def can_edit(user: User, video: Video) -> bool:
    return is_editor(user) or (video.created_by_id == user.id
                               and video.status in CONTRIBUTOR_EDITABLE)


def get_channel_by_id(channel_id: int) -> Channel | None:
    return db.session.get(Channel, channel_id)


def start_upload(channel: Channel, title: str, user: User, **metadata) -> Video:
    """A new video waiting for its file: the tus upload that follows names it."""
    from .videos import create_video

    tags = metadata.pop("tags", "")
    video = create_video(channel, title, created_by=user, **_clean(metadata))
    set_tags(video, tags)
    video.transition(VideoStatus.UPLOADING)
    return video


def _clean(fields: dict) -> dict:
    cleaned = {}
    for name, value in fields.items():
        if name not in METADATA_FIELDS and name != "channel":
            raise VideoError(f"unknown field: {name}")
        if isinstance(value, str):
            value = value.strip() or None
        cleaned[name] = value
    if "description" in cleaned:
        cleaned["description"] = cleaned["description"] or ""
    if cleaned.get("country"):
        cleaned["country"] = cleaned["country"].upper()
    return cleaned


def update_metadata(video: Video, *, channel: Channel | None = None,
                    tags: str | list[str] | None = None,
                    **fields) -> None:
    fields = _clean(fields)
    if "title" in fields and not fields["title"]:
        raise VideoError(N_("A video needs a title."))
    for name, value in fields.items():
        setattr(video, name, value)
    if channel is not None:
        video.channel = channel
    if tags is not None:
        set_tags(video, tags)


def set_chapters(video: Video, chapters: list[dict] | None) -> None:
    """The chapters services/chapters.py read (checked there), or None for none."""
    video.chapters = chapters or None


def tag_slug(label: str) -> str:
    return re.sub(r"[^\w]+", "-", label.strip().lower()).strip("-")[:64]


def set_tags(video: Video, text: str | list[str] | None) -> None:
    """Tags from a comma-separated list (the portal's field) or a list of labels (the API,
    where a label may hold a comma); existing tags are reused by their slug."""
    labels = {}
    for label in (text or "").split(",") if isinstance(text, str | None) else text:
        label = " ".join(label.split())[:64]
        if label and tag_slug(label):
            labels.setdefault(tag_slug(label), label)
    if len(labels) > MAX_TAGS:
        raise VideoError(N_("At most %(count)d tags."), count=MAX_TAGS)
    existing = {t.slug: t for t in db.session.scalars(
        sa.select(Tag).where(Tag.slug.in_(list(labels))))} if labels else {}
    video.tags = [existing.get(slug) or Tag(slug=slug, label=label)
                  for slug, label in labels.items()]


def publish_now(video: Video, today: date) -> None:
    if video.status not in (VideoStatus.READY, VideoStatus.SCHEDULED, VideoStatus.UNPUBLISHED):
        raise VideoError(N_("Only a video that is ready (or was unpublished) can be published."))
    consent_blocks_publishing(video, today)
    publish(video)


def schedule(video: Video, at: datetime, now: datetime) -> None:
    if at <= now:
        raise VideoError(N_("Choose a time in the future to schedule the video."))
    if video.status not in (VideoStatus.READY, VideoStatus.SCHEDULED, VideoStatus.UNPUBLISHED):
        raise VideoError(N_("Only a video that is ready (or was unpublished) can be scheduled."))
    consent_blocks_publishing(video, at)
    if video.status is VideoStatus.SCHEDULED:
        video.publish_at = at  # moving the date keeps the status
        return
    publish(video, at=at)


def unpublish(video: Video, reason: str | None = None) -> None:
    if video.status is VideoStatus.SCHEDULED:
        video.transition(VideoStatus.READY, reason)
        video.publish_at = None
        return
    if video.status is not VideoStatus.PUBLISHED:
        raise VideoError(N_("This video is not published."))
    video.transition(VideoStatus.UNPUBLISHED, reason)


def retry(video: Video) -> None:
    if video.status is not VideoStatus.FAILED:
        raise VideoError(N_("Only a failed transcode can be retried."))
    queue_transcode(video)


def delete(video: Video) -> None:
    """Delete the row now; every object under the video's prefixes goes after the commit."""
    for prefix in (f"videos/{video.public_id}/", f"originals/{video.public_id}/"):
        ledger.enqueue(JobKind.PURGE_PREFIX, payload={"prefix": prefix})
    db.session.delete(video)


def poster_candidates(video: Video) -> list[str]:
    if not video.media_prefix:
        return []
    prefix = video.media_prefix + POSTER_CANDIDATES_DIR
    return sorted(key for key in get_storage().list(prefix) if key.endswith(".jpg"))


def choose_poster(video: Video, key: str) -> None:
    if key not in poster_candidates(video) and key != default_poster(video):
        raise VideoError(N_("This picture is not one of the video's poster candidates."))
    video.poster_key = key


def default_poster(video: Video) -> str | None:
    return video.media_prefix + "poster.jpg" if video.media_prefix else None


def master_key(video: Video) -> str | None:
    return video.media_prefix + "master.m3u8" if video.media_prefix else None


def visible_query(user: User, mine: bool = False):
    """Editors and admins see every video (or only theirs); contributors see their own."""
    query = sa.select(Video)
    if mine or not is_editor(user):
        query = query.where(Video.created_by_id == user.id)
    return query


def dashboard_videos(user: User, status: VideoStatus | None = None, mine: bool = False,
                     limit: int = 200) -> list[Video]:
    query = visible_query(user, mine).order_by(Video.updated_at.desc()).limit(limit)
    if status is not None:
        query = query.where(Video.status == status)
    return list(db.session.scalars(query))


def status_counts(user: User, mine: bool = False) -> dict[VideoStatus, int]:
    query = visible_query(user, mine).with_only_columns(Video.status, sa.func.count()).group_by(
        Video.status)
    return dict(db.session.execute(query).all())


def videos_by_public_ids(user: User, public_ids: list[str]) -> list[Video]:
    if not public_ids:
        return []
    return list(db.session.scalars(visible_query(user).where(Video.public_id.in_(public_ids))
                                   .options(selectinload(Video.caption_draft))))
