"""Observability: JSON logs carrying request and job ids, secrets masked, /metrics guarded and
telling the truth about the database, and the production gunicorn configuration (metrics
summed over its worker processes)."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import redis
import requests
from prometheus_client.parser import text_string_to_metric_families

from careers_tv.clock import utcnow
from careers_tv.jobs import dispatch
from careers_tv.models import Announcement, AnnouncementStatus, Job, JobState, VideoStatus
from careers_tv.observability import figures, logs
from tests.browser.live import LiveServer
from tests.factories import VideoFactory

PROJECT = Path(__file__).resolve().parents[2]
SECRET = "test-secret-key-not-for-production"


@pytest.fixture
def json_log():
    """Root logger records, written by the production JSON handler into a string."""
    stream = io.StringIO()
    handler = logs.make_handler("json", [SECRET], stream=stream)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)


@pytest.fixture
def redis_down(monkeypatch):
    """The broker's Redis stops answering (a port nobody listens on)."""
    def unreachable(url, **options):
        return redis.Redis(host="127.0.0.1", port=1, **options)

    monkeypatch.setattr(figures.redis.Redis, "from_url", unreachable)


def scrape(client, **kwargs) -> dict[str, list]:
    """/metrics parsed: metric family name -> samples."""
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200, response.status_code
    assert response.headers["Cache-Control"] == "no-store"
    return {family.name: family.samples
            for family in text_string_to_metric_families(response.get_data(as_text=True))}


def value(families: dict, name: str, **labels) -> float | None:
    family = name.removesuffix("_count").removesuffix("_bucket")
    for sample in families.get(family, ()):
        if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
            return sample.value
    return None


# --- logs ---------------------------------------------------------------------------------

def test_a_request_logs_in_json_with_the_request_id_it_echoes(client, json_log, redis_down):
    response = client.get("/metrics", headers={"X-Request-ID": "edge-7f3a.1_b"})
    assert response.status_code == 200  # Redis down: the scrape still answers
    assert response.headers["X-Request-ID"] == "edge-7f3a.1_b"
    [line] = [r for r in json_log() if "broker's queue lengths" in r["message"]]
    assert line["request_id"] == "edge-7f3a.1_b"
    assert line["level"] == "WARNING" and line["name"] == "careers_tv.observability.figures"
    assert 'careers_tv_metrics_source_up{source="broker"} 0.0' in response.get_data(as_text=True)


@pytest.mark.parametrize("given", [None, "", "has space", "x" * 65, "semi;colon", "é"])
def test_a_missing_or_odd_request_id_is_replaced_by_a_fresh_one(client, given):
    headers = {} if given is None else {"X-Request-ID": given}
    first = client.get("/nowhere", headers=headers)  # errors carry one too
    second = client.get("/healthz", headers=headers)
    ids = [first.headers["X-Request-ID"], second.headers["X-Request-ID"]]
    assert first.status_code == 404
    assert all(len(i) == 32 and int(i, 16) >= 0 for i in ids) and ids[0] != ids[1]


def test_a_job_logs_with_its_id_kind_and_video(session, app_ctx, json_log, add_job_handler):
    def probe(claim):
        logging.getLogger("careers_tv.jobs.probe").warning("probing %s", claim.job.payload["n"])
        return {}

    add_job_handler("log_probe", probe)
    video = VideoFactory(status=VideoStatus.READY)
    job = Job(kind="log_probe", queue="default", video_id=video.id, payload={"n": 7})
    session.add(job)
    session.commit()

    assert dispatch.execute(job.id, "w1") == "done"
    [line] = [r for r in json_log() if r["message"] == "probing 7"]
    assert (line["job_id"], line["job_kind"], line["video_id"]) == (job.id, "log_probe", video.id)
    assert "request_id" not in line
    logging.getLogger("careers_tv.jobs.probe").warning("after the job")
    assert "job_id" not in json_log()[-1]


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_credentials_in_a_message_or_a_traceback_come_out_masked(log_format):
    stream = io.StringIO()
    logger = logging.getLogger("careers_tv.tests.redaction")
    handler = logs.make_handler(log_format, [SECRET, None, ""], stream=stream)
    logger.addHandler(handler)
    api_token = "ctv_" + "Ab3-_x" * 7 + "Z"
    try:
        logger.warning("headers: %s", {"Authorization": "Bearer abc.def-ghi"})
        logger.warning("called with Authorization: Basic dXNlcjpwYXNz")
        logger.warning("token %s refused; key=%s", api_token, SECRET)
        try:
            raise ValueError(f"bad token {api_token} with bearer sk-live-123")
        except ValueError:
            logger.exception("crashed")
    finally:
        logger.removeHandler(handler)
    output = stream.getvalue()
    for leaked in ("abc.def-ghi", "dXNlcjpwYXNz", api_token[4:], SECRET, "sk-live-123"):
        assert leaked not in output, (leaked, output)
    assert output.count("[redacted]") >= 6
    assert "ctv_[redacted]" in output and "ValueError" in output


