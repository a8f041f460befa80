"""Observability: structured logs with request and job ids, Prometheus metrics at /metrics."""

from __future__ import annotations

from flask import Flask

from .logs import describe_job, init_logging, job_context
from .metrics import init_metrics


def init_observability(app: Flask) -> None:
    """Call first in create_app: the request id and the clock then cover every other hook."""
    init_logging(app)
    init_metrics(app)


__all__ = ["describe_job", "init_observability", "job_context"]
