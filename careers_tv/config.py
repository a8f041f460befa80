"""Settings from environment variables, with embedded defaults.

With nothing set, the app runs as the embedded default: SQLite and media under `instance/`,
a Celery broker that needs no server, X posts recorded but not sent. Production sets
`CAREERS_TV_ENV=production`, and then a missing `SECRET_KEY` stops the app at start.
"""

from __future__ import annotations

import os
from pathlib import Path

from .connections import is_redis_url

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE = PROJECT_ROOT / "instance"

# Task time limits (seconds). The Redis visibility timeout must stay above the longest one,
# or a long transcode is delivered to a second worker while the first is still on it.
TRANSCODE_TIME_LIMIT = 3 * 3600
DEFAULT_TIME_LIMIT = 10 * 60
REDIS_VISIBILITY_TIMEOUT = TRANSCODE_TIME_LIMIT + 3600


class ConfigError(RuntimeError):
    """A setting is missing or wrong; raised at start, never at the first request."""


def _env(environ, name: str, default: str | None = None) -> str | None:
    value = environ.get(name)
    return value if value not in (None, "") else default


def embedded_broker(instance: Path) -> tuple[str, dict]:
    """kombu's filesystem transport: in and out folders must be the same existing folder."""
    folder = instance / "broker"
    processed = folder / "processed"
    processed.mkdir(parents=True, exist_ok=True)
    return "filesystem://", {
        "data_folder_in": str(folder),
        "data_folder_out": str(folder),
        "processed_folder": str(processed),
        "control_folder": str(folder / "control"),
        "store_processed": False,
    }


