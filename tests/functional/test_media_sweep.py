"""Transcode outputs nobody points to (a killed run's partial prefix) are swept; current media,
captions, originals and a running transcode's prefix are not."""

from __future__ import annotations

import io

from careers_tv.jobs import ledger
from careers_tv.models import JobState, VideoStatus
from careers_tv.services import media_sweep
from careers_tv.storage import get_storage
from tests.factories import VideoFactory


def put(*keys: str) -> None:
    for key in keys:
        get_storage().put_stream(key, io.BytesIO(b"x"))


def test_a_killed_runs_outputs_are_swept_and_the_rest_kept(app_ctx, session):
    VideoFactory(status=VideoStatus.READY, media_prefix="videos/sw1/v2-bbbb/",
                 public_id="sw1", original_key="originals/sw1/a.mp4")
    busy = VideoFactory(status=VideoStatus.PROCESSING, media_prefix=None, public_id="sw2")
    job = ledger.enqueue("transcode", queue="transcode", video_id=busy.id)
    job.state = JobState.RUNNING
    session.flush()
    kept = ["videos/sw1/v2-bbbb/master.m3u8", "videos/sw1/v2-bbbb/720p/index.m3u8",
            "videos/sw1/captions/fr-abc.vtt", "originals/sw1/a.mp4",
            "videos/sw2/v1-cccc/master.m3u8"]  # being written by the running job
    orphans = ["videos/sw1/v1-aaaa/master.m3u8", "videos/sw1/v1-aaaa/360p/seg0.ts",
               "videos/sw1/v3-dddd/poster.jpg"]
    put(*kept, *orphans)
    assert media_sweep.find_orphans() == sorted(orphans)
    report = media_sweep.sweep()
    assert report.deleted == 3
    storage = get_storage()
    assert all(storage.exists(key) for key in kept)
    assert not any(storage.exists(key) for key in orphans)
    assert media_sweep.find_orphans() == []
