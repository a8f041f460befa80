"""Logs: one JSON object per line in production (`LOG_FORMAT=json`), text otherwise.

Every record logged while a request is served carries its `request_id` (the proxy's
`X-Request-ID` when it is a sane token, else a new one, echoed back to the client); every
record logged while a job runs carries `job_id`, `job_kind` and `video_id`. Both come from
context variables read by a logging filter, so nothing has to pass them around. Another
filter masks bearer tokens, API tokens and our own secrets should any reach a message.
"""

from __future__ import annotations

import logging
import re
import sys
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import IO

from flask import Flask, request
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")

_request_id: ContextVar[str | None] = ContextVar("careers_tv_request_id", default=None)
_job: ContextVar[dict | None] = ContextVar("careers_tv_job", default=None)

# Settings whose values must never appear in a log line, whatever code logs them.
SECRET_SETTINGS = ("SECRET_KEY", "METRICS_TOKEN", "AWS_SECRET_ACCESS_KEY", "X_CONSUMER_SECRET",
                   "X_ACCESS_TOKEN", "X_ACCESS_TOKEN_SECRET")
REDACTED = "[redacted]"
_AUTHORIZATION = re.compile(r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?)[^\"'\r\n,}]+")
_BEARER = re.compile(r"(?i)(\bbearer\s+)[^\s\"',;}]+")
_API_TOKEN = re.compile(r"\bctv_[A-Za-z0-9_-]+")

TEXT_FORMAT = "[%(asctime)s] %(levelname)s %(name)s: %(message)s"
JSON_FIELDS = ("levelname", "name", "message")
_OURS = "_careers_tv_handler"  # marks the handler we installed, to replace it on a new app


@contextmanager
def job_context(job_id: int) -> Iterator[None]:
    """Within this block, log records carry the job's id (and its kind and video once
    `describe_job` has been called)."""
    token = _job.set({"job_id": job_id})
    try:
        yield
    finally:
        _job.reset(token)


def describe_job(kind: str, video_id: int | None) -> None:
    fields = _job.get()
    if fields is not None:
        fields.update(job_kind=kind, video_id=video_id)


class ContextFilter(logging.Filter):
    """Adds the request's and the job's ids to every record that passes (never drops one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = _request_id.get()
        if request_id is not None:
            record.request_id = request_id
        for key, value in (_job.get() or {}).items():
            setattr(record, key, value)
        return True


class Redactor:
    """Masks credentials in text: `Authorization:` values, bearer tokens, `ctv_…` API tokens
    and the literal values of the secret settings."""

    def __init__(self, secrets: Iterable[str | None] = ()):
        # Longest first, so a secret containing another is masked whole.
        self.secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        text = _AUTHORIZATION.sub(rf"\g<1>{REDACTED}", text)
        text = _BEARER.sub(rf"\g<1>{REDACTED}", text)
        text = _API_TOKEN.sub(f"ctv_{REDACTED}", text)
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text


class RedactFilter(logging.Filter):
    """Rewrites a record's message when it holds a credential. (Tracebacks are masked by the
    formatters below, which alone turn them into text.)"""

    def __init__(self, redactor: Redactor):
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: let the handler report it as usual
            return True
        masked = self.redactor(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


class TextFormatter(logging.Formatter):
    def __init__(self, redactor: Redactor, fmt: str = TEXT_FORMAT):
        super().__init__(fmt)
        self.redactor = redactor

    def format(self, record: logging.LogRecord) -> str:
        ids = [f"{key}={getattr(record, key)}" for key in ("request_id", "job_id")
               if getattr(record, key, None) is not None]
        line = super().format(record)
        return f"{line} [{' '.join(ids)}]" if ids else line

    def formatException(self, ei) -> str:  # noqa: N802 - logging's name
        return self.redactor(super().formatException(ei))


class JsonLogFormatter(JsonFormatter):
    """python-json-logger's formatter: the standard fields, plus whatever the filters added
    (request_id, job_id, job_kind, video_id) or a call passed in `extra`."""

    def __init__(self, redactor: Redactor):
        super().__init__(JSON_FIELDS, rename_fields={"levelname": "level"}, timestamp="time",
                         json_ensure_ascii=False)  # time: ISO 8601, UTC
        self.redactor = redactor

    def formatException(self, ei) -> str:  # noqa: N802 - logging's name
        return self.redactor(super().formatException(ei))


def make_formatter(log_format: str, redactor: Redactor) -> logging.Formatter:
    return JsonLogFormatter(redactor) if log_format == "json" else TextFormatter(redactor)


def make_handler(log_format: str, secrets: Iterable[str | None] = (),
                 stream: IO[str] | None = None) -> logging.Handler:
    """A stream handler that writes records in `log_format`, with the ids and the masking."""
    redactor = Redactor(secrets)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(make_formatter(log_format, redactor))
    dress(handler, redactor)
    return handler


def dress(handler: logging.Handler, redactor: Redactor) -> None:
    """Give an existing handler (Celery's) the context and masking filters, once."""
    if not any(isinstance(f, ContextFilter) for f in handler.filters):
        handler.addFilter(ContextFilter())
        handler.addFilter(RedactFilter(redactor))


def _secrets(app: Flask) -> list[str | None]:
    return [app.config.get(name) for name in SECRET_SETTINGS]


def init_logging(app: Flask) -> None:
    """Configure the process's logging for this app, and the request id around requests.

    With `LOG_FORMAT=json` the root logger gets our JSON handler (replacing the one a previous
    app installed). In text mode, a process whose logging nobody configured (gunicorn's
    workers, `python app.py`) gets the text handler; one that configured its own (a test
    run, a host application) is left alone.
    """
    log_format = app.config.get("LOG_FORMAT", "text")
    root = logging.getLogger()
    ours = [h for h in root.handlers if getattr(h, _OURS, False)]
    if log_format == "json" or not (root.handlers and not ours):
        for old in ours:
            root.removeHandler(old)
        handler = make_handler(log_format, _secrets(app))
        setattr(handler, _OURS, True)
        root.addHandler(handler)
        if root.level == logging.NOTSET or root.level > logging.INFO:
            root.setLevel(logging.INFO)
    _hook_celery(log_format, Redactor(_secrets(app)))

    @app.before_request
    def bind_request_id():
        given = request.headers.get(REQUEST_ID_HEADER, "")
        sane = _SANE_REQUEST_ID.fullmatch(given)
        _request_id.set(given if sane else uuid.uuid4().hex)

    @app.after_request
    def echo_request_id(response):
        request_id = _request_id.get()
        if request_id:
            response.headers[REQUEST_ID_HEADER] = request_id
        return response

    @app.teardown_request
    def forget_request_id(exc):
        _request_id.set(None)


def _hook_celery(log_format: str, redactor: Redactor) -> None:
    """Celery replaces the root logger's handlers when a worker starts: dress its handlers
    (and, in JSON mode, give them our formatter) once it has done so."""
    from celery.signals import after_setup_logger, after_setup_task_logger

    def dress_celery(logger=None, **kwargs):
        for handler in getattr(logger, "handlers", ()):
            dress(handler, redactor)
            if log_format == "json":
                handler.setFormatter(JsonLogFormatter(redactor))

    # One receiver however many apps are built; the latest app's settings win.
    for signal in (after_setup_logger, after_setup_task_logger):
        uid = f"careers_tv.logs.{signal.name}"
        signal.disconnect(dispatch_uid=uid)
        signal.connect(dress_celery, weak=False, dispatch_uid=uid)
