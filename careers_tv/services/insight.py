"""Audience figures for the portal, read from `view_days` (one row per video and UTC day,
written by the view flush in services/view_counts.py).

Each function runs a fixed number of statements whatever the number of videos or days:
the sums are grouped in SQL and the days without views are filled in here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import lazyload

from ..extensions import db
from ..models import Channel, Video, ViewDay
from .view_counts import utc_today

Series = list[tuple[date, int]]


@dataclass(frozen=True)
class TopVideo:
    video: Video
    views: int


def _days(days: int, today: date | None) -> list[date]:
    last = today or utc_today()
    return [last - timedelta(days=n) for n in range(days - 1, -1, -1)]


def _filled(span: list[date], found: dict[date, int]) -> Series:
    return [(day, found.get(day, 0)) for day in span]


def daily_views_by_channel(days: int = 30, today: date | None = None
                           ) -> list[tuple[Channel, Series]]:
    """For every channel (in the portal's order), its views on each of the last `days` days,
    oldest first, today included. Two statements."""
    span = _days(days, today)
    channels = db.session.scalars(sa.select(Channel).order_by(Channel.position, Channel.id)).all()
    rows = db.session.execute(
        sa.select(Video.channel_id, ViewDay.day, sa.func.sum(ViewDay.views))
        .join(Video, Video.id == ViewDay.video_id)
        .where(ViewDay.day.between(span[0], span[-1]))
        .group_by(Video.channel_id, ViewDay.day)
    )
    found: dict[int, dict[date, int]] = {}
    for channel_id, day, views in rows:
        found.setdefault(channel_id, {})[day] = int(views)
    return [(channel, _filled(span, found.get(channel.id, {}))) for channel in channels]


def daily_views(video: Video, days: int = 30, today: date | None = None) -> Series:
    """`video`'s views on each of the last `days` days, oldest first. One statement."""
    span = _days(days, today)
    rows = db.session.execute(
        sa.select(ViewDay.day, ViewDay.views)
        .where(ViewDay.video_id == video.id, ViewDay.day.between(span[0], span[-1]))
    )
    return _filled(span, {day: int(views) for day, views in rows})


def month_start(today: date | None = None) -> date:
    return (today or utc_today()).replace(day=1)


def _next_month(start: date) -> date:
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1)


def top_videos(month_start: date, limit: int = 10) -> list[TopVideo]:
    """The most viewed videos in the calendar month starting on `month_start`, with their
    views in that month (not their all-time count). One statement."""
    start = month_start.replace(day=1)
    views = sa.func.sum(ViewDay.views).label("views")
    top = (
        sa.select(ViewDay.video_id, views)
        .where(ViewDay.day >= start, ViewDay.day < _next_month(start))
        .group_by(ViewDay.video_id)
        .order_by(views.desc(), ViewDay.video_id)
        .limit(limit)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(Video, top.c.views)
        .join(top, top.c.video_id == Video.id)
        .options(lazyload(Video.tags))  # the list shows no tags: spare the selectin query
        .order_by(top.c.views.desc(), Video.id)
    )
    return [TopVideo(video, int(count)) for video, count in rows]
