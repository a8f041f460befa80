"""The database side of background work: enqueue, claim, heartbeat, finish, reconcile.

A job is enqueued in the caller's transaction and its message is sent only after that
transaction commits (never before: a worker must find the row it is told about). Brokers
lose messages and workers die; the row stays, and `reconcile()` sends it again.
"""

from __future__ import annotations

import functools
import logging
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from ..clock import utcnow
from ..extensions import db
from ..models import LONG_RUNNING_QUEUES, Job, JobState, Queue
from ..transactions import on_commit
from . import registry

log = logging.getLogger(__name__)

# The Celery tasks that run a job (careers_tv/jobs/dispatch.py), sent by name: enqueueing
# loads nothing of the work itself. A long-running queue's task (transcodes, captions drafts)
# has the hours-long time limit.
RUN_JOB_TASK = "careers_tv.jobs.run_job"
RUN_TRANSCODE_JOB_TASK = "careers_tv.jobs.run_transcode_job"
# A pending job whose `last_sent_at` is in the future is scheduled for then (see `release`);
# a message arriving earlier is ignored. The margin covers clocks that differ a little
# between the machine that enqueued and the worker.
CLOCK_SKEW = timedelta(seconds=2)


def enqueue(kind: str, *, queue: str = Queue.DEFAULT, video_id: int | None = None,
            payload: dict | None = None, max_attempts: int = 5, priority: int = 0) -> Job:
    """Add a job to the current session; its message goes out after the commit.

    `priority` (0 first … 9) orders messages on a Redis broker; it is kept in the payload
    so that a message sent again by the reconciler keeps its place."""
    payload = dict(payload or {})
    if priority:
        payload["priority"] = priority
    job = Job(kind=kind, queue=queue, video_id=video_id, payload=payload,
              max_attempts=max_attempts, last_sent_at=utcnow())
    db.session.add(job)
    db.session.flush()
    on_commit(functools.partial(send, job.id, queue, priority=priority))
    return job


def task_for_queue(queue: str) -> str:
    return RUN_TRANSCODE_JOB_TASK if queue in LONG_RUNNING_QUEUES else RUN_JOB_TASK


