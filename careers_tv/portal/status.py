"""How the portal names a video's status, in the reader's language."""

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from ..models import Video, VideoStatus

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
