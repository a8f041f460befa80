"""The `announce` job: send one announcement row to X (see announce/outbox.py)."""

from __future__ import annotations

from ..announce import outbox
from ..models import Job
from . import ledger
from .tasks import PermanentError, TransientError, handler

KIND = "announce"
# One more than the sends the outbox allows, and one for a worker dying mid-send.
MAX_JOB_ATTEMPTS = outbox.MAX_ATTEMPTS + 2


def enqueue(announcement_id: int) -> Job:
    """In the caller's transaction; the message goes out after its commit."""
    return ledger.enqueue(KIND, payload={"announcement_id": announcement_id},
                          max_attempts=MAX_JOB_ATTEMPTS)


@handler(KIND)
def announce(claim: ledger.Claim) -> dict:
    announcement_id = claim.job.payload.get("announcement_id")
    if not isinstance(announcement_id, int):
        raise PermanentError("the job does not say which announcement to send")
    outcome = outbox.send(announcement_id)
    if isinstance(outcome, outbox.Retry):
        raise TransientError(outcome.reason, retry_at=outcome.at)
    if outcome is None:
        return {"skipped": "the announcement no longer exists"}
    return {"status": outcome.value}


def _give_up(job: Job, error: str) -> None:
    announcement_id = (job.payload or {}).get("announcement_id")
    if isinstance(announcement_id, int):
        outbox.give_up(announcement_id, error)


ledger.GIVE_UP_HOOKS[KIND] = _give_up
