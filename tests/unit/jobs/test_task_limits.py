"""Celery refuses to send a task whose soft time limit exceeds its hard one, and beat then
logs the refusal on every tick: the reconciler once never ran because of that."""

from __future__ import annotations


def test_every_task_s_soft_limit_is_below_its_hard_limit(app):
    celery = app.extensions["celery"]
    celery.loader.import_default_modules()
    default_hard = celery.conf.task_time_limit
    default_soft = celery.conf.task_soft_time_limit
    checked = []
    for name, task in celery.tasks.items():
        if not name.startswith("careers_tv."):
            continue
        hard = task.time_limit or default_hard
        soft = task.soft_time_limit or default_soft
        assert soft is None or hard is None or soft < hard, (name, soft, hard)
        checked.append(name)
    assert "careers_tv.jobs.reconcile" in checked and "careers_tv.publish_due" in checked
