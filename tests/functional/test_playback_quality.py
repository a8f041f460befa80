"""The players' playback reports: refused with a reason when wrong, summed in Redis, flushed
per video and day with a startup histogram, and shown to editors on the dashboard."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import redis
import sqlalchemy as sa
from bs4 import BeautifulSoup

from careers_tv.handlers import housekeeping
from careers_tv.models import PlaybackDay, Role, StartupBucket, VideoStatus
from careers_tv.services import playback_quality as quality
from careers_tv.services.view_counts import utc_today
from tests.factories import UserFactory, VideoFactory
from tests.functional.portal_helpers import login

TODAY = utc_today()
PHONE = {"REMOTE_ADDR": "203.0.113.7", "HTTP_USER_AGENT": "Mozilla/5.0 (iPhone) Secret/1.0"}
GOOD = {"startup_ms": 640, "rebuffer_count": 1, "rebuffer_ms": 900, "watched_ms": 42_000}


@pytest.fixture
def reports(redis_url):
    """Redis as the playback recorder sees it: nothing waiting before, nothing left after."""
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter("careers_tv:playback:*"):
        client.delete(key)
    yield client
    for key in client.scan_iter("careers_tv:playback:*"):
        client.delete(key)


@pytest.fixture
def videos(session):
    shown = VideoFactory(status=VideoStatus.PUBLISHED, published_at=datetime.now(UTC))
    other = VideoFactory(status=VideoStatus.PUBLISHED, published_at=datetime.now(UTC))
    draft = VideoFactory(status=VideoStatus.READY)
    gone = VideoFactory(status=VideoStatus.UNPUBLISHED)
    session.commit()
    return shown, other, draft, gone


def send(client, public_id: str, report, **kwargs):
    body = report if isinstance(report, (bytes, str)) else json.dumps(report)
    kwargs.setdefault("content_type", "application/json")
    return client.post(f"/videos/{public_id}/playback", data=body, environ_base=PHONE, **kwargs)


def rows(session, video_id: int) -> tuple[dict, dict]:
    session.expire_all()
    day = session.get(PlaybackDay, (video_id, TODAY))
    sums = {name: getattr(day, name) for name in quality.SUMS} if day else {}
    buckets = dict(session.execute(sa.select(StartupBucket.bucket, StartupBucket.samples)
                                   .where(StartupBucket.video_id == video_id)).all())
    return sums, buckets


# The endpoint ---------------------------------------------------------------------------------

def test_a_report_is_taken_then_added_up_by_the_flush(app, client, session, videos, reports):
    shown, other, _, _ = videos
    assert send(client, shown.public_id, GOOD).status_code == 204
    response = send(client, shown.public_id, {**GOOD, "startup_ms": 660, "rebuffer_count": 0,
                                              "rebuffer_ms": 0})
    assert response.status_code == 204 and response.headers["Cache-Control"] == "no-store"
    failed = {"startup_ms": None, "rebuffer_count": 0, "rebuffer_ms": 0, "watched_ms": 0,
              "fatal": "networkError:manifestLoadError"}
    assert send(client, other.public_id, failed).status_code == 204
    assert rows(session, shown.id) == ({}, {})  # nothing written per report: it waits

    # Nothing about the viewer is kept: only the video's id and sums.
    held = b" ".join(key + b" " + b" ".join(k + b"=" + v for k, v in reports.hgetall(key).items())
                     for key in reports.scan_iter("careers_tv:playback:*"))
    for secret in (b"203.0.113.7", b"iPhone", b"Secret", shown.public_id.encode()):
        assert secret not in held

    assert housekeeping.add_up_playback.apply().get() == 3
    assert rows(session, shown.id) == (
        {"reports": 2, "watched_ms": 84_000, "rebuffer_count": 1, "rebuffer_ms": 900,
         "fatal_errors": 0},
        {quality.bucket_of(640): 1, quality.bucket_of(660): 1})
    assert rows(session, other.id) == (
        {"reports": 1, "watched_ms": 0, "rebuffer_count": 0, "rebuffer_ms": 0,
         "fatal_errors": 1}, {})
    assert housekeeping.add_up_playback.apply().get() == 0  # nothing counted twice

    assert send(client, shown.public_id, {**GOOD, "startup_ms": 645}).status_code == 204
    with app.app_context():
        assert quality.flush_playback() == 1
    sums, buckets = rows(session, shown.id)
    assert sums["reports"] == 3 and buckets[quality.bucket_of(640)] == 2  # added, not replaced


@pytest.mark.parametrize(("body", "message"), [
    (b"{not json", "the report is not valid JSON"),
    (b"\xff\xfe", "the report is not valid JSON"),
    (b"[1, 2]", "the report must be a JSON object"),
    ({**GOOD, "startup_ms": "fast"}, "startup_ms must be a whole number from 0 to 120000"),
    ({**GOOD, "startup_ms": 120_001}, "startup_ms must be a whole number from 0 to 120000"),
    ({**GOOD, "rebuffer_count": -1}, "rebuffer_count must be a whole number from 0 to 10000"),
    ({**GOOD, "watched_ms": 86_400_001}, "watched_ms must be a whole number from 0 to 86400000"),
    ({**GOOD, "rebuffer_ms": 1.5}, "rebuffer_ms must be a whole number"),
    ({**GOOD, "fatal": "a" * 81}, "fatal must be up to 80 letters, digits, _ : or -"),
    ({**GOOD, "fatal": "<img src=x>"}, "fatal must be up to 80 letters, digits, _ : or -"),
    ({**GOOD, "ip": "203.0.113.7"}, "unknown field: ip"),
    ({"rebuffer_count": 0, "rebuffer_ms": 0, "watched_ms": 0}, "the report says nothing"),
])
def test_a_wrong_report_is_a_400_with_the_reason(client, videos, reports, body, message):
    shown = videos[0]
    response = send(client, shown.public_id, body)
    assert response.status_code == 400
    assert response.json["error"]["message"].startswith(message)
    assert not reports.exists(quality.PENDING)


def test_a_report_too_large_or_not_json_is_refused(client, videos, reports):
    shown = videos[0]
    padded = json.dumps({**GOOD, "fatal": "x"}) + " " * quality.REPORT_MAX_BYTES
    response = send(client, shown.public_id, padded)
    assert response.status_code == 413 and "at most 1024 bytes" in response.json["error"]["message"]
    response = send(client, shown.public_id, json.dumps(GOOD), content_type="text/plain")
    assert response.status_code == 415
    assert response.json["error"]["message"] == "a report is sent as application/json"
    assert not reports.exists(quality.PENDING)


def test_only_published_videos_take_reports(client, videos, reports):
    _, _, draft, gone = videos
    for public_id in (draft.public_id, gone.public_id, "nope"):
        assert send(client, public_id, GOOD).status_code == 404
    assert client.get(f"/videos/{videos[0].public_id}/playback").status_code == 405
    assert not reports.exists(quality.PENDING)


# The flush ------------------------------------------------------------------------------------

def test_a_flush_that_died_is_picked_up_and_a_deleted_video_left_out(app, client, session,
                                                                      videos, reports):
    shown, other, _, _ = videos
    send(client, shown.public_id, GOOD)
    send(client, other.public_id, GOOD)
    reports.rename(quality.PENDING, quality.FLUSHING + "crashed")  # renamed, never added
    other_id = other.id
    session.delete(other)
    session.commit()
    with app.app_context():
        assert quality.flush_playback() == 1
    assert rows(session, shown.id)[0]["reports"] == 1
    assert rows(session, other_id) == ({}, {})
    assert list(reports.scan_iter("careers_tv:playback:*")) == []


def test_the_embedded_default_writes_each_report_at_once(app, session, videos):
    shown = videos[0]
    recorder = quality.DirectPlaybackRecorder()
    with app.app_context():
        recorder.record(shown.id, quality.parse_report(GOOD))
        recorder.record(shown.id, quality.parse_report({**GOOD, "fatal": "mediaError:x"}))
        assert recorder.flush() == 0
    sums, buckets = rows(session, shown.id)
    assert sums["reports"] == 2 and sums["fatal_errors"] == 1
    assert buckets == {quality.bucket_of(640): 2}


# The dashboard --------------------------------------------------------------------------------

def add_day(video, day, startups: list[int], watched=0, stalled=0, stalls=0, fatal=0):
    totals = quality.Totals()
    totals.sums.update(reports=len(startups) + fatal, watched_ms=watched, rebuffer_ms=stalled,
                       rebuffer_count=stalls, fatal_errors=fatal)
    for ms in startups:
        totals.startups[quality.bucket_of(ms)] += 1
    quality._add({video.id: totals}, day)


def cells(tr) -> list[str]:
    return [cell.get_text(" ", strip=True) for cell in tr.find_all(["th", "td"])]


def test_the_dashboard_shows_startup_percentiles_stalls_and_failures_per_day(client, session,
                                                                             videos):
    shown, other, _, _ = videos
    yesterday = TODAY - timedelta(days=1)
    with client.application.app_context():
        add_day(shown, TODAY, [620, 630, 640, 2_010, 2_020], watched=90_000, stalled=10_000,
                stalls=2)
        add_day(other, TODAY, [], fatal=1)
        add_day(shown, yesterday, [1_000, 1_010], watched=60_000)
        add_day(shown, TODAY - timedelta(days=30), [99_000], watched=1)  # off the 30 days
    editor = UserFactory(role=Role.EDITOR)
    session.commit()
    login(client, editor)

    page = BeautifulSoup(client.get("/portal/?lang=en").get_data(as_text=True), "html.parser")
    section = page.find("section", class_="playback-quality")
    assert section.h2.get_text() == "Playback quality"
    table = section.find("table", class_="quality")
    assert "Playback quality per day" in table.caption.get_text()
    assert cells(table.thead.tr) == ["Day", "Plays measured", "Start, median",
                                     "Start, 75th percentile", "Time stalled", "Failures"]
    body = table.tbody.find_all("tr")
    assert [tr["data-day"] for tr in body] == [TODAY.isoformat(), yesterday.isoformat()]
    # Today: 5 starts (the median 2/3 into the 600–650 ms bucket, p75 in the 2000–2050 ms
    # one) and a failure; stalled 10 s of 100 s.
    assert cells(body[0])[1:] == ["6", "0.6\u00a0s", "2.0\u00a0s", "10%", "1"]
    assert cells(body[1])[1:] == ["2", "1.0\u00a0s", "1.0\u00a0s", "0%", "0"]
    # The 30 days: 7 starts (median in the 1000–1050 ms bucket), 10 s stalled of 160 s.
    assert cells(table.tfoot.tr) == ["30 days", "8", "1.0\u00a0s", "2.0\u00a0s", "6.2%", "1"]

    french = BeautifulSoup(client.get("/portal/?lang=fr").get_data(as_text=True), "html.parser")
    row = french.find("table", class_="quality").tbody.tr
    assert cells(row)[2:5] == ["0,6\u00a0s", "2,0\u00a0s", "10\u00a0%"]


def test_the_dashboard_says_when_nothing_was_measured_and_contributors_see_none(client,
                                                                                session):
    editor = UserFactory(role=Role.EDITOR)
    contributor = UserFactory(role=Role.CONTRIBUTOR)
    session.commit()
    login(client, editor)
    page = BeautifulSoup(client.get("/portal/?lang=en").get_data(as_text=True), "html.parser")
    section = page.find("section", class_="playback-quality")
    assert "No playback measured in the last 30 days." in section.get_text()
    other = client.application.test_client()
    login(other, contributor)
    page = BeautifulSoup(other.get("/portal/").get_data(as_text=True), "html.parser")
    assert page.find("section", class_="playback-quality") is None
