"""What a transcode leaves behind for a video: its renditions and its captions."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..extensions import db
from ._types import UTCDateTime


class Rendition(db.Model):
    __tablename__ = "renditions"
    __table_args__ = (sa.UniqueConstraint("video_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    video_id: Mapped[int] = mapped_column(sa.ForeignKey("videos.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(16))  # "720p"
    width: Mapped[int]
    height: Mapped[int]
    bandwidth: Mapped[int]  # bits per second, as in the master playlist
    codecs: Mapped[str] = mapped_column(sa.String(64))
    playlist_key: Mapped[str] = mapped_column(sa.String(512))

    video = relationship("Video", back_populates="renditions")


class Caption(db.Model):
    __tablename__ = "captions"
    __table_args__ = (sa.UniqueConstraint("video_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    video_id: Mapped[int] = mapped_column(sa.ForeignKey("videos.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(sa.String(8))
    label: Mapped[str] = mapped_column(sa.String(64))
    storage_key: Mapped[str] = mapped_column(sa.String(512))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    video = relationship("Video", back_populates="captions")
