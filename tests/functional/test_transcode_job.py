"""The transcode job, end to end: a staged original becomes a ready ladder in storage."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from careers_tv.extensions import db
from careers_tv.jobs import dispatch
from careers_tv.models import Job, JobState, Video, VideoStatus
from careers_tv.portal.status import status_note
from careers_tv.services import videos as video_service
from careers_tv.services.channels import get_channel
from careers_tv.storage import get_storage


def stage(path, title="A testimonial") -> tuple[int, int]:
    video = video_service.create_video(get_channel("temoignages"), title)
    video_service.stage_original(video, path, "Interview Final (v2).MP4")
    video_service.queue_transcode(video)
    db.session.commit()
    job_id = db.session.scalar(sa.select(Job.id).where(Job.video_id == video.id))
    return video.id, job_id


def wait_for_status(video_id: int, statuses: set, timeout: float = 120) -> Video:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.expire_all()
        video = db.session.get(Video, video_id)
        if video.status in statuses:
            return video
        time.sleep(0.2)
    pytest.fail(f"video stuck in {video.status}")


def test_a_worker_turns_an_upload_into_a_ready_ladder(committed, workers, media):
    workers.start("transcoder")
    video_id, _ = stage(media.landscape)
    video = wait_for_status(video_id, {VideoStatus.READY, VideoStatus.FAILED})
    assert video.status is VideoStatus.READY, video.status_text
    assert video.progress == 100
    assert (video.width, video.height, round(video.duration_seconds)) == (1920, 1080, 3)
    assert [r.name for r in video.renditions] == ["1080p", "720p", "480p", "360p", "240p"]
    assert all(r.bandwidth > 0 and r.codecs.startswith("avc1") for r in video.renditions)

    storage = get_storage()
    keys = set(storage.list(video.media_prefix))
    prefix = video.media_prefix
    assert prefix.startswith(f"videos/{video.public_id}/v1-")
    for name in ("master.m3u8", "poster.jpg", "poster.webp", "storyboard/thumbnails.vtt",
                 "x-clip.mp4", "audio/index.m3u8", "240p/index.m3u8"):
        assert prefix + name in keys
    assert all(storage.exists(r.playlist_key) for r in video.renditions)
    assert video.poster_key == prefix + "poster.jpg"
    assert video.original_key == f"originals/{video.public_id}/Interview-Final-v2-.MP4"
    assert storage.exists(video.original_key)  # the original is kept


def test_running_the_job_twice_is_harmless(committed, media):
    video_id, job_id = stage(media.short)
    assert dispatch.execute(job_id, "first") == "done"
    video = db.session.get(Video, video_id)
    prefix, renditions = video.media_prefix, len(video.renditions)
    db.session.execute(sa.update(Job).where(Job.id == job_id).values(state=JobState.PENDING))
    db.session.commit()  # as if the message were delivered again after a crash
    assert dispatch.execute(job_id, "second") == "done"
    db.session.expire_all()
    video = db.session.get(Video, video_id)
    assert video.media_prefix == prefix and len(video.renditions) == renditions
    assert db.session.get(Job, job_id).result == {"skipped": "the video is ready"}


@pytest.mark.parametrize(("name", "message"), [
    ("text", "not a video format we accept"), ("audio_only", "no picture"),
    ("truncated", "incomplete or damaged"),
])
def test_a_bad_upload_fails_readably_and_keeps_the_original(committed, media, name, message):
    video_id, job_id = stage(getattr(media, name))
    assert dispatch.execute(job_id, "w") == "done"
    db.session.expire_all()
    video = db.session.get(Video, video_id)
    assert video.status is VideoStatus.FAILED
    assert message in video.status_text
    assert get_storage().exists(video.original_key)
    assert video.media_prefix is None and video.renditions == []


def test_the_failure_is_stored_so_each_reader_gets_it_in_their_language(app, committed, media):
    video_id, job_id = stage(media.text)
    dispatch.execute(job_id, "w")
    db.session.expire_all()
    video = db.session.get(Video, video_id)
    texts = {}
    for language in ("en", "fr"):
        # A fresh app context per reader: the locale is cached in `g` for a context's life.
        with app.app_context(), app.test_request_context(
                headers={"Accept-Language": language}):
            texts[language] = status_note(video)
    assert texts["en"] == video.status_text
    assert texts["en"].startswith("This file is not a video format we accept")
    assert texts["fr"].startswith("Ce fichier n’est pas dans un format vidéo accepté")


def test_a_retranscode_switches_prefix_then_purges_the_old_one(committed, media):
    video_id, job_id = stage(media.short)
    dispatch.execute(job_id, "w")
    video = db.session.get(Video, video_id)
    old_prefix = video.media_prefix
    video_service.queue_transcode(video)
    db.session.commit()
    new_job = db.session.scalar(sa.select(Job.id).where(Job.video_id == video_id,
                                                        Job.kind == "transcode",
                                                        Job.id != job_id))
    dispatch.execute(new_job, "w")
    db.session.expire_all()
    video = db.session.get(Video, video_id)
    assert video.status is VideoStatus.READY and video.media_prefix != old_prefix
    assert video.media_prefix.startswith(f"videos/{video.public_id}/v2-")
    storage = get_storage()
    assert list(storage.list(old_prefix))  # still there until the switch is committed...
    purge = db.session.scalar(sa.select(Job).where(Job.kind == "purge_prefix"))
    assert purge.payload == {"prefix": old_prefix}
    dispatch.execute(purge.id, "w")
    assert list(storage.list(old_prefix)) == []  # ...and gone after
    assert storage.exists(video.media_prefix + "master.m3u8")


def test_a_job_that_keeps_dying_fails_the_video_for_good(app, committed, media):
    video_id, job_id = stage(media.short)
    db.session.execute(sa.update(Job).where(Job.id == job_id).values(attempts=5))
    db.session.commit()
    from careers_tv.jobs import ledger

    assert ledger.reconcile().gave_up == 1
    db.session.expire_all()
    video = db.session.get(Video, video_id)
    assert video.status is VideoStatus.FAILED
    assert "original is kept" in video.status_text


def run_import(*args, env):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "flask", "--app", "app", "tv", "import", *args],
                          env=env, capture_output=True, text=True, timeout=300)


def test_tv_import_takes_the_portal_path_and_prints_the_public_id(committed, workers, media,
                                                                  test_env):
    import os

    from careers_tv.models import Announcement

    workers.start("importer")
    env = {**os.environ, **test_env}
    done = run_import(str(media.landscape), "--channel", "sogelive", "--title", "Forum 2026",
                      "--publish", env=env)
    assert done.returncode == 0, done.stderr
    public_id = done.stdout.strip().splitlines()[-1]
    video = video_service.get_video(public_id)
    assert video.status is VideoStatus.PUBLISHED and video.channel.slug == "sogelive"
    assert video.published_at is not None and len(video.renditions) == 5
    assert "transcoding" in done.stderr  # the progress bar
    # Published, so announced: the worker runs the announce job (no X credentials here).
    deadline = time.monotonic() + 30
    while True:
        db.session.expire_all()
        announcements = db.session.scalars(sa.select(Announcement)).all()
        if any(a.status.value == "pending" for a in announcements) and time.monotonic() < deadline:
            time.sleep(0.1)
            continue
        break
    assert [(a.video_id, a.status.value) for a in announcements] == [(video.id, "skipped")]


def test_tv_import_refuses_what_is_not_a_video_and_creates_nothing(committed, media, test_env):
    import os

    done = run_import(str(media.text), "--channel", "sogelive", "--title", "x",
                      env={**os.environ, **test_env})
    assert done.returncode != 0
    assert "not a video format we accept" in done.stderr
    assert db.session.scalar(sa.select(sa.func.count(Video.id))) == 0
    done = run_import(str(media.short), "--channel", "nope", "--title", "x",
                      env={**os.environ, **test_env})
    assert done.returncode != 0 and "no channel 'nope'" in done.stderr
