"""Errors of the media pipeline. Their messages are shown to people in the portal."""


class MediaError(RuntimeError):
    """The input cannot be turned into a video (bad, unsupported or hostile); not retryable.

    `template` is an English sentence with %(name)s placeholders and `params` their values, so
    whoever shows it can translate the template first (the portal does); `str()` is the English.
    """

    def __init__(self, template: str, **params: str) -> None:
        self.template = template
        self.params = params
        super().__init__(template % params if params else template)


class TranscodeFailed(RuntimeError):
    """ffmpeg failed on an input that probed well (a bug, a resource limit): may be retried."""


class Cancelled(RuntimeError):
    """The run was stopped on request or by its time limit."""
