"""Errors of the media pipeline. Their messages are shown to people in the portal."""


class MediaError(RuntimeError):
    """The input cannot be turned into a video (bad, unsupported or hostile); not retryable."""


class TranscodeFailed(RuntimeError):
    """ffmpeg failed on an input that probed well (a bug, a resource limit): may be retried."""


class Cancelled(RuntimeError):
    """The run was stopped on request or by its time limit."""
