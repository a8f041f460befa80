"""The work behind each kind of job, above the services it calls, in one explicit table.

Nothing registers itself on import: a process that runs jobs calls `install(app)` (the
Celery worker module careers_tv/worker.py does, and `flask tv reconcile`, which may give a
job up). A web process never imports this package, so it never loads transcoding/ (ffmpeg).
The periodic housekeeping tasks (housekeeping.py) are Celery tasks of their own, sent by
beat by name (jobs/celery_app.py) and loaded by the worker through Celery's `include`.

A new kind of job: a `JobKind` member (models/job.py), its function in a module here, a row
in TABLE; whoever enqueues it uses the ledger (`ledger.enqueue(JobKind.X, …)`).
"""

from __future__ import annotations

from flask import Flask

from ..jobs import registry
from ..jobs.registry import Handler
from ..models import JobKind
from . import announce, captions, ping, purge, transcode

TABLE: dict[str, Handler] = {
    JobKind.TRANSCODE: Handler(transcode.transcode_video,
                               give_up=transcode.video_failed_for_good),
    JobKind.CAPTIONS: Handler(captions.draft_captions, give_up=captions.draft_failed_for_good),
    JobKind.PURGE_PREFIX: Handler(purge.purge_prefix),
    JobKind.ANNOUNCE: Handler(announce.announce, give_up=announce.announcement_failed_for_good),
    JobKind.PING: Handler(ping.ping),
}


def install(app: Flask) -> None:
    registry.install(app, TABLE)
