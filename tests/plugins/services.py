"""The real services a test session talks to: a fresh PostgreSQL database, a Redis db.

`make test` has already made sure PostgreSQL and Redis answer; here each run gets its own
database (dropped at the end) and its own empty Redis database for Celery messages.
"""

from __future__ import annotations

import os
import uuid

import psycopg
import pytest
import redis

PG_ADMIN_DSN = os.environ.get(
    "TEST_PG_ADMIN_DSN", "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
)
PG_URL_BASE = os.environ.get("TEST_PG_URL_BASE", "postgresql+psycopg://postgres@127.0.0.1:5432")
REDIS_URL_BASE = os.environ.get("TEST_REDIS_URL_BASE", "redis://127.0.0.1:6379")
REDIS_TEST_DB = int(os.environ.get("TEST_REDIS_DB", "13"))


def _admin():
    try:
        return psycopg.connect(PG_ADMIN_DSN, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL is not reachable ({exc}); run `make test`, which starts it")


@pytest.fixture(scope="session")
def database_url():
    name = f"careers_tv_test_{uuid.uuid4().hex[:10]}"
    with _admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"{PG_URL_BASE}/{name}"
    with _admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def redis_url():
    url = f"{REDIS_URL_BASE}/{REDIS_TEST_DB}"
    client = redis.Redis.from_url(url, socket_connect_timeout=5)
    try:
        client.flushdb()
    except redis.ConnectionError as exc:
        pytest.fail(f"Redis is not reachable ({exc}); run `make test`, which starts it")
    yield url
    client.flushdb()
