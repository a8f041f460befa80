"""`fake_x`: a fresh fake X API server per test (tests/fakes/x_api.py).

    def test_announce(fake_x, monkeypatch):
        for key, value in fake_x.env.items():      # X_API_BASE_URL and the four keys
            monkeypatch.setenv(key, value)
        fake_x.fail_next(503, times=3)
        ...
        assert [p.text for p in fake_x.posts] == [expected]
"""

from __future__ import annotations

import pytest

from tests.fakes.x_api import FakeX


@pytest.fixture
def fake_x():
    with FakeX() as server:
        yield server
