"""Public videos a page at a time for the API: keyset ("cursor") pagination.

A page ends with a cursor naming its last video's sort key and id; the next page starts after
that key. Unlike page numbers, this stays stable while videos are being published: a video
published meanwhile is newer than every key already seen (newest first), so no video is
shown twice and none is skipped. Only public, published videos are ever listed: drafts and
unlisted videos never appear here, whoever asks.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from ..extensions import db
from ..models import Channel, Tag, Video, video_tags
from .catalogue import Filters, is_listed, listing_conditions

# sort name -> (column, ascending)
SORTS = {
    "newest": (Video.published_at, False),
    "oldest": (Video.published_at, True),
    "title": (Video.title, True),
}


class BadCursor(ValueError):
    """A cursor this server did not write, or written for another sort."""


@dataclass(frozen=True)
class CursorPage:
    items: list[Video]
    next_cursor: str | None


def _encode(sort: str, video: Video) -> str:
    column, _ascending = SORTS[sort]
    key = getattr(video, column.key)
    raw = json.dumps([sort, key.isoformat() if isinstance(key, datetime) else key, video.id])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str, sort: str) -> tuple[object, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        cursor_sort, key, video_id = json.loads(raw)
        if cursor_sort != sort:
            raise BadCursor("this cursor belongs to another sort order")
        if not isinstance(video_id, int) or not isinstance(key, str):
            raise BadCursor("this is not a cursor from this API")
        if SORTS[sort][0] is Video.published_at:
            key = datetime.fromisoformat(key)
            if key.tzinfo is None:
                raise BadCursor("this is not a cursor from this API")
        return key, video_id
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError) as exc:
        if isinstance(exc, BadCursor):
            raise
        raise BadCursor("this is not a cursor from this API") from exc


def _after(sort: str, key: object, video_id: int) -> sa.ColumnElement[bool]:
    column, ascending = SORTS[sort]
    if ascending:
        return sa.or_(column > key, sa.and_(column == key, Video.id > video_id))
    return sa.or_(column < key, sa.and_(column == key, Video.id < video_id))


def videos_page(*, channel: Channel | None = None, filters: Filters | None = None,
                speaker: str | None = None, sort: str = "newest", limit: int = 24,
                cursor: str | None = None) -> CursorPage:
    """One page of public videos; the cursor, if any, says where the previous page ended."""
    column, ascending = SORTS[sort]
    filters = filters or Filters()
    conditions = listing_conditions(channel, filters)
    if speaker:
        conditions.append(sa.func.lower(Video.speaker_name) == speaker.strip().lower())
    if cursor:
        conditions.append(_after(sort, *_decode(cursor, sort)))
    order = (column.asc(), Video.id.asc()) if ascending else (column.desc(), Video.id.desc())
    rows = list(db.session.scalars(
        sa.select(Video).where(*conditions).order_by(*order).limit(limit + 1)).unique())
    items = rows[:limit]
    more = len(rows) > limit
    return CursorPage(items=items, next_cursor=_encode(sort, items[-1]) if more else None)


def tag_counts(channel: Channel | None = None) -> list[tuple[Tag, int]]:
    """Tags on public videos (of a channel, or of all), with how many; most used first."""
    count = sa.func.count(Video.id).label("videos")
    query = (sa.select(Tag, count)
             .join(video_tags, video_tags.c.tag_id == Tag.id)
             .join(Video, Video.id == video_tags.c.video_id)
             .where(is_listed())
             .group_by(Tag.id)
             .order_by(count.desc(), Tag.label, Tag.slug))
    if channel is not None:
        query = query.where(Video.channel_id == channel.id)
    return [(tag, videos) for tag, videos in db.session.execute(query)]


def public_counts() -> dict[int, int]:
    """How many public videos each channel lists."""
    rows = db.session.execute(
        sa.select(Video.channel_id, sa.func.count(Video.id)).where(is_listed())
        .group_by(Video.channel_id))
    return dict(rows.all())
