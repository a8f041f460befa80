from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class PlaybackDay(db.Model):
    """How playback went for one video on one UTC day, summed from the players' reports
    (services/playback_quality.py, flushed from Redis like the view counts). No viewer is
    stored: only sums."""

    __tablename__ = "playback_days"

    video_id: Mapped[int] = mapped_column(sa.ForeignKey("videos.id", ondelete="CASCADE"),
                                          primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, primary_key=True, index=True)
    reports: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")
    watched_ms: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")
    rebuffer_count: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")
    rebuffer_ms: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")
    fatal_errors: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")

    def __repr__(self) -> str:
        return f"<PlaybackDay video={self.video_id} {self.day}: {self.reports} reports>"


class StartupBucket(db.Model):
    """One bar of a day's histogram of startup times, for one video: how many plays started
    within the bucket's range (services/playback_quality.py: BUCKETS). Percentiles come
    from the histogram, so no single time is ever kept."""

    __tablename__ = "playback_startup_buckets"

    video_id: Mapped[int] = mapped_column(sa.ForeignKey("videos.id", ondelete="CASCADE"),
                                          primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, primary_key=True, index=True)
    bucket: Mapped[int] = mapped_column(sa.SmallInteger, primary_key=True)
    samples: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")

    def __repr__(self) -> str:
        return f"<StartupBucket video={self.video_id} {self.day} #{self.bucket}: {self.samples}>"
