"""Automatic captions, end to end: a transcode queues the draft, the speech model writes it from
the transcode's audio, and every outcome a person should know of is said on the video."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from careers_tv import create_app
from careers_tv.extensions import db
from careers_tv.handlers import captions as captions_handler
from careers_tv.jobs import dispatch
from careers_tv.models import (
    Caption,
    DraftState,
    Job,
    JobKind,
    JobState,
    Queue,
    Video,
    VideoStatus,
)
from careers_tv.portal.status import draft_note
from careers_tv.services import caption_drafts
from careers_tv.services import videos as video_service
from careers_tv.services.captions import CaptionError, save_caption
from careers_tv.services.channels import get_channel
from careers_tv.storage import get_storage
from tests.functional.test_transcode_job import wait_for_status
from tests.speech import SENTENCES, make_spoken_clip, word_error_rate
from transcoding.subtitles import read_cues

SPOKEN = " ".join(SENTENCES[4:8])
VTT = b"WEBVTT\n\n00:00:00.500 --> 00:00:03.000\nTyped by a person.\n"


@pytest.fixture(scope="module")
def spoken(tmp_path_factory):
    return make_spoken_clip(tmp_path_factory.mktemp("spoken"), SPOKEN, voice="en-us+m3")


def stage(path, language="en", **fields) -> Video:
    video = video_service.create_video(get_channel("temoignages"), "My first year",
                                       language=language)
    for name, value in fields.items():
        setattr(video, name, value)
    video_service.stage_original(video, path)
    video_service.queue_transcode(video)
    db.session.commit()
    return video


def job_of(video_id: int, kind: str) -> Job | None:
    return db.session.scalar(sa.select(Job).where(Job.video_id == video_id, Job.kind == kind)
                             .order_by(Job.id.desc()).limit(1))


def transcoded(path, **fields) -> Video:
    """The video once its transcode ran here; its captions job is queued, not run."""
    video = stage(path, **fields)
    assert dispatch.execute(job_of(video.id, JobKind.TRANSCODE).id, "w") == "done"
    db.session.expire_all()
    return db.session.get(Video, video.id)


def draft_now(video: Video) -> Video:
    job = job_of(video.id, JobKind.CAPTIONS)
    assert job is not None and job.queue == Queue.CAPTIONS
    assert dispatch.execute(job.id, "w") == "done"
    db.session.expire_all()
    return db.session.get(Video, video.id)


def track_text(caption: Caption) -> str:
    with get_storage().open(caption.storage_key) as stream:
        return " ".join(c.text.replace("\n", " ") for c in read_cues(stream.read().decode("utf-8")))


def test_on_the_real_stack_a_spoken_upload_gets_its_draft_by_itself(committed, workers,
                                                                    seaweedfs, tmp_path,
                                                                    spoken):
    """PostgreSQL, Redis, SeaweedFS's S3 and a worker on every queue: upload, and wait."""
    bucket = seaweedfs.make_bucket("captions")
    s3_env = {"STORAGE_URL": f"s3://{bucket}/careers-tv",
              "S3_ENDPOINT_URL": seaweedfs.endpoint_url,
              "AWS_ACCESS_KEY_ID": seaweedfs.access_key,
              "AWS_SECRET_ACCESS_KEY": seaweedfs.secret_key}
    workers.start("captioner", CAREERS_TV_INSTANCE=str(tmp_path / "worker"), **s3_env)
    with create_app(s3_env).app_context():
        video_id = stage(spoken, speaker_name="Claire Martin").id
        video = wait_for_status(video_id, {VideoStatus.READY, VideoStatus.FAILED})
        assert video.status is VideoStatus.READY, video.status_text
        draft = wait_for_draft(video_id)
        assert draft.state is DraftState.DONE, draft.text
        video = db.session.get(Video, video_id)
        [caption] = video.captions
        assert caption.automatic and caption.language == "en" and caption.reviewed_at is None
        assert caption.storage_key.startswith(f"videos/{video.public_id}/captions/en-")
        text = track_text(caption)
        error = word_error_rate(SPOKEN, text)
        print(f"\nWER {error:.3f} over {len(SPOKEN.split())} words, real-time factor "
              f"{draft.real_time_factor}: {text!r}")
        assert error <= 0.15
        assert draft.progress == 100 and draft.cue_count == len(read_cues_of(caption))
        assert video.status is VideoStatus.READY  # previewable all along, never held back


