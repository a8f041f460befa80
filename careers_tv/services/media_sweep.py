"""Transcode outputs that no video points to, found and deleted.

A transcode writes under a fresh `videos/<id>/<version>/` prefix, and the video switches to it
only in the transaction that ends the job. A transcode killed, or whose store went away, after
writing part of its outputs leaves that prefix behind: never visible, but it costs storage.

A version prefix is an orphan when it is not the video's current one and the video has no
transcode waiting or running (a running job writes its prefix before the database names it).
Other leftovers have their own cleaners: a deleted video's objects go by its purge job (sent
again by the reconciler until it succeeds), an unfinished upload's parts by the stale-upload
expiry, a replaced caption file at its transaction's end. Originals and captions are never
swept here: they are written before the row that names them is committed.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa

from ..extensions import db
from ..models import Job, JobKind, JobState, Video
from ..storage import get_storage

log = logging.getLogger(__name__)

@dataclass
class SweepReport:
    orphans: list[str] = field(default_factory=list)
    deleted: int = 0


def find_orphans() -> list[str]:
    """Keys of transcode outputs that no video points to and no transcode may still write."""
    keys_by_video: dict[str, list[str]] = defaultdict(list)
    for key in get_storage().list("videos/"):
        parts = key.split("/")
        if len(parts) >= 4 and parts[2] != "captions":
            keys_by_video[parts[1]].append(key)
    if not keys_by_video:
        return []
    videos = {row.public_id: row for row in db.session.execute(
        sa.select(Video.id, Video.public_id, Video.media_prefix)
        .where(Video.public_id.in_(list(keys_by_video))))}
    busy = set(db.session.scalars(
        sa.select(Job.video_id).where(
            Job.video_id.in_([row.id for row in videos.values()]),
            Job.kind == JobKind.TRANSCODE,
            Job.state.in_((JobState.PENDING, JobState.RUNNING)))))
    orphans = []
    for public_id, keys in keys_by_video.items():
        video = videos.get(public_id)
        if video is None or video.id in busy:
            continue  # a deleted video's objects are its purge job's
        current = video.media_prefix or "\x00"
        orphans += [key for key in keys if not key.startswith(current)]
    return sorted(orphans)


def sweep() -> SweepReport:
    """Delete every orphan; safe to run at any time, from any host."""
    report = SweepReport(orphans=find_orphans())
    storage = get_storage()
    for key in report.orphans:
        try:
            storage.delete(key)
            report.deleted += 1
        except Exception:  # the next sweep tries again
            log.exception("could not delete orphaned object %s", key)
    if report.orphans:
        log.info("swept %d orphaned objects", report.deleted)
    return report
