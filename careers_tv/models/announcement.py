from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..extensions import db
from ._types import UTCDateTime, str_enum


class AnnouncementStatus(enum.Enum):
    PENDING = "pending"
    SENDING = "sending"
    POSTED = "posted"
    FAILED = "failed"
    SKIPPED = "skipped"


class Announcement(db.Model):
    """The outbox row for one post on one X account; one per video and account."""

    __tablename__ = "announcements"
    __table_args__ = (sa.UniqueConstraint("video_id", "account"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    video_id: Mapped[int] = mapped_column(sa.ForeignKey("videos.id", ondelete="CASCADE"))
    account: Mapped[str] = mapped_column(sa.String(64), default="default")
    language: Mapped[str] = mapped_column(sa.String(8), default="fr")
    status: Mapped[AnnouncementStatus] = mapped_column(
        str_enum(AnnouncementStatus, "announcement_status"),
        default=AnnouncementStatus.PENDING,
        index=True,
    )
    text: Mapped[str] = mapped_column(sa.Text, default="")
    post_id: Mapped[str | None] = mapped_column(sa.String(64))
    error: Mapped[str | None] = mapped_column(sa.Text)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    video = relationship("Video")
