"""The one clock: aware UTC datetimes, everywhere a time is stored or compared."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