def test_a_celery_worker_s_log_handlers_get_the_ids_and_the_masking(app):
    from celery.signals import after_setup_logger

    logger = logging.Logger("careers_tv.tests.celery_root")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger.addHandler(handler)
    after_setup_logger.send(sender=None, logger=logger, loglevel=logging.INFO, logfile=None,
                            format="%(message)s", colorize=False)
    with logs.job_context(41):
        logs.describe_job("transcode", 9)
        logger.warning("job running with %s", app.config["SECRET_KEY"])
    assert any(isinstance(f, logs.ContextFilter) for f in handler.filters)
    assert "[redacted]" in stream.getvalue() and SECRET not in stream.getvalue()


def test_an_unknown_log_format_stops_the_app_at_start():
    from careers_tv.config import ConfigError, load

    assert load({"LOG_FORMAT": "JSON"})["LOG_FORMAT"] == "json"
    with pytest.raises(ConfigError):
        load({"LOG_FORMAT": "yaml"})


# --- /metrics ---------------------------------------------------------------------------

def test_metrics_report_requests_and_what_the_database_holds(client, session):
    for status in (VideoStatus.READY, VideoStatus.READY, VideoStatus.FAILED,
                   VideoStatus.PUBLISHED):
        VideoFactory(status=status)
    posted, failed = VideoFactory(status=VideoStatus.PUBLISHED), VideoFactory(
        status=VideoStatus.PUBLISHED)
    session.add_all([
        Announcement(video=posted, account="a", status=AnnouncementStatus.POSTED),
        Announcement(video=posted, account="b", status=AnnouncementStatus.POSTED),
        Announcement(video=failed, status=AnnouncementStatus.FAILED),
    ])
    now = utcnow()
    long_one = VideoFactory(status=VideoStatus.READY, duration_seconds=60.0)
    short_one = VideoFactory(status=VideoStatus.READY, duration_seconds=20.0)
    session.add_all(
        [Job(kind="transcode", queue="transcode") for _ in range(3)]
        + [Job(kind="announce", queue="default"),
           Job(kind="transcode", queue="transcode", state=JobState.FAILED),
           # 80 s of video transcoded in 30 + 10 s: 0.5 s per second of video
           Job(kind="transcode", queue="transcode", state=JobState.DONE, video_id=long_one.id,
               finished_at=now - timedelta(hours=1), result={"timings": {"total": 30.0}}),
           Job(kind="transcode", queue="transcode", state=JobState.DONE, video_id=short_one.id,
               finished_at=now - timedelta(hours=23), result={"timings": {"total": 10.0}}),
           # outside the last 24 h: not counted
           Job(kind="transcode", queue="transcode", state=JobState.DONE, video_id=short_one.id,
               finished_at=now - timedelta(hours=25), result={"timings": {"total": 999.0}})])
    session.commit()
    before = scrape(client)
    client.get("/")
    client.get("/")
    client.get("/no/such/page")

    after = scrape(client)
    histogram = "careers_tv_http_request_duration_seconds_count"
    home = {"method": "GET", "endpoint": "public.home", "status_class": "2xx"}
    missing = {"method": "GET", "endpoint": "unknown", "status_class": "4xx"}
    assert value(after, histogram, **home) - (value(before, histogram, **home) or 0) == 2
    assert value(after, histogram, **missing) - (value(before, histogram, **missing) or 0) == 1
    assert value(after, "careers_tv_videos", status="ready") == 4
    assert value(after, "careers_tv_videos", status="failed") == 1
    assert value(after, "careers_tv_videos", status="published") == 3
    assert value(after, "careers_tv_videos", status="draft") == 0
    assert value(after, "careers_tv_failed_videos") == 1
    assert value(after, "careers_tv_announcements", status="posted") == 2
    assert value(after, "careers_tv_announcements", status="failed") == 1
    assert value(after, "careers_tv_announcements", status="pending") == 0
    assert value(after, "careers_tv_queue_depth", queue="transcode") == 3
    assert value(after, "careers_tv_queue_depth", queue="default") == 1
    assert value(after, "careers_tv_queue_depth", queue="transcode_long") == 0
    assert value(after, "careers_tv_jobs", kind="transcode", state="pending") == 3
    assert value(after, "careers_tv_jobs", kind="transcode", state="failed") == 1
    assert value(after, "careers_tv_jobs", kind="transcode", state="done") == 3
    assert value(after, "careers_tv_transcode_seconds_per_video_second") == pytest.approx(0.5)
    assert value(after, "careers_tv_broker_queue_messages", queue="transcode") is not None
    assert value(after, "careers_tv_metrics_source_up", source="database") == 1
    assert value(after, "careers_tv_metrics_source_up", source="broker") == 1


