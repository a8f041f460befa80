"""The test session: one PostgreSQL database migrated once, Redis, local media storage.

Tests that only need the database use `session` (everything rolled back afterwards).
Tests whose data must be seen by another process (a Celery worker) use `committed`,
which empties the tables afterwards.
"""

from __future__ import annotations

import os
import time

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from sqlalchemy.orm import scoped_session, sessionmaker

from careers_tv import create_app
from careers_tv.extensions import db
from careers_tv.handlers import install as install_job_handlers
from careers_tv.jobs.registry import EXTENSION as JOB_HANDLERS
from careers_tv.jobs.registry import Handler
from careers_tv.services.channels import seed_channels

pytest_plugins = [
    "tests.plugins.services", "tests.plugins.seaweedfs", "tests.plugins.workers",
    "tests.plugins.media", "tests.plugins.fake_x",
]


@pytest.fixture(scope="session")
def test_env(database_url, redis_url, tmp_path_factory):
    """Environment shared by the app under test and any worker process it starts."""
    instance = tmp_path_factory.mktemp("instance")
    env = {
        "CAREERS_TV_INSTANCE": str(instance),
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": redis_url,
        "RATELIMIT_STORAGE_URI": redis_url,  # shared counts, as with several gunicorn workers
        "STORAGE_URL": (instance / "media").as_uri(),
        "SECRET_KEY": "test-secret-key-not-for-production",
        "PUBLIC_BASE_URL": "http://localhost",
    }
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    yield env
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def app(test_env):
    app = create_app({"TESTING": True})
    install_job_handlers(app)  # jobs run in this process too (`dispatch.execute`)
    with app.app_context():
        upgrade()
        seed_channels()
    return app


@pytest.fixture
def session(app):
    """A database session whose every change (commits included) is rolled back at the end.

    No app context stays pushed: each test-client request gets its own, as in production.
    """
    with app.app_context():
        connection = db.engine.connect()
    outer = connection.begin()
    # expire_on_commit=False: a test reads its objects after requests closed the session.
    scoped = scoped_session(sessionmaker(bind=connection, join_transaction_mode="create_savepoint",
                                         expire_on_commit=False))
    original, db.session = db.session, scoped
    try:
        yield scoped
    finally:
        scoped.remove()
        db.session = original
        outer.rollback()
        connection.close()


@pytest.fixture
def add_job_handler(app, monkeypatch):
    """Give a test-only job kind a handler, for this test."""

    def add(kind: str, run, give_up=None) -> None:
        monkeypatch.setitem(app.extensions[JOB_HANDLERS], kind, Handler(run, give_up))

    return add


@pytest.fixture
def app_ctx(app):
    """For tests that call code needing `current_app` outside a request."""
    with app.app_context() as ctx:
        yield ctx


@pytest.fixture
def committed(app):
    """Real commits, visible to other processes; the tables are emptied afterwards."""
    with app.app_context():
        yield db.session
        db.session.remove()
        tables = [t.name for t in db.metadata.sorted_tables if t.name != "channels"]
        empty_tables(tables)


def empty_tables(tables: list[str], attempts: int = 5) -> None:
    """TRUNCATE, tried again when a worker still busy with the test's last job (a captions
    draft queued by its transcode) holds a lock in the other order: PostgreSQL then breaks
    the deadlock by failing one side, and the worker's side is retried by its job."""
    for attempt in range(attempts):
        try:
            with db.engine.begin() as conn:
                conn.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            return
        except sa.exc.OperationalError as exc:
            if "deadlock detected" not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(0.2 * (attempt + 1))


@pytest.fixture
def client(app, session):
    return app.test_client()
