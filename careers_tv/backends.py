"""The shared-state backends, chosen once at start-up from the configuration (as warehouse's
`includeme` does): Redis when the settings name it (production, the tests: every process
must see the same state), in-process otherwise (the embedded default runs one process).

- view counts: `app.extensions["view_counter"]` (services/view_counts.py);
- the players' playback reports: `app.extensions["playback_recorder"]`
  (services/playback_quality.py), buffered where the view counts are;
- revoked portal sessions: `app.extensions["revoked_sessions"]` (services/sessions.py);
- the X account announcements go out from, or None: `app.extensions["x_account"]`.

Nothing connects here: Redis clients connect on first use.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask

from .announce.x_client import XAccount
from .connections import is_redis_url, redis_client
from .services.playback_quality import DirectPlaybackRecorder, RedisPlaybackRecorder
from .services.sessions import MemoryRevocations, RedisRevocations
from .services.view_counts import DirectViewCounter, RedisViewCounter

X_CREDENTIAL_KEYS = ("X_CONSUMER_KEY", "X_CONSUMER_SECRET", "X_ACCESS_TOKEN",
                     "X_ACCESS_TOKEN_SECRET")


def choose_x_account(config: Mapping) -> XAccount | None:
    """The configured X account; None until all four keys are set (posts are then composed
    and shown in the portal, not sent)."""
    credentials = tuple(config.get(key) or "" for key in X_CREDENTIAL_KEYS)
    if not all(credentials):
        return None
    return XAccount(config["X_API_BASE_URL"], credentials, timeout=config["X_TIMEOUT_SECONDS"])


def init_backends(app: Flask) -> None:
    config = app.config
    broker = config["CELERY"]["broker_url"]
    app.extensions["view_counter"] = (
        RedisViewCounter(redis_client(broker)) if is_redis_url(broker) else DirectViewCounter())
    app.extensions["playback_recorder"] = (
        RedisPlaybackRecorder(redis_client(broker)) if is_redis_url(broker)
        else DirectPlaybackRecorder())
    # Revocations live where the rate limiter counts: shared by every worker in production.
    limits = config.get("RATELIMIT_STORAGE_URI")
    app.extensions["revoked_sessions"] = (
        RedisRevocations(redis_client(limits)) if is_redis_url(limits) else MemoryRevocations())
    app.extensions["x_account"] = choose_x_account(config)
