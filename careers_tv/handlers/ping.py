"""`ping`: a job that proves a worker is consuming a queue (`flask tv ping-worker`)."""

from __future__ import annotations

import time

from ..jobs.ledger import Claim, worker_name
from ..jobs.registry import PermanentError

MAX_HOLD_SECONDS = 600


def ping(claim: Claim) -> dict:
    """Answer with who ran it; `hold` seconds of (heartbeating) work simulate a long job."""
    hold = float(claim.job.payload.get("hold", 0))
    if not 0 <= hold <= MAX_HOLD_SECONDS:
        raise PermanentError(f"hold must be between 0 and {MAX_HOLD_SECONDS} seconds")
    deadline = time.monotonic() + hold
    while time.monotonic() < deadline:
        time.sleep(min(1.0, deadline - time.monotonic()))
        if not claim.heartbeat():
            raise PermanentError("the job was taken over by another worker")
    return {"worker": claim.job.claimed_by or worker_name(), "held": hold}
