"""Periodic tasks sent by Celery beat (see celery_app.py): scheduled publishing, consent expiry,
abandoned uploads.

Like `reconcile`, each task runs inside the Flask app context (celery_app.FlaskTask) and does
all its work in a service function that commits, so running one twice, or two at once, is
harmless. They return small summaries for the worker's log (results are not stored).
"""

from __future__ import annotations

from collections.abc import Sized
from datetime import timedelta

from celery import shared_task

from ..extensions import db
from ..services import schedule

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
def expire_stale_uploads() -> int | None:
    # Imported here: the uploads service is written alongside this module, and the worker
    # must start (and the other tasks run) whatever state that module is in.
    from ..services.uploads import expire_stale_uploads as expire

    result = expire(older_than=STALE_UPLOAD_AGE)
    db.session.commit()  # a no-op when the service committed its own work
    if isinstance(result, int):
        return result
    return len(result) if isinstance(result, Sized) else None
