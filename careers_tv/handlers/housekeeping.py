"""Periodic tasks sent by Celery beat (see jobs/celery_app.py): scheduled publishing, consent
expiry, abandoned uploads, view counts, playback reports, orphaned transcode outputs.

Like `reconcile`, each task runs inside the Flask app context (jobs/celery_app.py's
FlaskTask) and does all its work in a service function that commits, so running one twice,
or two at once, is harmless. They return small summaries for the worker's log (results are
not stored).
"""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task

from ..services import media_sweep, schedule
from ..services.playback_quality import flush_playback
from ..services.uploads import expire_stale_uploads as expire
from ..services.view_counts import flush_views

STALE_UPLOAD_AGE = timedelta(hours=24)


@shared_task(name="careers_tv.publish_due", acks_late=True, time_limit=120,
             soft_time_limit=100)
def publish_due() -> list[str]:
    return [video.public_id for video in schedule.publish_due()]


@shared_task(name="careers_tv.unpublish_expired_consents", acks_late=True, time_limit=300,
             soft_time_limit=270)
def unpublish_expired_consents() -> list[str]:
    return [video.public_id for video in schedule.unpublish_expired_consents()]


@shared_task(name="careers_tv.expire_stale_uploads", acks_late=True, time_limit=600,
             soft_time_limit=570)
def expire_stale_uploads() -> int:
    return expire(older_than=STALE_UPLOAD_AGE)


@shared_task(name="careers_tv.flush_views", acks_late=True, time_limit=120, soft_time_limit=100)
def add_up_views() -> int:
    return flush_views()


@shared_task(name="careers_tv.flush_playback", acks_late=True, time_limit=120,
             soft_time_limit=100)
def add_up_playback() -> int:
    return flush_playback()


@shared_task(name="careers_tv.sweep_orphaned_media", acks_late=True, time_limit=1800,
             soft_time_limit=1770)
def sweep_orphaned_media() -> int:
    return media_sweep.sweep().deleted
