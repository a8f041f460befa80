"""Redis, the one way: which URLs name it, and a client with bounded timeouts.

The broker, the rate limiter, session revocation, view counts and the metrics' queue
lengths all talk to Redis in production; each asks here, so a `rediss://` URL or a timeout
is handled the same everywhere.
"""

from __future__ import annotations

import redis

REDIS_SCHEMES = ("redis://", "rediss://")
TIMEOUT_SECONDS = 2.0


def is_redis_url(url: str | None) -> bool:
    return (url or "").startswith(REDIS_SCHEMES)


def redis_client(url: str, timeout: float | None = TIMEOUT_SECONDS) -> redis.Redis:
    """A client for `url`; every connect and command gives up after `timeout` seconds
    (None: wait as long as it takes)."""
    return redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
