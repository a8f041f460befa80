"""The transcode handler's bookkeeping around ffmpeg (the pipeline: tests/unit/transcoding)."""

import sqlalchemy as sa

from careers_tv.extensions import db
from careers_tv.handlers import transcode
from careers_tv.handlers.progress import Progress
from careers_tv.jobs import ledger
from careers_tv.models import JobKind, Video, VideoStatus
from tests.factories import VideoFactory


def _drop_my_connection() -> None:
    """What a PostgreSQL restart does to a worker mid-statement: the server ends its backend."""
    db.session.execute(sa.text("SELECT pg_terminate_backend(pg_backend_pid())"))


def test_transcode_progress_outlives_a_database_restart(committed, monkeypatch):
    """ffmpeg goes on when one progress write finds the database gone; the next one lands."""
    monkeypatch.setattr(ledger, "send", lambda *args, **kwargs: True)
    video = VideoFactory(status=VideoStatus.PROCESSING)
    job = ledger.enqueue(JobKind.TRANSCODE, video_id=video.id)
    committed.commit()
    claim = ledger.claim(job.id, "w")
    store = [lambda percent: _drop_my_connection()]
    progress = Progress(claim, lambda percent: store[0](percent), "the video")
    assert progress(0.3) is True
    store[0] = lambda percent: transcode._set_progress(video.id, percent)
    assert progress(1.0) is True  # stored, and the lease is still ours
    committed.expire_all()
    assert committed.get(Video, video.id).progress == 99
