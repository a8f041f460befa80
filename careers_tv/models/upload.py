from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import utcnow
from ..extensions import db
from ._types import UTCDateTime, str_enum


class UploadStatus(enum.Enum):
    RECEIVING = "receiving"
    COMPLETE = "complete"
    ABORTED = "aborted"


class Upload(db.Model):
    """One resumable (tus) upload: how far it got and where its bytes are staged."""

    __tablename__ = "uploads"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    video_id: Mapped[int | None] = mapped_column(sa.ForeignKey("videos.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(sa.String(255), default="")
    length: Mapped[int] = mapped_column(sa.BigInteger)
    offset: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    storage_key: Mapped[str] = mapped_column(sa.String(512))
    multipart_id: Mapped[str | None] = mapped_column(sa.String(1024))
    parts: Mapped[list] = mapped_column(sa.JSON, default=list)
    upload_metadata: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    status: Mapped[UploadStatus] = mapped_column(
        str_enum(UploadStatus, "upload_status"), default=UploadStatus.RECEIVING
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
