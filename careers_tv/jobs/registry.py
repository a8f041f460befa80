"""Which function does each kind of job, and the errors a handler raises to say how it ended.

The table itself is careers_tv/handlers' (the work lives above the services); a process that
runs jobs installs it at start (careers_tv/worker.py, `flask tv reconcile`, the tests). The
machinery knows kinds by name only, so a web process that enqueues a transcode never loads
the ffmpeg pipeline.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import redis.exceptions
from flask import Flask, current_app
from sqlalchemy import exc as sa_exc

from ..models import Job

EXTENSION = "job_handlers"


class TransientError(RuntimeError):
    """Worth trying again later (a store or service briefly unreachable): at `retry_at` if
    given (a rate limit's reset), else after a backoff that doubles at each attempt."""

    def __init__(self, message: str, retry_at: datetime | None = None):
        super().__init__(message)
        self.retry_at = retry_at


class PermanentError(RuntimeError):
    """Trying again would fail the same way; the message is shown to people."""


def connection_lost(exc: BaseException) -> bool:
    """PostgreSQL or Redis went away under us (a restart, a failover, a dropped connection):
    the work itself was sound, so it is a transient error, not a failed job."""
    if isinstance(exc, sa_exc.DBAPIError):
        return exc.connection_invalidated or isinstance(
            exc, (sa_exc.OperationalError, sa_exc.InterfaceError))
    return isinstance(exc, (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError))


@dataclass(frozen=True)
class Handler:
    """The work of one kind of job.

    `run(claim)` does the work (calling `claim.heartbeat()` now and then on long work),
    stages its database changes in `db.session` without committing, and returns a result
    dict; the changes are committed together with the job's `done` state. It raises
    TransientError to be tried again later, PermanentError to fail with a message.

    `give_up(job, error)`, if given, runs in the transaction that fails the job for good, so
    what the job was doing is not left half-way (a video stuck in "processing").
    """

    run: Callable[[Any], dict | None]
    give_up: Callable[[Job, str], None] | None = None


def install(app: Flask, table: Mapping[str, Handler]) -> None:
    app.extensions[EXTENSION] = dict(table)


def handler_for(kind: str) -> Handler | None:
    table = current_app.extensions.get(EXTENSION)
    if table is None:
        raise RuntimeError("no job handlers installed in this process "
                           "(careers_tv.handlers.install(app) does it)")
    return table.get(kind)


def give_up(job: Job, error: str) -> None:
    """Run the kind's give-up hook, if it has one, in the caller's transaction."""
    found = handler_for(job.kind)
    if found is not None and found.give_up is not None:
        found.give_up(job, error)