def load(environ=None, overrides: dict | None = None) -> dict:
    """Build the Flask config mapping from the environment (and explicit overrides)."""
    environ = os.environ if environ is None else environ
    overrides = overrides or {}
    production = _env(environ, "CAREERS_TV_ENV", "development") == "production"
    instance = Path(_env(environ, "CAREERS_TV_INSTANCE", str(DEFAULT_INSTANCE)))

    secret = _env(environ, "SECRET_KEY")
    if secret is None and "SECRET_KEY" not in overrides:
        if production:
            raise ConfigError("SECRET_KEY must be set when CAREERS_TV_ENV=production")
        secret = "dev-only-not-secret"  # noqa: S105 - embedded default, refused in production

    log_format = _env(environ, "LOG_FORMAT", "text").lower()
    if log_format not in ("text", "json"):
        raise ConfigError(f"LOG_FORMAT must be text or json, not {log_format!r}")

    # Who may frame the embed page: CSP frame-ancestors sources, space-separated ("*": anyone).
    frame_ancestors = " ".join((_env(environ, "EMBED_FRAME_ANCESTORS") or "").split()) or "*"
    if any(c in frame_ancestors for c in ";,"):
        raise ConfigError("EMBED_FRAME_ANCESTORS takes sources separated by spaces, "
                          f"not {frame_ancestors!r}")

    broker = _env(environ, "CELERY_BROKER_URL")
    transport_options: dict = {}
    if broker is None:
        broker, transport_options = embedded_broker(instance)
    elif is_redis_url(broker):
        transport_options = {"visibility_timeout": REDIS_VISIBILITY_TIMEOUT}

    config = {
        "PRODUCTION": production,
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": _env(
            environ, "DATABASE_URL", f"sqlite:///{instance / 'careers_tv.sqlite3'}"
        ),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "STORAGE_URL": _env(environ, "STORAGE_URL", (instance / "media").as_uri()),
        "S3_ENDPOINT_URL": _env(environ, "S3_ENDPOINT_URL"),
        "AWS_ACCESS_KEY_ID": _env(environ, "AWS_ACCESS_KEY_ID"),
        "AWS_SECRET_ACCESS_KEY": _env(environ, "AWS_SECRET_ACCESS_KEY"),
        "AWS_REGION": _env(environ, "AWS_REGION", "us-east-1"),
        "MEDIA_BASE_URL": _env(environ, "MEDIA_BASE_URL"),
        "PUBLIC_BASE_URL": _env(environ, "PUBLIC_BASE_URL", "http://127.0.0.1:5000"),
        "CELERY": {
            "broker_url": broker,
            "broker_transport_options": transport_options,
            "broker_connection_retry_on_startup": True,
            "task_ignore_result": True,
            "task_acks_late": True,
            "task_reject_on_worker_lost": True,
            "worker_prefetch_multiplier": 1,
            "task_time_limit": DEFAULT_TIME_LIMIT,
            "task_soft_time_limit": DEFAULT_TIME_LIMIT - 30,
        },
        "TRANSCODE_TIME_LIMIT": TRANSCODE_TIME_LIMIT,
        # Past these (duration once known, else the original's size), a transcode goes to the
        # transcode_long queue: 20 minutes, or 2 GiB (~15 minutes of a phone's 1080p).
        "LONG_VIDEO_SECONDS": int(_env(environ, "LONG_VIDEO_SECONDS", "1200")),
        "LONG_VIDEO_BYTES": int(_env(environ, "LONG_VIDEO_BYTES", str(2 * 1024**3))),
        # How long a claimed job may run before the reconciler treats its worker as dead.
        "JOB_LEASE_SECONDS": int(_env(environ, "JOB_LEASE_SECONDS", "900")),
        # A pending job not picked up within this delay is sent again (its message was lost).
        "JOB_RESEND_AFTER_SECONDS": int(_env(environ, "JOB_RESEND_AFTER_SECONDS", "120")),
        # After a transient error a job waits this long, doubling at each attempt.
        "JOB_RETRY_BACKOFF_SECONDS": float(_env(environ, "JOB_RETRY_BACKOFF_SECONDS", "30")),
        "RECONCILE_EVERY_SECONDS": int(_env(environ, "RECONCILE_EVERY_SECONDS", "60")),
        # Scheduled publishing is promised to the minute.
        "PUBLISH_DUE_EVERY_SECONDS": int(_env(environ, "PUBLISH_DUE_EVERY_SECONDS", "60")),
        "X_API_BASE_URL": _env(environ, "X_API_BASE_URL", "https://api.x.com"),
        "X_CONSUMER_KEY": _env(environ, "X_CONSUMER_KEY"),
        "X_CONSUMER_SECRET": _env(environ, "X_CONSUMER_SECRET"),
        "X_ACCESS_TOKEN": _env(environ, "X_ACCESS_TOKEN"),
        "X_ACCESS_TOKEN_SECRET": _env(environ, "X_ACCESS_TOKEN_SECRET"),
        # A post that got no answer within this is retried; X's duplicate check stops a second.
        "X_TIMEOUT_SECONDS": float(_env(environ, "X_TIMEOUT_SECONDS", "10")),
        # How far ahead the public player (hls.js) fetches, in seconds of video: a viewer who
        # leaves early has not downloaded the whole clip. 0 keeps hls.js's own defaults.
        "PLAYER_BUFFER_SECONDS": int(_env(environ, "PLAYER_BUFFER_SECONDS", "30")),
        # The automatic captions' speech model: a local CTranslate2 Whisper folder (unset: the
        # English-only tiny.en of the `embedded` extra, when installed), and where it runs.
        "CAPTIONS_MODEL": _env(environ, "CAPTIONS_MODEL", ""),
        "CAPTIONS_DEVICE": _env(environ, "CAPTIONS_DEVICE", "auto"),
        # Schedules typed in the portal are read in this time zone (stored in UTC).
        "PORTAL_TIMEZONE": _env(environ, "PORTAL_TIMEZONE", "Europe/Paris"),
        "LANGUAGES": ("fr", "en"),
        "BABEL_DEFAULT_LOCALE": "fr",
        "BABEL_TRANSLATION_DIRECTORIES": str(PROJECT_ROOT / "translations"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "EMBED_FRAME_ANCESTORS": frame_ancestors,
        # Password guessing (careers_tv/ratelimit.py): only wrong passwords count. The count
        # must be shared by every worker in production, so point this at Redis there.
        "RATELIMIT_STORAGE_URI": _env(environ, "RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_STRATEGY": "moving-window",  # "within the last minute", not "this minute"
        "RATELIMIT_KEY_PREFIX": "careers_tv",
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,  # Redis down: limit per worker, still up
        "LOGIN_RATE_LIMIT": _env(environ, "LOGIN_RATE_LIMIT", "10 per minute"),
        "PASSWORD_CHANGE_RATE_LIMIT": _env(environ, "PASSWORD_CHANGE_RATE_LIMIT", "10 per hour"),
        "RATELIMIT_HEADERS_ENABLED": True,  # X-RateLimit-*, and Retry-After on a 429
        # The API: per client address without a token, per token with one.
        "API_RATE_LIMIT": _env(environ, "API_RATE_LIMIT", "300 per minute"),
        "API_TOKEN_RATE_LIMIT": _env(environ, "API_TOKEN_RATE_LIMIT", "1200 per minute"),
        # Careers sites allowed to call the API from their pages (comma-separated origins).
        "API_CORS_ORIGINS": _env(environ, "API_CORS_ORIGINS", ""),
        # Reverse proxies in front of the app whose X-Forwarded-For is trusted (0: none).
        "TRUSTED_PROXY_COUNT": int(_env(environ, "TRUSTED_PROXY_COUNT", "0")),
        # Logs: "text" (embedded default) or "json" (one object per line, for production).
        "LOG_FORMAT": log_format,
        # /metrics: with a token, bearers of it only; without, private networks only.
        "METRICS_TOKEN": _env(environ, "METRICS_TOKEN"),
        "MAX_CONTENT_LENGTH": 64 * 1024 * 1024,
        # Resumable uploads (tus, /api/v1/uploads): the largest file, and the size of the parts
        # staged in storage (at least 5 MiB on S3; the PATCH bodies are not capped by the above).
        "UPLOAD_MAX_BYTES": int(_env(environ, "UPLOAD_MAX_BYTES", str(8 * 1024**3))),
        "UPLOAD_PART_BYTES": int(_env(environ, "UPLOAD_PART_BYTES", str(8 * 1024**2))),
    }
    config.update(overrides)
    return config
