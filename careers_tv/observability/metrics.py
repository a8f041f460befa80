"""Prometheus metrics at /metrics: request latency measured here, the rest read at scrape time.

Under gunicorn every worker process keeps its own counts. With `PROMETHEUS_MULTIPROC_DIR`
set (an empty folder, writable by the workers, wiped at start: deploy/gunicorn.conf.py does
it) prometheus_client writes them to files there and a scrape of any worker sums them all;
without it, one process's plain registry is reported (the embedded default, tests).

Who may scrape: with `METRICS_TOKEN` set, whoever sends `Authorization: Bearer <token>`;
without it, clients on loopback or a private network only (others get 404).
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import time

from flask import Blueprint, Flask, Response, abort, current_app, g, request
from prometheus_client import REGISTRY, CollectorRegistry, Histogram, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import choose_encoder

from ..connections import is_redis_url
from ..extensions import db
from ..ratelimit import client_ip
from . import figures

log = logging.getLogger(__name__)

HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Up to 5 minutes: a 32 MiB upload PATCH on a slow line takes that long.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
                   120.0, 300.0)

REQUEST_SECONDS = Histogram(
    "careers_tv_http_request_duration_seconds",
    "Time to answer an HTTP request, by method, Flask endpoint and status class.",
    ["method", "endpoint", "status_class"],
    buckets=LATENCY_BUCKETS,
)

bp = Blueprint("observability", __name__)

# Who may scrape without a token. Not `ipaddress.is_private`: that also says yes to the
# documentation ranges (203.0.113.0/24…), which real traffic can carry.
PRIVATE_NETWORKS = tuple(ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7"))


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def _gauge(name: str, documentation: str, labels: list[str], values: dict) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation, labels=labels)
    for key, value in values.items():
        family.add_metric(key if isinstance(key, tuple) else (key,), value)
    return family


class StoreCollector:
    """The figures read from the database and the broker at each scrape. A store that does
    not answer is logged and reported as down; the scrape still answers with the rest."""

    def collect(self):
        up = GaugeMetricFamily("careers_tv_metrics_source_up",
                               "Whether a store answered this scrape (1) or not (0).",
                               labels=["source"])
        try:
            families = list(self._database())
        except Exception:
            db.session.rollback()
            log.exception("metrics: could not read the figures from the database")
            families = []
        up.add_metric(["database"], 1 if families else 0)
        yield from families
        broker = figures.broker_messages_by_queue()
        if broker is not None:
            yield _gauge("careers_tv_broker_queue_messages",
                         "Messages waiting in the broker's list for each queue (Redis only).",
                         ["queue"], broker)
        if _broker_is_redis():
            up.add_metric(["broker"], 0 if broker is None else 1)
        yield up

    def _database(self):
        yield _gauge("careers_tv_queue_depth", "Jobs waiting to run, per queue (jobs table).",
                     ["queue"], figures.pending_jobs_by_queue())
        yield _gauge("careers_tv_jobs", "Jobs by kind and state.", ["kind", "state"],
                     figures.jobs_by_kind_and_state())
        ratio = GaugeMetricFamily(
            "careers_tv_transcode_seconds_per_video_second",
            "Transcoding wall time per second of video, over the transcodes finished in the "
            "last 24 hours (absent when there were none).")
        value = figures.transcode_seconds_per_video_second()
        if value is not None:
            ratio.add_metric([], value)
        yield ratio
        videos = figures.videos_by_status()
        yield _gauge("careers_tv_videos", "Videos by status.", ["status"], videos)
        # A gauge: a video retried successfully leaves the count.
        yield GaugeMetricFamily("careers_tv_failed_videos",
                                "Videos whose processing failed (status failed).",
                                value=videos.get("failed", 0))
        yield _gauge("careers_tv_announcements", "Announcements on X by status.", ["status"],
                     figures.announcements_by_status())


def _broker_is_redis() -> bool:
    return is_redis_url(current_app.extensions["celery"].conf.broker_url)


class _ThisProcess:
    """The default registry (this process's request histogram, its CPU and memory)."""

    def collect(self):
        return REGISTRY.collect()


def render(accept: str | None = None) -> tuple[bytes, str]:
    """The exposition text (or OpenMetrics, if asked for) and its content type."""
    registry = CollectorRegistry()
    if multiprocess_dir():
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    registry.register(StoreCollector())
    encoder, content_type = choose_encoder(accept or "")
    return encoder(registry), content_type


def _may_scrape_without_token() -> bool:
    """From loopback or a private network, and not relayed by a proxy we were not told to
    trust (through one, every request would look local)."""
    if not current_app.config.get("TRUSTED_PROXY_COUNT") and (
            "X-Forwarded-For" in request.headers or "Forwarded" in request.headers):
        return False
    try:
        address = ipaddress.ip_address(client_ip())
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_loopback or any(address in network for network in PRIVATE_NETWORKS)


@bp.get("/metrics")
def metrics():
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(),
                                                                 token.encode()):
            return Response("a bearer token is required\n", 401, mimetype="text/plain",
                            headers={"WWW-Authenticate": 'Bearer realm="metrics"',
                                     "Cache-Control": "no-store"})
    elif not _may_scrape_without_token():
        abort(404)
    body, content_type = render(request.headers.get("Accept"))
    return Response(body, 200, content_type=content_type, headers={"Cache-Control": "no-store"})


def init_metrics(app: Flask) -> None:
    @app.before_request
    def start_clock():
        g.careers_tv_started = time.perf_counter()

    @app.after_request
    def observe(response):
        started = g.pop("careers_tv_started", None)
        if started is not None:
            method = request.method if request.method in HTTP_METHODS else "other"
            endpoint = request.url_rule.endpoint if request.url_rule else "unknown"
            REQUEST_SECONDS.labels(method, endpoint, f"{response.status_code // 100}xx").observe(
                time.perf_counter() - started)
        return response

    app.register_blueprint(bp)
