"""What a resumable upload can refuse; careers_tv/api/uploads.py turns each into a status."""

from __future__ import annotations

from ..models import VideoStatus


class UploadError(Exception):
    """A request about an upload that cannot be honoured."""


class UploadNotFound(UploadError):
    """No such upload, or not this user's."""


class UploadGone(UploadError):
    """Terminated or expired."""


class UploadBusy(UploadError):
    """Another request is writing this upload right now."""


class UploadComplete(UploadError):
    """All bytes arrived; the upload is the video's original now."""


class OffsetMismatch(UploadError):
    def __init__(self, expected: int, given: int):
        super().__init__(f"the upload is at byte {expected}, not {given}")
        self.expected, self.given = expected, given


class UploadTooLarge(UploadError):
    def __init__(self, limit: int):
        super().__init__(f"more than {limit} bytes")
        self.limit = limit


class InvalidUpload(UploadError):
    """The request describes no upload we can take (empty file, no video named...)."""


class VideoNotFound(UploadError):
    """The video named does not exist, or is not this user's to upload to."""


class VideoNotWaiting(UploadError):
    def __init__(self, status: VideoStatus | None):
        super().__init__(f"the video is {status.value if status else 'gone'}")
        self.status = status
