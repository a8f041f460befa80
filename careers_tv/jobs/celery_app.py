"""Celery wired the Flask way: every task runs inside an app context."""

from __future__ import annotations

from celery import Celery, Task
from celery.schedules import crontab
from flask import Flask
from kombu import Queue

from ..config import DEFAULT_TIME_LIMIT, TRANSCODE_TIME_LIMIT

# transcode_long: videos past LONG_VIDEO_SECONDS, on worker processes of their own
# (services/scheduling.py), so short ones never wait behind them.
QUEUES = ("transcode", "transcode_long", "default")
# Message priorities 0 (first) … 9 on Redis: a transcode's is its uploader's backlog.
REDIS_PRIORITIES = {"priority_steps": list(range(10)), "sep": ":",
                    "queue_order_strategy": "priority"}
FLUSH_VIEWS_EVERY_SECONDS = 60.0  # view counts reach the database within a minute


def celery_init_app(app: Flask) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    celery = Celery(app.name, task_cls=FlaskTask)
    celery.config_from_object(app.config["CELERY"])
    if celery.conf.broker_url.startswith(("redis://", "rediss://")):
        celery.conf.broker_transport_options = {**celery.conf.broker_transport_options,
                                                **REDIS_PRIORITIES}
    celery.conf.update(
        task_queues=[Queue(name) for name in QUEUES],
        task_routes={
            "careers_tv.jobs.run_transcode_job": {"queue": "transcode"},  # or transcode_long
            "careers_tv.jobs.*": {"queue": "default"},
        },
        beat_schedule={
            "reconcile-jobs": {
                "task": "careers_tv.jobs.reconcile",
                "schedule": float(app.config["RECONCILE_EVERY_SECONDS"]),
                "options": {"queue": "default", "expires": app.config["RECONCILE_EVERY_SECONDS"]},
            },
            "publish-due": {
                "task": "careers_tv.publish_due",
                "schedule": float(app.config["PUBLISH_DUE_EVERY_SECONDS"]),
                "options": {"queue": "default",
                            "expires": float(app.config["PUBLISH_DUE_EVERY_SECONDS"])},
            },
            # Consent ends on a date (UTC): on the hour, so at midnight too, and again each
            # hour in case a run was missed.
            "unpublish-expired-consents": {
                "task": "careers_tv.unpublish_expired_consents",
                "schedule": crontab(minute=0),
                "options": {"queue": "default", "expires": 3600},
            },
            "flush-views": {
                "task": "careers_tv.flush_views",
                "schedule": FLUSH_VIEWS_EVERY_SECONDS,
                "options": {"queue": "default", "expires": FLUSH_VIEWS_EVERY_SECONDS},
            },
            # What killed transcodes left in storage (services/media_sweep.py).
            "sweep-orphaned-media": {
                "task": "careers_tv.sweep_orphaned_media",
                "schedule": crontab(minute=45),
                "options": {"queue": "default", "expires": 3600},
            },
            "expire-stale-uploads": {
                "task": "careers_tv.expire_stale_uploads",
                "schedule": crontab(minute=30),
                "options": {"queue": "default", "expires": 3600},
            },
        },
        include=["careers_tv.jobs.tasks", "careers_tv.jobs.housekeeping"],
    )
    celery.set_default()
    app.extensions["celery"] = celery
    return celery


__all__ = ["DEFAULT_TIME_LIMIT", "QUEUES", "TRANSCODE_TIME_LIMIT", "celery_init_app"]
