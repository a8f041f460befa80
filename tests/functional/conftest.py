"""Fixtures shared by the functional tests of one concern or more."""

from __future__ import annotations

import pytest
import redis

from careers_tv.services import view_counts


@pytest.fixture
def pending(redis_url):
    """Redis as the view counter sees it: nothing waiting before, nothing left after."""
    client = redis.Redis.from_url(redis_url)
    client.delete(view_counts.PENDING)
    yield client
    for key in client.scan_iter("careers_tv:views:*"):
        client.delete(key)
