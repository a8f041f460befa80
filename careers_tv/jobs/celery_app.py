"""Celery wired the Flask way: every task runs inside an app context."""

from __future__ import annotations

from celery import Celery, Task
from celery.schedules import crontab
from flask import Flask
from kombu import Queue as KombuQueue

from ..connections import is_redis_url
from ..models import Queue
from . import ledger

# Message priorities 0 (first) … 9 on Redis: a transcode's is its uploader's backlog.
REDIS_PRIORITIES = {"priority_steps": list(range(10)), "sep": ":",
                    "queue_order_strategy": "priority"}
FLUSH_VIEWS_EVERY_SECONDS = 60.0  # view counts reach the database within a minute
RECONCILE_TASK = "careers_tv.jobs.reconcile"  # defined in jobs/dispatch.py


def celery_init_app(app: Flask) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    celery = Celery(app.name, task_cls=FlaskTask)
    celery.config_from_object(app.config["CELERY"])
    if is_redis_url(celery.conf.broker_url):
        celery.conf.broker_transport_options = {**celery.conf.broker_transport_options,
                                                **REDIS_PRIORITIES}
    celery.conf.update(
        task_queues=[KombuQueue(queue) for queue in Queue],
        task_default_queue=Queue.DEFAULT.value,
        task_routes={  # the ledger names the queue of every job it sends; these are defaults
            ledger.RUN_TRANSCODE_JOB_TASK: {"queue": Queue.TRANSCODE},  # or TRANSCODE_LONG
            "careers_tv.*": {"queue": Queue.DEFAULT},
        },
        beat_schedule={
            "reconcile-jobs": {
                "task": RECONCILE_TASK,
                "schedule": float(app.config["RECONCILE_EVERY_SECONDS"]),
                "options": {"queue": Queue.DEFAULT,
                            "expires": app.config["RECONCILE_EVERY_SECONDS"]},
            },
            "publish-due": {
                "task": "careers_tv.publish_due",
                "schedule": float(app.config["PUBLISH_DUE_EVERY_SECONDS"]),
                "options": {"queue": Queue.DEFAULT,
                            "expires": float(app.config["PUBLISH_DUE_EVERY_SECONDS"])},
            },
            # Consent ends on a date (UTC): on the hour, so at midnight too, and again each
            # hour in case a run was missed.
            "unpublish-expired-consents": {
                "task": "careers_tv.unpublish_expired_consents",
                "schedule": crontab(minute=0),
                "options": {"queue": Queue.DEFAULT, "expires": 3600},
            },
            "flush-views": {
                "task": "careers_tv.flush_views",
                "schedule": FLUSH_VIEWS_EVERY_SECONDS,
                "options": {"queue": Queue.DEFAULT, "expires": FLUSH_VIEWS_EVERY_SECONDS},
            },
            # The players' playback reports, buffered the same way (services/playback_quality.py).
            "flush-playback": {
                "task": "careers_tv.flush_playback",
                "schedule": FLUSH_VIEWS_EVERY_SECONDS,
                "options": {"queue": Queue.DEFAULT, "expires": FLUSH_VIEWS_EVERY_SECONDS},
            },
            # What killed transcodes left in storage (services/media_sweep.py).
            "sweep-orphaned-media": {
                "task": "careers_tv.sweep_orphaned_media",
                "schedule": crontab(minute=45),
                "options": {"queue": Queue.DEFAULT, "expires": 3600},
            },
            "expire-stale-uploads": {
                "task": "careers_tv.expire_stale_uploads",
                "schedule": crontab(minute=30),
                "options": {"queue": Queue.DEFAULT, "expires": 3600},
            },
        },
        # Loaded by worker processes only (by name: a web process imports neither).
        include=["careers_tv.jobs.dispatch", "careers_tv.handlers.housekeeping"],
    )
    celery.set_default()
    app.extensions["celery"] = celery
    return celery