def send(job_id: int, queue: str, eta: datetime | None = None, priority: int = 0) -> bool:
    """Hand a job's id to the broker (to be delivered at `eta`, if given). A failure here is
    repaired by the reconciler."""
    celery = current_app.extensions["celery"]
    try:
        celery.send_task(task_for_queue(queue), args=[job_id], queue=str(queue), retry=False,
                         eta=eta, priority=priority)
    except Exception:  # broker down: the job stays pending and the reconciler re-sends it
        log.exception("could not send job %s to the broker; the reconciler will retry", job_id)
        return False
    return True


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class Claim:
    job: Job
    token: str

    def heartbeat(self) -> bool:
        """Extend the lease; False when the job was taken from us (stop working then)."""
        lease = current_app.config["JOB_LEASE_SECONDS"]
        result = db.session.execute(
            sa.update(Job)
            .where(Job.id == self.job.id, Job.claim_token == self.token,
                   Job.state == JobState.RUNNING)
            .values(lease_expires_at=utcnow() + timedelta(seconds=lease))
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        return result.rowcount == 1


def claim(job_id: int, worker: str | None = None) -> Claim | None:
    """Take a pending job (or one whose worker's lease ran out). None if not ours to run."""
    now = utcnow()
    token = uuid.uuid4().hex
    lease = current_app.config["JOB_LEASE_SECONDS"]
    result = db.session.execute(
        sa.update(Job)
        .where(
            Job.id == job_id,
            Job.attempts < Job.max_attempts,
            sa.or_(
                sa.and_(Job.state == JobState.PENDING,
                        sa.or_(Job.last_sent_at.is_(None), Job.last_sent_at <= now + CLOCK_SKEW)),
                sa.and_(Job.state == JobState.RUNNING, Job.lease_expires_at < now),
            ),
        )
        .values(
            state=JobState.RUNNING,
            claim_token=token,
            claimed_by=(worker or worker_name())[:255],
            lease_expires_at=now + timedelta(seconds=lease),
            attempts=Job.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if result.rowcount != 1:
        return None
    job = db.session.get(Job, job_id, populate_existing=True)
    return Claim(job=job, token=token)


def finish(claim: Claim, *, state: JobState = JobState.DONE, result: dict | None = None,
           error: str | None = None) -> bool:
    """Mark the job done (or failed) in the current transaction, fenced by the claim token.

    The caller's own changes ride in the same commit. If another worker took the job over,
    nothing is committed and False is returned.
    """
    updated = db.session.execute(
        sa.update(Job)
        .where(Job.id == claim.job.id, Job.claim_token == claim.token,
               Job.state == JobState.RUNNING)
        .values(state=state, result=result, error=error, finished_at=utcnow(),
                lease_expires_at=None)
        .execution_options(synchronize_session=False)
    )
    if updated.rowcount != 1:
        db.session.rollback()
        log.warning("job %s was taken over by another worker; dropping this run", claim.job.id)
        return False
    if state is JobState.FAILED:
        registry.give_up(claim.job, error or "failed")
    db.session.commit()
    return True


def release(claim: Claim, error: str, retry_at: datetime | None = None) -> None:
    """Give a job back after a transient error, to be tried again later.

    Without `retry_at` the reconciler sends it again after its resend delay. With it, the
    message is sent now for delivery at `retry_at`, and `last_sent_at` is set to that time:
    the job is not claimed before then, and the reconciler resends it only a resend delay
    after it (if that message was lost).
    """
    db.session.rollback()
    values = {"state": JobState.PENDING, "claim_token": None, "lease_expires_at": None,
              "error": error}
    if retry_at is not None:
        values["last_sent_at"] = retry_at
    released = db.session.execute(
        sa.update(Job)
        .where(Job.id == claim.job.id, Job.claim_token == claim.token,
               Job.state == JobState.RUNNING)  # not a job whose `finish` did commit
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if retry_at is not None and released:
        send(claim.job.id, claim.job.queue, eta=retry_at, priority=_priority(claim.job))


def _priority(job) -> int:
    return int((job.payload or {}).get("priority", 0))


@dataclass
class ReconcileReport:
    expired: int = 0
    gave_up: int = 0
    resent: int = 0


def reconcile(now: datetime | None = None) -> ReconcileReport:
    """Repair what the broker and dead workers left behind; safe to run anywhere, any time."""
    now = now or utcnow()
    report = ReconcileReport()
    expired = sa.and_(Job.state == JobState.RUNNING, Job.lease_expires_at < now)
    hopeless = db.session.scalars(
        sa.select(Job).where(sa.or_(expired, Job.state == JobState.PENDING),
                             Job.attempts >= Job.max_attempts)
    ).all()
    for job in hopeless:
        job.state, job.finished_at, job.lease_expires_at = JobState.FAILED, now, None
        job.error = "the job was interrupted in every attempt; giving up"
        registry.give_up(job, job.error)
    report.gave_up = len(hopeless)
    db.session.flush()
    # A lease that ran out means its worker died: the job goes back to pending, to be sent now.
    report.expired = db.session.execute(
        sa.update(Job)
        .where(expired)
        .values(state=JobState.PENDING, claim_token=None, lease_expires_at=None,
                last_sent_at=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    resend_before = now - timedelta(seconds=current_app.config["JOB_RESEND_AFTER_SECONDS"])
    stale = db.session.execute(
        sa.select(Job.id, Job.queue, Job.payload).where(
            Job.state == JobState.PENDING,
            sa.or_(Job.last_sent_at.is_(None), Job.last_sent_at < resend_before),
        ).order_by(Job.id)
    ).all()
    if stale:
        db.session.execute(
            sa.update(Job).where(Job.id.in_([row.id for row in stale]))
            .values(last_sent_at=now).execution_options(synchronize_session=False)
        )
    db.session.commit()
    for row in stale:
        report.resent += send(row.id, row.queue, priority=_priority(row))
    if report.expired or report.gave_up or report.resent:
        log.info("reconciled jobs: %s", report)
    return report
