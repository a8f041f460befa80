"""The module Celery loads: `celery -A careers_tv.worker worker -Q transcode`.

The app as every process builds it, plus the job handlers' table: only a worker runs jobs.
"""

from careers_tv import create_app
from careers_tv.handlers import install

flask_app = create_app()
install(flask_app)
celery = flask_app.extensions["celery"]
