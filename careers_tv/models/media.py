"""What a transcode leaves behind for a video: its renditions, its captions and their draft."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..extensions import db
from ._types import UTCDateTime, str_enum


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
    """One caption track. `automatic` tracks are a speech model's draft: labelled so on the
    public player until a person reviews them (the editor's save, or an upload, which a person
    typed), and then `reviewed_by`/`reviewed_at` say who and when."""

    __tablename__ = "captions"
    __table_args__ = (sa.UniqueConstraint("video_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    video_id: Mapped[int] = mapped_column(sa.ForeignKey("videos.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(sa.String(8))
    label: Mapped[str] = mapped_column(sa.String(64))
    storage_key: Mapped[str] = mapped_column(sa.String(512))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    automatic: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    reviewed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    video = relationship("Video", back_populates="captions")
    reviewed_by = relationship("User", lazy="joined")


class DraftState(enum.Enum):
    QUEUED = "queued"
    DRAFTING = "drafting"
    DONE = "done"  # a draft track was written
    NO_SPEECH = "no_speech"  # silence or music: nothing to write
    SKIPPED = "skipped"  # no sound, no model for the language, reviewed captions exist
    FAILED = "failed"


class CaptionDraft(db.Model):
    """Where the automatic captions of a video stand (one row per video, kept after the job):
    what the portal shows beside the transcode's progress."""

    __tablename__ = "caption_drafts"

    video_id: Mapped[int] = mapped_column(
        sa.ForeignKey("videos.id", ondelete="CASCADE"), primary_key=True)
    state: Mapped[DraftState] = mapped_column(str_enum(DraftState, "caption_draft_state"))
    language: Mapped[str | None] = mapped_column(sa.String(8))
    progress: Mapped[int] = mapped_column(default=0)
    # Why, for people: an English template with %(name)s values, as Video.status_message.
    message: Mapped[str | None] = mapped_column(sa.Text)
    params: Mapped[dict[str, str] | None] = mapped_column(sa.JSON)
    cue_count: Mapped[int | None]
    # The speech model's speed on this video: seconds of work per second of audio.
    real_time_factor: Mapped[float | None]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def text(self) -> str | None:
        if self.message and self.params:
            return self.message % self.params
        return self.message