def test_no_transcode_finished_means_no_ratio_rather_than_zero(client):
    assert scrape(client)["careers_tv_transcode_seconds_per_video_second"] == []


PUBLIC = {"REMOTE_ADDR": "203.0.113.9"}


def test_metrics_are_hidden_from_public_addresses_and_through_an_untrusted_proxy(client):
    assert client.get("/metrics", environ_base=PUBLIC).status_code == 404
    relayed = client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
    assert relayed.status_code == 404
    for address, expected in (("10.1.2.3", 200), ("192.168.0.7", 200), ("fd12::1", 200),
                              ("::1", 200), ("2001:db8::1", 404), ("8.8.8.8", 404)):
        response = client.get("/metrics", environ_base={"REMOTE_ADDR": address})
        assert response.status_code == expected, address


def test_with_a_metrics_token_only_its_bearer_may_scrape(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", "scrape-token-0123456789")
    anonymous = client.get("/metrics", environ_base=PUBLIC)
    assert anonymous.status_code == 401 and anonymous.headers["WWW-Authenticate"]
    for wrong in ("Bearer nope", "Basic scrape-token-0123456789", "scrape-token-0123456789"):
        response = client.get("/metrics", environ_base=PUBLIC, headers={"Authorization": wrong})
        assert response.status_code == 401, wrong
    assert client.get("/metrics").status_code == 401  # loopback too: the token is the rule
    ok = client.get("/metrics", environ_base=PUBLIC,
                    headers={"Authorization": "Bearer scrape-token-0123456789"})
    assert ok.status_code == 200 and ok.mimetype == "text/plain"
    assert "careers_tv_http_request_duration_seconds_bucket" in ok.get_data(as_text=True)


# --- gunicorn ---------------------------------------------------------------------------

def test_the_production_gunicorn_configuration_loads(test_env):
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "--check-config",
         "app:app"],
        cwd=PROJECT, env={**os.environ, **test_env}, capture_output=True, text=True,
        timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_under_gunicorn_metrics_add_up_every_worker(test_env, tmp_path):
    metrics_dir = tmp_path / "prometheus"
    env = {**test_env, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir), "METRICS_TOKEN": "",
           "LOG_FORMAT": "json"}
    server = LiveServer(env, tmp_path, extra_args=["-c", "deploy/gunicorn.conf.py"])
    try:
        server.wait_ready()
        for _ in range(12):  # a new connection each: the workers share them out
            assert requests.get(server.url + "/healthz", timeout=10).ok
        response = requests.get(server.url + "/metrics", timeout=10)
    finally:
        server.stop()
    assert response.status_code == 200
    families = {f.name: f.samples for f in text_string_to_metric_families(response.text)}
    served = sum(s.value for s in families["careers_tv_http_request_duration_seconds"]
                 if s.name.endswith("_count") and s.labels["endpoint"] == "public.healthz")
    assert served >= 12
    assert list(metrics_dir.glob("histogram_*.db"))  # the workers' files, summed by the scrape
    assert value(families, "careers_tv_queue_depth", queue="transcode") == 0
