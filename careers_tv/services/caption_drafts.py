"""Automatic captions: queueing a video's draft and recording where it stands.

A draft is queued when a transcode finishes (so the video can be previewed first), or again
from the portal or `flask tv captions`. The `captions` job (careers_tv/handlers/captions.py)
does the work; this module holds the row the portal reads (`CaptionDraft`: state, progress,
why) and the rules both share: which track a draft may write, and which one is "best".
"""

from __future__ import annotations

import sqlalchemy as sa

from ..extensions import db
from ..i18n import N_
from ..jobs import ledger
from ..models import Caption, CaptionDraft, DraftState, Job, JobKind, JobState, Queue, Video
from .captions import CAPTION_LANGUAGES, CaptionError, caption_for

NO_SOUND = N_("This video has no sound, so there is nothing to caption.")
NO_SPEECH = N_("No speech was found in this video's sound: no draft was written.")
# %(language)s is a language code in the stored values; the portal shows the language's name.
REVIEWED_EXISTS = N_("The %(language)s captions were reviewed by a person; a draft does not "
                     "replace them (remove them first to draft again).")
NO_MODEL_FOR_LANGUAGE = N_("No %(language)s speech model is configured: CAPTIONS_MODEL names "
                           "an English-only model, so no draft was written.")
UNSUPPORTED_LANGUAGE = N_("Captions are not drafted in this video's language (%(language)s).")
FAILED_TECHNICAL = N_("The captions draft failed for a technical reason; try again, and tell "
                      "the team if it fails again.")
TOO_LONG = N_("The captions draft took longer than allowed.")

ACTIVE = (DraftState.QUEUED, DraftState.DRAFTING)


def draft_row(video: Video) -> CaptionDraft:
    if video.caption_draft is None:
        video.caption_draft = CaptionDraft(state=DraftState.QUEUED, language=video.language)
    return video.caption_draft


def set_state(video: Video, state: DraftState, message: str | None = None,
              params: dict[str, str] | None = None, **fields) -> CaptionDraft:
    row = draft_row(video)
    row.state, row.message, row.params = state, message, params or None
    for name, value in fields.items():
        setattr(row, name, value)
    return row


def reviewed_track(video: Video) -> Caption | None:
    """The track in the video's language that a person wrote or checked, if any: a draft
    never overwrites it."""
    caption = caption_for(video, video.language)
    return caption if caption is not None and not caption.automatic else None


def refusal(video: Video) -> tuple[str, dict[str, str]] | None:
    """Why no draft can be queued for this video now (a template and its values), or None."""
    if video.language not in CAPTION_LANGUAGES:
        return UNSUPPORTED_LANGUAGE, {"language": video.language}
    if reviewed_track(video) is not None:
        return REVIEWED_EXISTS, {"language": video.language}
    return None


def queue_draft(video: Video, *, has_sound: bool = True) -> Job | None:
    """Queue the video's captions draft in the caller's transaction (sent after its commit);
    None, with the reason recorded for the portal, when there is nothing to draft."""
    if not has_sound:
        set_state(video, DraftState.SKIPPED, NO_SOUND, progress=0)
        return None
    refused = refusal(video)
    if refused is not None:
        set_state(video, DraftState.SKIPPED, *refused, progress=0)
        return None
    if pending_job(video) is not None:  # already on its way: a second would do it twice
        return None
    set_state(video, DraftState.QUEUED, progress=0, language=video.language, cue_count=None,
              real_time_factor=None)
    return ledger.enqueue(JobKind.CAPTIONS, queue=Queue.CAPTIONS, video_id=video.id,
                          max_attempts=3)


def redraft(video: Video) -> Job:
    """The portal's and the CLI's "draft again": CaptionError (for people) when it cannot."""
    refused = refusal(video)
    if refused is not None:  # said to the person at once: the language by its own name
        raise CaptionError(refused[0], language=CAPTION_LANGUAGES.get(video.language,
                                                                      video.language))
    if not video.media_prefix:
        raise CaptionError(N_("The video is not transcoded yet; its captions are drafted "
                              "once it is."))
    job = queue_draft(video)
    if job is None:
        raise CaptionError(N_("A captions draft is already on its way for this video."))
    return job


def pending_job(video: Video) -> Job | None:
    return db.session.scalar(
        sa.select(Job).where(Job.video_id == video.id, Job.kind == JobKind.CAPTIONS,
                             Job.state.in_((JobState.PENDING, JobState.RUNNING)))
        .order_by(Job.id.desc()).limit(1))


def store_progress(video_id: int, percent: int) -> None:
    """The draft's percentage, committed at once (the portal polls it)."""
    db.session.execute(
        CaptionDraft.__table__.update().where(CaptionDraft.video_id == video_id)
        .values(progress=percent))
    db.session.commit()
