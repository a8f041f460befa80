"""Which transcode queue a video goes to, and which transcode runs first in it: long videos on
their own queue, and fairness between uploaders.

- **Long videos** (`LONG_VIDEO_SECONDS` of known duration, or an original over
  `LONG_VIDEO_BYTES` when the duration is not known yet) go to the `transcode_long` queue,
  served by its own worker processes: a two-hour event replay never delays a two-minute
  testimonial queued after it.
- **Fairness**: a transcode's message priority is how many transcodes its uploader already
  has waiting or running (0 = first, capped at 9). Redis delivers lower numbers first, so a
  colleague's single upload overtakes the tail of someone's batch of twenty instead of
  waiting for all of it. (The embedded broker ignores priorities; one person uses it.)
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..models import TRANSCODE_QUEUES, Job, JobState, Queue, Video

LOWEST_PRIORITY = 9


def queue_for(video: Video, size_bytes: int | None) -> Queue:
    config = current_app.config
    if video.duration_seconds is not None:
        long = video.duration_seconds > config["LONG_VIDEO_SECONDS"]
    else:
        long = (size_bytes or 0) > config["LONG_VIDEO_BYTES"]
    return Queue.TRANSCODE_LONG if long else Queue.TRANSCODE


def uploader_backlog(video: Video) -> int:
    """Transcodes waiting or running for videos of the same uploader (this one excluded)."""
    if video.created_by_id is None:
        return 0
    waiting = db.session.scalar(
        sa.select(sa.func.count(Job.id))
        .join(Video, Video.id == Job.video_id)
        .where(Job.queue.in_(TRANSCODE_QUEUES),
               Job.state.in_((JobState.PENDING, JobState.RUNNING)),
               Video.created_by_id == video.created_by_id, Video.id != video.id)
    ) or 0
    return min(waiting, LOWEST_PRIORITY)
