"""How the portal names a video's status, in the reader's language."""

from babel import Locale, UnknownLocaleError
from flask_babel import get_locale, gettext, ngettext
from flask_babel import lazy_gettext as _l

from ..models import CaptionDraft, DraftState, Video, VideoStatus

LABELS = {
    VideoStatus.DRAFT: _l("Draft"),
    VideoStatus.UPLOADING: _l("Uploading"),
    VideoStatus.QUEUED: _l("Waiting to be transcoded"),
    VideoStatus.PROCESSING: _l("Transcoding"),
    VideoStatus.READY: _l("Ready for review"),
    VideoStatus.SCHEDULED: _l("Scheduled"),
    VideoStatus.PUBLISHED: _l("Published"),
    VideoStatus.UNPUBLISHED: _l("Unpublished"),
    VideoStatus.FAILED: _l("Failed"),
}
# Statuses whose page changes on its own (the script polls them).
LIVE = frozenset({VideoStatus.UPLOADING, VideoStatus.QUEUED, VideoStatus.PROCESSING})


def status_label(status: VideoStatus) -> str:
    return str(LABELS[status])


def status_note(video: Video) -> str:
    """Why the video is in its status (a failure, a withdrawal), in the reader's language."""
    if not video.status_message:
        return ""
    return gettext(video.status_message, **(video.status_params or {}))


DRAFT_LABELS = {
    DraftState.QUEUED: _l("Captions draft waiting"),
    DraftState.DRAFTING: _l("Drafting captions"),
    DraftState.DONE: _l("Captions drafted"),
    DraftState.NO_SPEECH: _l("No speech found"),
    DraftState.SKIPPED: _l("No captions draft"),
    DraftState.FAILED: _l("Captions draft failed"),
}


def draft_label(draft: CaptionDraft) -> str:
    return str(DRAFT_LABELS[draft.state])


def draft_note(draft: CaptionDraft) -> str:
    """What the automatic captions came to, in the reader's language."""
    if draft.state is DraftState.DONE:
        return ngettext("%(num)d caption drafted by the speech model: review it before "
                        "publishing.",
                        "%(num)d captions drafted by the speech model: review them before "
                        "publishing.", draft.cue_count or 0)
    if not draft.message:
        return ""
    params = dict(draft.params or {})
    if "language" in params:  # a code: named in the reader's language
        params["language"] = language_name(params["language"])
    return gettext(draft.message, **params)


def language_name(code: str) -> str:
    """'fr' as the reader says it: "French", or « français »."""
    try:
        return Locale.parse(code).get_display_name(get_locale()) or code
    except (ValueError, UnknownLocaleError):
        return code


def draft_info(video: Video) -> dict | None:
    """The draft as the live status script wants it (None: never drafted)."""
    draft = video.caption_draft
    if draft is None:
        return None
    return {"state": draft.state.value, "label": draft_label(draft),
            "progress": draft.progress, "message": draft_note(draft),
            "live": draft.state in (DraftState.QUEUED, DraftState.DRAFTING)}
