"""Counting views: once per viewer, video and half hour, and cheap for the database.

A view is counted when playback starts (the player sends a beacon). A viewer is a keyed hash
of their address and browser for the day, never stored as such; the same viewer counts once
per video per `DEDUPE_SECONDS`, so reloading the page does not inflate the figure.

With Redis (production, tests) a view costs two Redis commands; a beat task adds what piled
up to `videos.view_count`, one UPDATE per video, every minute. The embedded default has no
Redis and one process: there a view is written at once. A flush that dies between its
commit and its cleanup would count that minute twice: acceptable for a view counter, and
cheaper than a distributed transaction.

The same transaction adds each count to the video's row for the day in `view_days` (one
upsert for the whole batch), which the portal's charts read. The day is the flush's UTC day:
views from the last minute before midnight may land on the next day, which a chart by day
does not show.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
import uuid
from datetime import UTC, date, datetime

import redis
import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..models import Video, ViewDay

DEDUPE_SECONDS = 30 * 60
PENDING = "careers_tv:views:pending"
FLUSHING = "careers_tv:views:flushing:"
SEEN = "careers_tv:views:seen:"


def viewer_id(address: str, user_agent: str, secret: str) -> str:
    """Who is watching, as far as counting goes: the same today, unlinkable tomorrow."""
    day = datetime.now(UTC).date().isoformat()
    message = f"{day}\n{address}\n{user_agent}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:24]


# Rows per upsert statement: 3 parameters a row stays far below SQLite's and PostgreSQL's limits.
UPSERT_ROWS = 1000


def utc_today() -> date:
    return datetime.now(UTC).date()


def _upsert_days(rows: list[dict]) -> None:
    """Add `views` to each (video_id, day) row, creating the rows that are missing."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    for start in range(0, len(rows), UPSERT_ROWS):
        statement = insert(ViewDay).values(rows[start:start + UPSERT_ROWS])
        db.session.execute(statement.on_conflict_do_update(
            index_elements=[ViewDay.video_id, ViewDay.day],
            set_={"views": ViewDay.views + statement.excluded.views},
        ))


def _add(counts: dict[int, int], day: date | None = None) -> int:
    """Add `counts` (video id -> views) to the totals and to `day`'s rows, in one transaction."""
    day = day or utc_today()
    rows = []
    for video_id, count in sorted(counts.items()):  # a fixed order: no deadlock between flushes
        # RETURNING tells which videos still exist: a video deleted since its views were
        # counted gets no day row (its foreign key would fail the whole batch).
        found = db.session.execute(sa.update(Video).where(Video.id == video_id)
                                   .values(view_count=Video.view_count + count)
                                   .returning(Video.id)).scalar()
        if found is not None:
            rows.append({"video_id": video_id, "day": day, "views": count})
    if rows:
        _upsert_days(rows)
    db.session.commit()
    return sum(row["views"] for row in rows)


class RedisViewCounter:
    def __init__(self, client: redis.Redis):
        self.client = client

    def count(self, video_id: int, viewer: str) -> bool:
        if not self.client.set(f"{SEEN}{video_id}:{viewer}", 1, nx=True, ex=DEDUPE_SECONDS):
            return False
        self.client.hincrby(PENDING, str(video_id), 1)
        return True

    def flush(self, day: date | None = None) -> int:
        """Add the views that piled up to the database (on `day`, by default today in UTC);
        returns how many were added."""
        # Batches a dead flush left behind first, then the current one, renamed away so that
        # views arriving meanwhile start a new batch.
        keys = [k.decode() for k in self.client.scan_iter(f"{FLUSHING}*")]
        batch = f"{FLUSHING}{uuid.uuid4().hex}"
        try:
            self.client.rename(PENDING, batch)
            keys.append(batch)
        except redis.ResponseError:  # nothing pending
            pass
        added = 0
        for key in keys:
            counts = {int(k): int(v) for k, v in self.client.hgetall(key).items()}
            if counts:
                added += _add(counts, day)
            self.client.delete(key)
        return added


class DirectViewCounter:
    """The embedded default: one process, so the dedupe window lives in memory."""

    def __init__(self):
        self.seen: dict[tuple[int, str], float] = {}
        self.lock = threading.Lock()

    def count(self, video_id: int, viewer: str, day: date | None = None) -> bool:
        now = time.monotonic()
        with self.lock:
            if len(self.seen) > 100_000:  # forget the expired ones now and then
                self.seen = {k: t for k, t in self.seen.items() if now - t < DEDUPE_SECONDS}
            last = self.seen.get((video_id, viewer))
            if last is not None and now - last < DEDUPE_SECONDS:
                return False
            self.seen[(video_id, viewer)] = now
        _add({video_id: 1}, day)
        return True

    def flush(self, day: date | None = None) -> int:
        return 0


def counter() -> RedisViewCounter | DirectViewCounter:
    """The app's counter: Redis when the broker is Redis, else direct (careers_tv/backends.py)."""
    return current_app.extensions["view_counter"]


def count_view(video: Video, address: str, user_agent: str) -> bool:
    """Count a view of `video` unless this viewer was counted lately; True if counted."""
    viewer = viewer_id(address, user_agent, current_app.config["SECRET_KEY"])
    return counter().count(video.id, viewer)


def flush_views(day: date | None = None) -> int:
    """Add the views that piled up; `day` (default: today in UTC) is for tests and replays."""
    return counter().flush(day)
