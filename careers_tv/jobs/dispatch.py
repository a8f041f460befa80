"""Running a job: claim its row, call its handler, record how it ended; and the Celery tasks
that do it. A message carries only a job id; the `Job` row says what to do and whether to."""

from __future__ import annotations

import logging
import os
from datetime import datetime, timedelta

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from flask import current_app

from ..clock import utcnow
from ..config import DEFAULT_TIME_LIMIT, TRANSCODE_TIME_LIMIT
from ..extensions import db
from ..models import JobState
from ..observability import describe_job, job_context
from . import ledger
from .celery_app import RECONCILE_TASK
from .registry import PermanentError, TransientError, connection_lost, handler_for

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 3600


def backoff(attempts: int) -> datetime:
    """When to try a job again after its `attempts`-th run hit a transient error: doubling
    from JOB_RETRY_BACKOFF_SECONDS (30 s, 1 min, 2 min, 4 min…, at most an hour), so a store
    or service down for a few minutes does not use up a job's attempts in seconds."""
    base = current_app.config["JOB_RETRY_BACKOFF_SECONDS"]
    delay = min(base * 2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS)
    return utcnow() + timedelta(seconds=delay)


def execute(job_id: int, worker: str | None = None) -> str:
    """Run a job if it is ours to run; returns what happened (for logs and tests)."""
    with job_context(job_id):  # what is logged meanwhile carries the job's id, kind, video
        return _execute(job_id, worker)


def _execute(job_id: int, worker: str | None) -> str:
    claim = ledger.claim(job_id, worker)
    if claim is None:
        return "skipped"
    job = claim.job
    describe_job(job.kind, job.video_id)
    found = handler_for(job.kind)
    if found is None:
        ledger.finish(claim, state=JobState.FAILED, error=f"unknown job kind {job.kind!r}")
        return "failed"
    try:
        result = found.run(claim)
        return "done" if ledger.finish(claim, result=result) else "lost"
    except TransientError as exc:
        ledger.release(claim, str(exc), retry_at=exc.retry_at or backoff(job.attempts))
        return "released"
    except Exception as exc:
        if connection_lost(exc):
            return _release_after_lost_connection(claim, exc)
        return _fail(claim, exc)


def _release_after_lost_connection(claim: ledger.Claim, exc: Exception) -> str:
    job = claim.job
    log.warning("job %s (%s) lost its connection: %s", job.id, job.kind, exc)
    try:
        ledger.release(claim, f"connection lost: {type(exc).__name__}",
                       retry_at=backoff(job.attempts))
    except Exception as again:  # still down: the lease runs out and the reconciler resends
        if not connection_lost(again):
            raise
        db.session.rollback()
        log.warning("could not release job %s yet (%s); the reconciler will", job.id, again)
    return "released"


def _fail(claim: ledger.Claim, exc: Exception) -> str:
    job = claim.job
    db.session.rollback()
    if isinstance(exc, (PermanentError, SoftTimeLimitExceeded)):
        error = str(exc) or "the job took longer than its time limit"
    else:
        log.error("job %s (%s) crashed", job.id, job.kind, exc_info=exc)
        error = f"internal error: {type(exc).__name__}"
    ledger.finish(claim, state=JobState.FAILED, error=error)
    return "failed"


@shared_task(name=ledger.RUN_JOB_TASK, acks_late=True, time_limit=DEFAULT_TIME_LIMIT,
             soft_time_limit=DEFAULT_TIME_LIMIT - 30, bind=True)
def run_job(self, job_id: int) -> str:
    return execute(job_id, worker=f"{self.request.hostname}:{os.getpid()}")


@shared_task(name=ledger.RUN_TRANSCODE_JOB_TASK, acks_late=True,
             time_limit=TRANSCODE_TIME_LIMIT, soft_time_limit=TRANSCODE_TIME_LIMIT - 60,
             bind=True)
def run_transcode_job(self, job_id: int) -> str:
    return execute(job_id, worker=f"{self.request.hostname}:{os.getpid()}")


# Both limits: the global soft limit (DEFAULT_TIME_LIMIT - 30) is above 300, and Celery
# refuses to send a task whose soft limit exceeds its hard one.
@shared_task(name=RECONCILE_TASK, acks_late=True, time_limit=300,
             soft_time_limit=270)
def reconcile() -> dict:
    return vars(ledger.reconcile())
