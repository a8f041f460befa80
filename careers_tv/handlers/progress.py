"""A long job's progress: stored now and then, the lease renewed, the work stopped if lost.

A database that is briefly away (a restart) does not stop the work: the percentage waits for
the next tick, and the lease is checked again then and before the outputs count.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from ..extensions import db
from ..jobs import ledger
from ..jobs.registry import connection_lost

log = logging.getLogger(__name__)

PROGRESS_EVERY_SECONDS = 2.0


class Progress:
    """A progress callback (fraction 0..1 → keep going?) for transcoding/'s long runs."""

    def __init__(self, claim: ledger.Claim, store: Callable[[int], None], what: str):
        self.claim, self.store, self.what, self.last = claim, store, what, 0.0

    def __call__(self, fraction: float) -> bool:
        now = time.monotonic()
        if now - self.last < PROGRESS_EVERY_SECONDS and fraction < 1:
            return True
        self.last = now
        try:
            self.store(min(99, int(fraction * 100)))
            return self.claim.heartbeat()
        except Exception as exc:
            if not connection_lost(exc):
                raise
            db.session.rollback()
            log.warning("progress of %s not stored (%s); carrying on", self.what, exc)
            return True
