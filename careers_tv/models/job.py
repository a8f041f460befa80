from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import utcnow
from ..extensions import db
from ._types import UTCDateTime, str_enum


class JobState(enum.Enum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Queue(enum.StrEnum):
    """The broker's queues. Each worker process consumes some of them (`-Q`); the embedded
    default's one worker consumes them all, so a new queue is never left without one."""

    DEFAULT = "default"
    TRANSCODE = "transcode"
    # Videos past LONG_VIDEO_SECONDS / LONG_VIDEO_BYTES, on worker processes of their own
    # (services/transcode_queue.py), so short ones never wait behind a two-hour replay.
    TRANSCODE_LONG = "transcode_long"
    # The speech model's captions drafts: CPU-heavy, so workers of their own where it matters.
    CAPTIONS = "captions"

    @classmethod
    def option(cls) -> str:
        """Every queue, as `celery worker -Q` takes them."""
        return ",".join(cls)


TRANSCODE_QUEUES = (Queue.TRANSCODE, Queue.TRANSCODE_LONG)
# Their messages run under the transcode time limit (hours, not minutes): a two-hour replay's
# captions draft takes as long as a transcode.
LONG_RUNNING_QUEUES = (*TRANSCODE_QUEUES, Queue.CAPTIONS)


class JobKind(enum.StrEnum):
    """What a job does; careers_tv/handlers has the function for each."""

    TRANSCODE = "transcode"
    CAPTIONS = "captions"
    PURGE_PREFIX = "purge_prefix"
    ANNOUNCE = "announce"
    PING = "ping"


class Job(db.Model):
    """A unit of background work, as the database knows it.

    The broker only carries a job's id. The row says whether the job still needs doing, who
    holds it (`claim_token`) and until when (`lease_expires_at`); the reconciler re-sends
    jobs whose message was lost or whose worker died. A job's effects are committed together
    with `state=done`, fenced by the claim token, so a job is done at most once.
    """

    __tablename__ = "jobs"
    __table_args__ = (sa.Index("ix_jobs_state_lease", "state", "lease_expires_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(32))
    queue: Mapped[str] = mapped_column(sa.String(32), default=Queue.DEFAULT.value)
    video_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("videos.id", ondelete="CASCADE"), index=True
    )
    payload: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    state: Mapped[JobState] = mapped_column(
        str_enum(JobState, "job_state"), default=JobState.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=5)
    claim_token: Mapped[str | None] = mapped_column(sa.String(64))
    claimed_by: Mapped[str | None] = mapped_column(sa.String(255))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result: Mapped[dict | None] = mapped_column(sa.JSON)
    error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
