"""The `purge_prefix` job: delete every object under a prefix (a replaced transcode's outputs,
a deleted video's media and original), after the commit that made them nobody's."""

from __future__ import annotations

from ..jobs import ledger
from ..jobs.registry import PermanentError
from ..storage import get_storage

PURGEABLE = ("videos/", "originals/")


def purge_prefix(claim: ledger.Claim) -> dict:
    prefix = claim.job.payload["prefix"]
    if not prefix.startswith(PURGEABLE):
        raise PermanentError(f"refusing to purge outside videos/ and originals/: {prefix!r}")
    return {"deleted": get_storage().delete_prefix(prefix)}
