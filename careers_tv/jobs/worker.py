"""The module Celery loads: `celery -A careers_tv.jobs.worker worker -Q transcode`."""

from careers_tv import create_app

flask_app = create_app()
celery = flask_app.extensions["celery"]
