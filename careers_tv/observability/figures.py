"""The numbers /metrics reports from the database and the broker, read at scrape time.

Read from the shared stores rather than counted in memory, so every web process reports the
same truth and workers on other hosts need no port of their own.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import redis
import sqlalchemy as sa
from flask import current_app

from ..clock import utcnow
from ..connections import is_redis_url, redis_client
from ..extensions import db
from ..models import (
    Announcement,
    AnnouncementStatus,
    Job,
    JobKind,
    JobState,
    Queue,
    Video,
    VideoStatus,
)

log = logging.getLogger(__name__)

TRANSCODE_WINDOW = timedelta(hours=24)
KOMBU_DEFAULT_SEP = "\x06\x16"  # kombu's Redis transport, when no `sep` option is given
BROKER_TIMEOUT_SECONDS = 1.0  # a scrape must answer even while Redis does not


def queue_names() -> list[str]:
    return [queue.value for queue in Queue]


def pending_jobs_by_queue() -> dict[str, int]:
    """Jobs waiting to run, per queue (every known queue, zero included)."""
    counts = dict.fromkeys(queue_names(), 0)
    rows = db.session.execute(
        sa.select(Job.queue, sa.func.count()).where(Job.state == JobState.PENDING)
        .group_by(Job.queue)
    )
    counts.update({queue: count for queue, count in rows})
    return counts


def jobs_by_kind_and_state() -> dict[tuple[str, str], int]:
    rows = db.session.execute(
        sa.select(Job.kind, Job.state, sa.func.count()).group_by(Job.kind, Job.state)
    )
    return {(kind, state.value): count for kind, state, count in rows}


def videos_by_status() -> dict[str, int]:
    counts = {status.value: 0 for status in VideoStatus}
    rows = db.session.execute(
        sa.select(Video.status, sa.func.count()).group_by(Video.status)
    )
    counts.update({status.value: count for status, count in rows})
    return counts


def announcements_by_status() -> dict[str, int]:
    counts = {status.value: 0 for status in AnnouncementStatus}
    rows = db.session.execute(
        sa.select(Announcement.status, sa.func.count()).group_by(Announcement.status)
    )
    counts.update({status.value: count for status, count in rows})
    return counts


def transcode_seconds_per_video_second(now=None) -> float | None:
    """Over the transcodes finished in the last 24 h: seconds of transcoding per second of
    video (None when there were none).

    The jobs table records no start of a run (only when a job was created, last sent and
    finished), so the run time is the pipeline's own wall time, which a transcode stores in
    its result (`timings.total`: probe, ladder, poster, clip; not the download and upload).
    """
    since = (now or utcnow()) - TRANSCODE_WINDOW
    rows = db.session.execute(
        sa.select(Job.result, Video.duration_seconds)
        .join(Video, Video.id == Job.video_id)
        .where(Job.kind == JobKind.TRANSCODE, Job.state == JobState.DONE, Job.finished_at >= since,
               Video.duration_seconds > 0)
    )
    spent = covered = 0.0
    for result, duration in rows:
        total = ((result or {}).get("timings") or {}).get("total")
        if isinstance(total, int | float) and total >= 0:
            spent, covered = spent + total, covered + duration
    return spent / covered if covered else None


def broker_messages_by_queue() -> dict[str, int] | None:
    """Messages waiting in the broker's lists, per queue, when the broker is Redis; None
    when it is not, or when Redis could not be read (logged, never raised)."""
    celery = current_app.extensions["celery"]
    url = celery.conf.broker_url or ""
    if not is_redis_url(url):
        return None
    options = celery.conf.broker_transport_options or {}
    steps = options.get("priority_steps") or [0]
    sep = options.get("sep", KOMBU_DEFAULT_SEP)
    # kombu keeps one list per queue and priority step: `name` for 0, `name<sep><step>` above.
    keys = {queue: [queue if step == 0 else f"{queue}{sep}{step}" for step in steps]
            for queue in queue_names()}
    try:
        client = redis_client(url, timeout=BROKER_TIMEOUT_SECONDS)
        try:
            pipe = client.pipeline(transaction=False)
            for queue_keys in keys.values():
                for key in queue_keys:
                    pipe.llen(key)
            lengths = iter(pipe.execute())
        finally:
            client.close()
    except (redis.RedisError, OSError) as exc:
        log.warning("metrics: could not read the broker's queue lengths: %s", exc)
        return None
    return {queue: sum(next(lengths) for _ in queue_keys) for queue, queue_keys in keys.items()}
