"""Work that waits for the end of the current transaction: after its commit, or after it
rolled back. A job's message is sent only once the row it names is committed; a file written
for a row that never commits is deleted again.

Callbacks are kept on the session (`session.info`), so each request's or job's session has
its own; a nested transaction (savepoint) rolling back does not count, only the outermost.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session

from .extensions import db

log = logging.getLogger(__name__)

_ON_COMMIT = "careers_tv.on_commit"
_ON_ROLLBACK = "careers_tv.on_rollback"


def on_commit(callback: Callable[[], object], session: Session | None = None) -> None:
    """Call `callback()` once the current transaction commits (never if it rolls back)."""
    (session or db.session).info.setdefault(_ON_COMMIT, []).append(callback)


def on_rollback(callback: Callable[[], object], session: Session | None = None) -> None:
    """Call `callback()` if the current transaction rolls back (never if it commits)."""
    (session or db.session).info.setdefault(_ON_ROLLBACK, []).append(callback)


def _run(callbacks: list[Callable[[], object]]) -> None:
    # One failing callback must not keep the others from running, nor fail a commit
    # that already happened: each one's failure is its own to repair (and to log).
    for callback in callbacks:
        try:
            callback()
        except Exception:
            log.exception("an after-transaction callback failed: %r", callback)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    session.info.pop(_ON_ROLLBACK, None)
    _run(session.info.pop(_ON_COMMIT, []))


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the outermost transaction rolled back
        session.info.pop(_ON_COMMIT, None)
        _run(session.info.pop(_ON_ROLLBACK, []))
