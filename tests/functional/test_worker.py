"""Jobs through a real Celery worker on Redis, including one killed mid-job."""

from __future__ import annotations

import time

import pytest

from careers_tv.extensions import db
from careers_tv.jobs import dispatch, ledger
from careers_tv.models import Job, JobState

pytestmark = pytest.mark.worker

LEASE = 2


def wait_for(job_id: int, predicate, timeout: float = 30) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.expire_all()
        job = db.session.get(Job, job_id)
        if predicate(job):
            return job
        time.sleep(0.1)
    pytest.fail(f"job {job_id} never got there: {job.state} {job.error}")


def test_a_job_committed_in_the_app_runs_in_a_real_worker(committed, workers):
    workers.start("solo")
    job = ledger.enqueue("ping", queue="transcode")
    committed.commit()
    done = wait_for(job.id, lambda j: j.state is JobState.DONE)
    assert done.attempts == 1
    assert done.result["worker"].startswith("solo@")


def test_a_killed_worker_s_job_is_done_exactly_once_after_the_reconciler_runs(
        app, committed, workers, monkeypatch):
    monkeypatch.setitem(app.config, "JOB_LEASE_SECONDS", LEASE)
    first = workers.start("first", JOB_LEASE_SECONDS=str(LEASE))
    job = ledger.enqueue("ping", payload={"hold": 4})
    committed.commit()
    running = wait_for(job.id, lambda j: j.state is JobState.RUNNING)
    assert running.claimed_by.startswith("first@")

    first.kill()  # mid-job: its message stays unacked in Redis for the visibility timeout
    time.sleep(LEASE + 1.5)
    db.session.expire_all()
    assert db.session.get(Job, job.id).state is JobState.RUNNING  # nobody finished it

    workers.start("second", JOB_LEASE_SECONDS=str(LEASE))
    report = ledger.reconcile()
    assert report.expired == 1 and report.resent == 1
    done = wait_for(job.id, lambda j: j.state is JobState.DONE)
    assert done.result["worker"].startswith("second@")
    assert done.attempts == 2  # the killed run and the one that finished
    finished_at = done.finished_at

    # The killed worker's message, delivered again later, and any further duplicate: no-ops.
    dispatch.run_job.apply_async(args=[job.id])
    assert dispatch.execute(job.id, "late-duplicate") == "skipped"
    time.sleep(1)
    db.session.expire_all()
    again = db.session.get(Job, job.id)
    assert (again.state, again.attempts, again.finished_at) == (JobState.DONE, 2, finished_at)
    assert again.result["worker"].startswith("second@")
