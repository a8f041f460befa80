"""The `announce` job: send one announcement row to X (see announce/outbox.py)."""

from __future__ import annotations

from ..announce import outbox
from ..jobs import ledger
from ..jobs.registry import PermanentError, TransientError
from ..models import Job


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


def announcement_failed_for_good(job: Job, error: str) -> None:
    announcement_id = (job.payload or {}).get("announcement_id")
    if isinstance(announcement_id, int):
        outbox.give_up(announcement_id, error)
