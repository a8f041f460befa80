from __future__ import annotations

import enum
import secrets
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..extensions import db
from ._types import UTCDateTime, str_enum


class VideoStatus(enum.Enum):
    DRAFT = "draft"
    UPLOADING = "uploading"
    QUEUED = "queued"
    PROCESSING = "processing"
    READY = "ready"
    SCHEDULED = "scheduled"
    PUBLISHED = "published"
    UNPUBLISHED = "unpublished"
    FAILED = "failed"


S = VideoStatus
# Which status may follow which. Anything else is a bug or a race, refused loudly.
TRANSITIONS: dict[VideoStatus, frozenset[VideoStatus]] = {
    S.DRAFT: frozenset({S.UPLOADING, S.QUEUED, S.FAILED}),
    S.UPLOADING: frozenset({S.QUEUED, S.FAILED, S.DRAFT}),
    S.QUEUED: frozenset({S.PROCESSING, S.FAILED}),
    S.PROCESSING: frozenset({S.READY, S.FAILED, S.QUEUED}),
    S.READY: frozenset({S.SCHEDULED, S.PUBLISHED, S.QUEUED}),
    S.SCHEDULED: frozenset({S.PUBLISHED, S.READY, S.UNPUBLISHED}),
    S.PUBLISHED: frozenset({S.UNPUBLISHED}),
    S.UNPUBLISHED: frozenset({S.PUBLISHED, S.SCHEDULED, S.QUEUED}),
    S.FAILED: frozenset({S.QUEUED}),
}


class Visibility(enum.Enum):
    PUBLIC = "public"
    UNLISTED = "unlisted"


class InvalidTransition(ValueError):
    def __init__(self, current: VideoStatus, wanted: VideoStatus):
        super().__init__(f"a video cannot go from {current.value} to {wanted.value}")
        self.current, self.wanted = current, wanted


def new_public_id() -> str:
    """11 URL-safe characters from 64 random bits: short, unguessable, never reused."""
    return secrets.token_urlsafe(8)


video_tags = sa.Table(
    "video_tags",
    db.metadata,
    sa.Column("video_id", sa.ForeignKey("videos.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("tag_id", sa.ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
)


class Tag(db.Model):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(64), unique=True)
    label: Mapped[str] = mapped_column(sa.String(64))


class Video(db.Model):
    __tablename__ = "videos"
    __table_args__ = (
        sa.CheckConstraint("progress >= 0 AND progress <= 100", name="progress_range"),
        sa.Index("ix_videos_channel_status_published", "channel_id", "status", "published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(16), unique=True, default=new_public_id)
    channel_id: Mapped[int] = mapped_column(sa.ForeignKey("channels.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    language: Mapped[str] = mapped_column(sa.String(8), default="fr")
    speaker_name: Mapped[str | None] = mapped_column(sa.String(200))
    speaker_title: Mapped[str | None] = mapped_column(sa.String(200))
    entity: Mapped[str | None] = mapped_column(sa.String(120))
    country: Mapped[str | None] = mapped_column(sa.String(2))
    visibility: Mapped[Visibility] = mapped_column(
        str_enum(Visibility, "video_visibility"), default=Visibility.PUBLIC
    )

    status: Mapped[VideoStatus] = mapped_column(
        str_enum(VideoStatus, "video_status"), default=VideoStatus.DRAFT, index=True
    )
    # Why the video is in its status, for people: an English sentence with %(name)s
    # placeholders and their values, so each reader gets it in their language (status_text is
    # the English; the portal's `status_note` filter translates).
    status_message: Mapped[str | None] = mapped_column(sa.Text)
    status_params: Mapped[dict[str, str] | None] = mapped_column(sa.JSON)
    progress: Mapped[int] = mapped_column(default=0)

    original_key: Mapped[str | None] = mapped_column(sa.String(512))
    media_prefix: Mapped[str | None] = mapped_column(sa.String(512))
    media_version: Mapped[int] = mapped_column(default=0)
    poster_key: Mapped[str | None] = mapped_column(sa.String(512))
    # The few-second muted MP4 a card plays on hover, written by the transcode (None before).
    preview_key: Mapped[str | None] = mapped_column(sa.String(512))
    duration_seconds: Mapped[float | None]
    width: Mapped[int | None]
    height: Mapped[int | None]

    publish_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The editor's chapters, in order: [{"start": seconds, "title": "Intro"}, …] (None: none).
    chapters: Mapped[list[dict] | None] = mapped_column(sa.JSON)
    consent_reference: Mapped[str | None] = mapped_column(sa.String(120))
    consent_expires_on: Mapped[date | None]
    # Added up from Redis every minute (services/view_counts.py), never per request.
    view_count: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")

    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    channel = relationship("Channel", back_populates="videos", lazy="joined")
    created_by = relationship("User", lazy="select")
    tags = relationship("Tag", secondary=video_tags, lazy="selectin", order_by="Tag.slug")
    renditions = relationship(
        "Rendition", back_populates="video", cascade="all, delete-orphan", lazy="select",
        order_by="Rendition.height.desc()",
    )
    captions = relationship(
        "Caption", back_populates="video", cascade="all, delete-orphan", lazy="select"
    )
    caption_draft = relationship("CaptionDraft", uselist=False, cascade="all, delete-orphan",
                                 lazy="select")

    def can_become(self, status: VideoStatus) -> bool:
        return status in TRANSITIONS[self.status]

    def transition(self, status: VideoStatus, message: str | None = None,
                   params: dict[str, str] | None = None) -> None:
        """Move along the state machine; the only way code should change `status`."""
        if not self.can_become(status):
            raise InvalidTransition(self.status, status)
        self.status = status
        self.status_message = message
        self.status_params = params or None

    @property
    def status_text(self) -> str | None:
        """The status message in English, its values filled in."""
        if self.status_message and self.status_params:
            return self.status_message % self.status_params
        return self.status_message

    @property
    def is_public(self) -> bool:
        return self.status is VideoStatus.PUBLISHED

    def __repr__(self) -> str:
        return f"<Video {self.public_id} {self.status.value}>"