def wait_for_draft(video_id: int, timeout: float = 180):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.expire_all()
        draft = db.session.get(Video, video_id).caption_draft
        if draft is not None and draft.state not in caption_drafts.ACTIVE:
            return draft
        time.sleep(0.3)
    pytest.fail(f"the draft is still {draft.state if draft else 'not queued'}")


def read_cues_of(caption: Caption):
    with get_storage().open(caption.storage_key) as stream:
        return read_cues(stream.read().decode("utf-8"))


def test_the_draft_reads_the_transcodes_audio_not_the_original(committed, spoken):
    video = transcoded(spoken)
    assert video.caption_draft.state is DraftState.QUEUED
    get_storage().delete(video.original_key)  # had it been needed, the draft would fail
    video = draft_now(video)
    assert video.caption_draft.state is DraftState.DONE
    assert word_error_rate(SPOKEN, track_text(video.captions[0])) <= 0.15


def test_running_the_draft_twice_is_harmless(committed, spoken):
    video = draft_now(transcoded(spoken))
    job = job_of(video.id, JobKind.CAPTIONS)
    key = video.captions[0].storage_key
    db.session.execute(sa.update(Job).where(Job.id == job.id).values(state=JobState.PENDING))
    db.session.commit()  # as if the message came again after a crash
    assert dispatch.execute(job.id, "again") == "done"
    db.session.expire_all()
    video = db.session.get(Video, video.id)
    assert len(video.captions) == 1 and video.captions[0].automatic
    assert video.captions[0].storage_key != key  # replaced by the new draft, not doubled
    assert not get_storage().exists(key)


def test_a_french_video_with_an_english_only_model_gets_no_draft_and_says_why(app, committed,
                                                                             spoken):
    video = draft_now(transcoded(spoken, language="fr"))
    draft = video.caption_draft
    assert draft.state is DraftState.SKIPPED and video.captions == []
    texts = {}
    for language in ("en", "fr"):
        with app.app_context(), app.test_request_context(
                headers={"Accept-Language": language}):
            texts[language] = draft_note(draft)
    assert texts["en"].startswith("No French speech model is configured: CAPTIONS_MODEL")
    assert texts["fr"].startswith("Aucun modèle de reconnaissance vocale en français")


def test_music_only_gives_no_draft_and_says_no_speech_was_found(committed, media):
    video = draft_now(transcoded(media.landscape))  # a steady tone
    assert video.caption_draft.state is DraftState.NO_SPEECH
    assert video.caption_draft.text == caption_drafts.NO_SPEECH
    assert video.captions == []


def test_a_video_without_sound_queues_no_job_and_says_why(committed, media):
    video = transcoded(media.no_audio)
    assert job_of(video.id, JobKind.CAPTIONS) is None
    assert video.caption_draft.state is DraftState.SKIPPED
    assert video.caption_draft.text == caption_drafts.NO_SOUND


def test_a_missing_model_fails_the_draft_naming_the_setting_and_nothing_else(
        app, committed, spoken, tmp_path):
    video = transcoded(spoken)
    app.config["CAPTIONS_MODEL"] = str(tmp_path / "no-such-model")
    try:
        video = draft_now(video)
    finally:
        app.config["CAPTIONS_MODEL"] = ""
    draft = video.caption_draft
    assert draft.state is DraftState.FAILED
    assert "CAPTIONS_MODEL" in draft.text and "no-such-model" in draft.text
    assert video.status is VideoStatus.READY and video.captions == []


def test_captions_a_person_reviewed_are_never_replaced(committed, spoken):
    video = transcoded(spoken)
    save_caption(video, "en", None, VTT, "typed.vtt")
    db.session.commit()
    video = draft_now(video)
    assert video.caption_draft.state is DraftState.SKIPPED
    assert [track_text(c) for c in video.captions] == ["Typed by a person."]
    with pytest.raises(CaptionError, match="reviewed by a person"):
        caption_drafts.redraft(video)


def test_the_speakers_name_reaches_the_model_as_a_hint(committed, tmp_path):
    clip = make_spoken_clip(tmp_path, "Hello, I am Siobhan Nguyen, and I lead the data team.")
    video = draft_now(transcoded(clip, speaker_name="Siobhan Nguyen"))
    assert "Siobhan" in track_text(video.captions[0])


def test_the_engine_is_loaded_once_per_process(app_ctx):
    assert captions_handler.engine() is captions_handler.engine()
