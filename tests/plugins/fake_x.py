"""The fake X API (tests/fakes/x_api.py): one server for the session, reset for every test.

    def test_announce(fake_x, monkeypatch):
        for key, value in fake_x.env.items():      # X_API_BASE_URL and the four keys
            monkeypatch.setenv(key, value)
        fake_x.fail_next(503, times=3)
        ...
        assert fake_x.post_texts() == [expected]

The port stays the same for the whole session, so a worker process started once can be given
`fake_x_server.env` in its environment and still talk to each test's fresh fake.
"""

from __future__ import annotations

import pytest

from careers_tv.backends import choose_x_account
from tests.fakes.x_api import FakeX


@pytest.fixture(scope="session")
def fake_x_server():
    with FakeX() as server:
        yield server


@pytest.fixture
def fake_x(fake_x_server: FakeX) -> FakeX:
    fake_x_server.reset()
    return fake_x_server


def configure_x(app, monkeypatch, **settings) -> None:
    """Change the app's X settings for one test, as a restart with them would: the account
    is chosen at start-up (careers_tv/backends.py), so it is chosen again here."""
    for key, value in settings.items():
        monkeypatch.setitem(app.config, key, value)
    monkeypatch.setitem(app.extensions, "x_account", choose_x_account(app.config))
