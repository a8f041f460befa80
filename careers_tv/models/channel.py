from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..extensions import db
from ._types import UTCDateTime


class Channel(db.Model):
    __tablename__ = "channels"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name_fr: Mapped[str] = mapped_column(sa.String(120))
    name_en: Mapped[str] = mapped_column(sa.String(120))
    description_fr: Mapped[str] = mapped_column(sa.Text, default="")
    description_en: Mapped[str] = mapped_column(sa.Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    hashtag: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    videos = relationship("Video", back_populates="channel", lazy="raise_on_sql")

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_fr

    def description(self, locale: str) -> str:
        return self.description_en if locale == "en" else self.description_fr

    def __repr__(self) -> str:
        return f"<Channel {self.slug}>"
