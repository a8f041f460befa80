"""What a resumable upload can refuse, and how it is answered.

Each kind carries the HTTP status the tus client acts on (`status`) and the sentence a person
reads: `message` is an English msgid with %(name)s placeholders (marked N_ so pybabel extracts
it) and `params` its values. careers_tv/api/uploads.py answers every refusal the same way,
`abort(exc.status, _(exc.message, **exc.params))`, so a new kind needs no new branch there;
`str(exc)` is the English sentence (logs, no request).
"""

from __future__ import annotations

from flask_babel import lazy_gettext

from ...i18n import N_
from ...models import VideoStatus


class UploadError(Exception):
    """A request about an upload that cannot be honoured; every kind below sets both."""

    status: int
    message: str

    def __init__(self, **params) -> None:
        self.params = params
        super().__init__(self.message % params if params else self.message)


class _AboutUpload(UploadError):
    """A refusal about one upload, which it names (for logs and debuggers; not shown)."""

    def __init__(self, upload_id: str) -> None:
        super().__init__()
        self.upload_id = upload_id


class UploadNotFound(_AboutUpload):
    """No such upload, or not this user's."""

    status = 404
    message = N_("No such upload.")


class UploadGone(_AboutUpload):
    """Terminated or expired."""

    status = 410
    message = N_("This upload was cancelled or has expired; start it again.")


class UploadBusy(_AboutUpload):
    """Another request is writing this upload right now."""

    status = 409
    message = N_("This upload is receiving data from another request; try again shortly.")


class UploadComplete(_AboutUpload):
    """All bytes arrived; the upload is the video's original now."""

    status = 409
    message = N_("This upload is complete: the video is being processed.")


class OffsetMismatch(UploadError):
    """The bytes sent do not start where the upload is."""

    status = 409
    message = N_("The upload is at byte %(expected)d, not at byte %(given)d.")

    def __init__(self, expected: int, given: int) -> None:
        super().__init__(expected=expected, given=given)
        self.expected, self.given = expected, given


class UploadTooLarge(UploadError):
    """More bytes than the upload (or the server) takes."""

    status = 413
    message = N_("That is more than the %(limit)s bytes allowed for this upload.")

    def __init__(self, limit: int) -> None:
        super().__init__(limit=limit)
        self.limit = limit


class InvalidUpload(UploadError):
    """The request describes no upload we can take (empty file, no video named...).

    `reason` is a msgid of its own (marked N_ where it is raised). It is translated inside the
    sentence: the parameter is a lazy string, which turns into the reader's language when the
    translated sentence is formatted with it; `str(exc)` stays English.
    """

    status = 400
    message = N_("This upload cannot be accepted: %(reason)s.")

    def __init__(self, reason: str) -> None:
        super().__init__(reason=reason)
        self.reason = reason
        self.params = {"reason": lazy_gettext(reason)}


class VideoNotFound(UploadError):
    """The video named does not exist, or is not this user's to upload to."""

    status = 404
    message = N_("No such video, or not one of yours.")

    def __init__(self, public_id: str) -> None:
        super().__init__()
        self.public_id = public_id


class VideoNotWaiting(UploadError):
    """The video is not (or no longer) waiting for its file."""

    status = 409
    message = N_("This video is not waiting for a file.")

    def __init__(self, video_status: VideoStatus | None) -> None:
        super().__init__()
        self.video_status = video_status  # None: the video is gone
