"""The job ledger: sent only after commit, claimed once, fenced, repaired by the reconciler."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from careers_tv.clock import utcnow
from careers_tv.extensions import db
from careers_tv.jobs import dispatch, ledger
from careers_tv.jobs.registry import TransientError
from careers_tv.models import Job, JobState


@pytest.fixture
def sent(monkeypatch, app_ctx):
    calls = []
    monkeypatch.setattr(ledger, "send", lambda job_id, queue, priority=0:
                        calls.append((job_id, queue)) or True)
    return calls


def test_a_job_is_sent_only_after_its_transaction_commits(session, sent):
    job = ledger.enqueue("ping", queue="transcode")
    assert sent == []
    session.commit()
    assert sent == [(job.id, "transcode")]


def test_a_rolled_back_job_is_never_sent(session, sent):
    ledger.enqueue("ping")
    session.rollback()
    session.commit()
    assert sent == []


def test_a_job_is_claimed_once_and_finished_by_its_claimant_only(session, sent):
    job = ledger.enqueue("ping")
    session.commit()
    first = ledger.claim(job.id, "worker-a")
    assert first is not None and first.job.state is JobState.RUNNING
    assert ledger.claim(job.id, "worker-b") is None  # lease still valid

    # worker-a's lease runs out; worker-b takes over; worker-a wakes up late
    session.query(Job).filter_by(id=job.id).update(
        {"lease_expires_at": utcnow() - timedelta(seconds=1)})
    session.commit()
    second = ledger.claim(job.id, "worker-b")
    assert second is not None and second.job.attempts == 2
    assert first.heartbeat() is False
    assert ledger.finish(first, result={"by": "a"}) is False
    assert ledger.finish(second, result={"by": "b"}) is True
    session.expire_all()
    done = session.get(Job, job.id)
    assert (done.state, done.result) == (JobState.DONE, {"by": "b"})
    assert ledger.claim(job.id, "worker-c") is None


def test_execute_runs_a_handler_once_and_a_second_delivery_is_a_no_op(session, sent):
    job = ledger.enqueue("ping")
    session.commit()
    assert dispatch.execute(job.id, "w1") == "done"
    assert dispatch.execute(job.id, "w2") == "skipped"
    session.expire_all()
    assert session.get(Job, job.id).attempts == 1
    assert session.get(Job, job.id).result["worker"] == "w1"


def test_a_handler_error_fails_the_job_with_a_readable_message(session, sent):
    job = ledger.enqueue("ping", payload={"hold": 10_000})
    unknown = ledger.enqueue("no-such-kind")
    session.commit()
    assert dispatch.execute(job.id) == "failed"
    assert dispatch.execute(unknown.id) == "failed"
    session.expire_all()
    assert "hold must be between" in session.get(Job, job.id).error
    assert "unknown job kind" in session.get(Job, unknown.id).error


def test_the_reconciler_recovers_dead_workers_and_lost_messages(app, session, sent):
    now = utcnow()
    dead = ledger.enqueue("ping")
    lost = ledger.enqueue("ping")
    fresh = ledger.enqueue("ping")
    exhausted = ledger.enqueue("ping", max_attempts=2)
    session.commit()
    sent.clear()
    ledger.claim(dead.id, "dead-worker")
    ledger.claim(exhausted.id, "dead-worker")
    resend_after = app.config["JOB_RESEND_AFTER_SECONDS"]
    session.query(Job).filter(Job.id.in_([dead.id, exhausted.id])).update(
        {"lease_expires_at": now - timedelta(seconds=1)})
    session.query(Job).filter_by(id=exhausted.id).update({"attempts": 2})
    session.query(Job).filter_by(id=lost.id).update(
        {"last_sent_at": now - timedelta(seconds=resend_after + 1)})
    session.commit()

    report = ledger.reconcile(now)
    assert (report.expired, report.gave_up, report.resent) == (1, 1, 2)
    assert sorted(job_id for job_id, _ in sent) == sorted([dead.id, lost.id])
    session.expire_all()
    assert session.get(Job, dead.id).state is JobState.PENDING
    assert session.get(Job, fresh.id).state is JobState.PENDING
    assert session.get(Job, exhausted.id).state is JobState.FAILED
    assert "interrupted in every attempt" in session.get(Job, exhausted.id).error

    sent.clear()
    assert ledger.reconcile(now).resent == 0  # just re-sent: not again before the delay
    assert sent == []


def test_send_failure_leaves_the_job_for_the_reconciler(session, app_ctx, monkeypatch):
    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(app_ctx.app.extensions["celery"], "send_task", broker_down)
    job = ledger.enqueue("ping")
    session.commit()  # must not raise: the commit stands, the send is retried later
    session.expire_all()
    assert session.get(Job, job.id).state is JobState.PENDING


def test_a_transient_error_waits_longer_at_each_attempt(session, monkeypatch, app_ctx,
                                                        add_job_handler):
    """A store down for minutes must not use up a job's attempts in seconds."""
    sends = []
    monkeypatch.setattr(ledger, "send", lambda job_id, queue, eta=None, priority=0:
                        sends.append(eta) or True)

    def flaky(claim):
        raise TransientError("the store is down")

    add_job_handler("flaky-test", flaky)
    job = ledger.enqueue("flaky-test")
    session.commit()
    waits = []
    for _attempt in range(3):
        session.execute(Job.__table__.update().where(Job.id == job.id)
                        .values(last_sent_at=utcnow() - timedelta(seconds=1)))
        session.commit()
        before = utcnow()
        assert dispatch.execute(job.id, "w") == "released"
        waits.append(round((sends[-1] - before).total_seconds()))
    assert waits == [30, 60, 120]  # JOB_RETRY_BACKOFF_SECONDS, doubling
    session.refresh(job)
    assert job.state is JobState.PENDING and job.last_sent_at == sends[-1]


def _drop_my_connection() -> None:
    """What a PostgreSQL restart does to a worker mid-statement: the server ends its backend."""
    db.session.execute(sa.text("SELECT pg_terminate_backend(pg_backend_pid())"))


def test_a_database_restart_mid_job_releases_it_for_later_instead_of_failing_it(
        committed, monkeypatch, add_job_handler):
    sends = []
    monkeypatch.setattr(ledger, "send", lambda job_id, queue, eta=None, priority=0:
                        sends.append(eta) or True)

    def interrupted(claim):
        _drop_my_connection()

    add_job_handler("db-restart-test", interrupted)
    job = ledger.enqueue("db-restart-test")
    committed.commit()
    before = utcnow()
    assert dispatch.execute(job.id, "w") == "released"
    committed.expire_all()
    job = committed.get(Job, job.id)
    assert job.state is JobState.PENDING and job.attempts == 1
    assert job.error == "connection lost: OperationalError"
    assert round((sends[-1] - before).total_seconds()) == 30  # the usual backoff
    assert job.last_sent_at == sends[-1]


def test_a_release_never_reopens_a_job_whose_finish_committed(committed, monkeypatch):
    """A connection lost on the commit that finished a job leaves it unclear whether that
    commit landed; the release that follows must not turn a done job back into a pending one."""
    monkeypatch.setattr(ledger, "send", lambda *args, **kwargs: True)
    job = ledger.enqueue("ping")
    committed.commit()
    claim = ledger.claim(job.id, "w")
    assert ledger.finish(claim, result={"ok": True})
    ledger.release(claim, "connection lost: OperationalError", retry_at=utcnow())
    committed.expire_all()
    assert committed.get(Job, job.id).state is JobState.DONE
