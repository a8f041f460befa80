"""Portal sessions that end when their owner signs out.

The session lives in a signed cookie: clearing it at sign-out does nothing to a copy taken
earlier (a shared computer, a proxy log, malware), which would stay good until the password
changes. So each sign-in gets a random session id (`_sid`, in the cookie), and signing out,
or changing the password, records that id as revoked for as long as a cookie can live
(PERMANENT_SESSION_LIFETIME). A cookie naming a revoked id, or none, names nobody. Other
devices keep their own ids, and their sessions.

Revoked ids are kept in Redis when the rate limiter's storage is Redis (production, tests:
every gunicorn worker must see them), else in this process (the embedded default runs one);
careers_tv/backends.py chooses at start-up.
With Redis unreachable, a session is judged on what this process revoked itself and the
portal stays up; the outage is logged.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from datetime import timedelta

import redis
from flask import current_app, session

SID = "_sid"
PREFIX = "careers_tv:revoked-session:"

log = logging.getLogger(__name__)


class MemoryRevocations:
    def __init__(self):
        self.until: dict[str, float] = {}
        self.lock = threading.Lock()

    def revoke(self, sid: str, ttl: int) -> None:
        now = time.monotonic()
        with self.lock:
            if len(self.until) > 10_000:  # forget the expired ones now and then
                self.until = {s: t for s, t in self.until.items() if t > now}
            self.until[sid] = now + ttl

    def is_revoked(self, sid: str) -> bool:
        with self.lock:
            until = self.until.get(sid)
        return until is not None and until > time.monotonic()


class RedisRevocations:
    def __init__(self, client: redis.Redis):
        self.client = client
        self.local = MemoryRevocations()  # what this process revoked, should Redis be down

    def revoke(self, sid: str, ttl: int) -> None:
        self.local.revoke(sid, ttl)
        try:
            self.client.set(PREFIX + sid, 1, ex=ttl)
        except redis.RedisError as exc:
            log.error("could not record a revoked session in Redis: %s", exc)

    def is_revoked(self, sid: str) -> bool:
        if self.local.is_revoked(sid):
            return True
        try:
            return bool(self.client.exists(PREFIX + sid))
        except redis.RedisError as exc:
            log.warning("could not check for a revoked session in Redis: %s", exc)
            return False


def revocations() -> MemoryRevocations | RedisRevocations:
    """The app's store of revoked ids (chosen at start-up: careers_tv/backends.py)."""
    return current_app.extensions["revoked_sessions"]


def _lifetime() -> int:
    lifetime = current_app.config["PERMANENT_SESSION_LIFETIME"]
    seconds = lifetime.total_seconds() if isinstance(lifetime, timedelta) else lifetime
    return max(1, int(seconds))


def begin() -> None:
    """Give the session just signed in a new id (after login_user)."""
    session[SID] = secrets.token_urlsafe(24)


def end() -> None:
    """Revoke the current session's id, so no copy of its cookie works again."""
    sid = session.get(SID)
    if isinstance(sid, str) and sid:
        revocations().revoke(sid, _lifetime())


def is_live() -> bool:
    """Whether the current session's id was given at a sign-in and not revoked since."""
    sid = session.get(SID)
    return isinstance(sid, str) and bool(sid) and not revocations().is_revoked(sid)
