from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class ViewDay(db.Model):
    """Views of one video on one UTC day, added by the same flush that adds to
    `videos.view_count` (services/view_counts.py); the portal's charts read only this."""

    __tablename__ = "view_days"

    video_id: Mapped[int] = mapped_column(sa.ForeignKey("videos.id", ondelete="CASCADE"),
                                          primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, primary_key=True, index=True)
    views: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")

    def __repr__(self) -> str:
        return f"<ViewDay video={self.video_id} {self.day}: {self.views}>"
