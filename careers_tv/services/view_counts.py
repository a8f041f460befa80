"""Counting views: once per viewer, video and half hour, and cheap for the database.

A view is counted when playback starts (the player sends a beacon). A viewer is a keyed hash
of their address and browser for the day, never stored as such; the same viewer counts once
per video per `DEDUPE_SECONDS`, so reloading the page does not inflate the figure.

With Redis (production, tests) a view costs two Redis commands; a beat task adds what piled
up to `videos.view_count`, one UPDATE per video, every minute. The embedded default has no
Redis and one process: there a view is written at once. A flush that dies between its
commit and its cleanup would count that minute twice: acceptable for a view counter, and
cheaper than a distributed transaction.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
import uuid
from datetime import UTC, datetime

import redis
import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..models import Video

DEDUPE_SECONDS = 30 * 60
PENDING = "careers_tv:views:pending"
FLUSHING = "careers_tv:views:flushing:"
SEEN = "careers_tv:views:seen:"


def viewer_id(address: str, user_agent: str, secret: str) -> str:
    """Who is watching, as far as counting goes: the same today, unlinkable tomorrow."""
    day = datetime.now(UTC).date().isoformat()
    message = f"{day}\n{address}\n{user_agent}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:24]


def _add(counts: dict[int, int]) -> int:
    for video_id, count in sorted(counts.items()):  # a fixed order: no deadlock between flushes
        db.session.execute(sa.update(Video).where(Video.id == video_id)
                           .values(view_count=Video.view_count + count))
    db.session.commit()
    return sum(counts.values())


class RedisViewCounter:
    def __init__(self, client: redis.Redis):
        self.client = client

    def count(self, video_id: int, viewer: str) -> bool:
        if not self.client.set(f"{SEEN}{video_id}:{viewer}", 1, nx=True, ex=DEDUPE_SECONDS):
            return False
        self.client.hincrby(PENDING, str(video_id), 1)
        return True

    def flush(self) -> int:
        """Add the views that piled up to the database; returns how many were added."""
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
                added += _add(counts)
            self.client.delete(key)
        return added


class DirectViewCounter:
    """The embedded default: one process, so the dedupe window lives in memory."""

    def __init__(self):
        self.seen: dict[tuple[int, str], float] = {}
        self.lock = threading.Lock()

    def count(self, video_id: int, viewer: str) -> bool:
        now = time.monotonic()
        with self.lock:
            if len(self.seen) > 100_000:  # forget the expired ones now and then
                self.seen = {k: t for k, t in self.seen.items() if now - t < DEDUPE_SECONDS}
            last = self.seen.get((video_id, viewer))
            if last is not None and now - last < DEDUPE_SECONDS:
                return False
            self.seen[(video_id, viewer)] = now
        _add({video_id: 1})
        return True

    def flush(self) -> int:
        return 0


def counter():
    """The app's counter: Redis when the broker is Redis, else direct."""
    app = current_app._get_current_object()
    found = app.extensions.get("view_counter")
    if found is None:
        broker = app.config["CELERY"]["broker_url"]
        if broker.startswith(("redis://", "rediss://")):
            found = RedisViewCounter(redis.Redis.from_url(broker))
        else:
            found = DirectViewCounter()
        app.extensions["view_counter"] = found
    return found


def count_view(video: Video, address: str, user_agent: str) -> bool:
    """Count a view of `video` unless this viewer was counted lately; True if counted."""
    viewer = viewer_id(address, user_agent, current_app.config["SECRET_KEY"])
    return counter().count(video.id, viewer)


def flush_views() -> int:
    return counter().flush()
