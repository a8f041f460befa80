"""The playback report in Chromium, on a clip transcoded by the real pipeline and served by
gunicorn: a video played then left reports its startup time, a player that gives up reports
its error, a page left unplayed reports nothing; the dashboard shows the figures."""

from __future__ import annotations

import time

import pytest
import redis
import sqlalchemy as sa
from bs4 import BeautifulSoup

from careers_tv.extensions import db
from careers_tv.models import PlaybackDay, Role, StartupBucket
from careers_tv.services import playback_quality as quality
from tests import media as m
from tests.browser.test_watch_player import transcode_and_publish
from tests.factories import UserFactory
from tests.functional.portal_helpers import login

TIMEOUT_MS = 60_000
VIDEO = "document.querySelector('[data-player] video')"


@pytest.fixture
def reports(redis_url):
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter("careers_tv:playback:*"):
        client.delete(key)
    yield client
    for key in client.scan_iter("careers_tv:playback:*"):
        client.delete(key)


@pytest.fixture
def published_clip(committed, media):
    path = media.build(m.make_landscape, folder="playback-report", size=(640, 360), duration=6)
    video = transcode_and_publish(path, "Ana, ingenieure", "Ingenieure", {})
    return video.public_id, video.id


def reported(proxy, timeout: float = 10) -> list:
    """The reports the proxy saw go to the server (beacons are sent as the page goes)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen = [s for s in proxy.requests_seen("POST") if s.path.endswith("/playback")]
        if seen:
            time.sleep(0.5)  # let the server answer before the flush reads Redis
            return seen
        time.sleep(0.1)
    return []


def flushed(app, video_id: int) -> tuple[PlaybackDay | None, dict[int, int]]:
    with app.app_context():
        quality.flush_playback()
        db.session.expire_all()
        day = db.session.scalar(sa.select(PlaybackDay).where(PlaybackDay.video_id == video_id))
        buckets = dict(db.session.execute(
            sa.select(StartupBucket.bucket, StartupBucket.samples)
            .where(StartupBucket.video_id == video_id)).all())
        if day is not None:
            db.session.expunge(day)
        return day, buckets


def open_watch_page(page, proxy, public_id: str) -> None:
    page.goto(f"{proxy.url}/videos/{public_id}?lang=en")
    assert page.locator("script[src$='js/playback-report.js']").count() == 1


def test_a_video_played_then_left_reports_its_startup(app, page, proxy, published_clip,
                                                      reports):
    public_id, video_id = published_clip
    open_watch_page(page, proxy, public_id)
    page.evaluate(f"{VIDEO}.muted = true; {VIDEO}.play()")
    page.wait_for_function(f"{VIDEO}.currentTime > 2", timeout=TIMEOUT_MS)
    assert page.evaluate("window.playerFatal") is None
    page.goto(f"{proxy.url}/?lang=en")  # the viewer leaves: pagehide sends the report

    assert len(reported(proxy)) == 1
    day, buckets = flushed(app, video_id)
    assert day is not None and day.reports == 1 and day.fatal_errors == 0
    assert day.watched_ms >= 1_500
    assert sum(buckets.values()) == 1
    (bucket,) = buckets
    assert quality.bucket_range(bucket)[0] > 0  # a start takes time: playlists, a segment

    # The editor's dashboard shows that start.
    editor = UserFactory(role=Role.EDITOR)
    db.session.commit()
    client = app.test_client()
    login(client, editor)
    html = BeautifulSoup(client.get("/portal/?lang=en").get_data(as_text=True), "html.parser")
    row = html.select_one("table.quality tbody tr")
    figures = [td.get_text(strip=True) for td in row.find_all("td")]
    assert figures[0] == "1" and figures[1] != "—" and figures[-1] == "0"


def test_a_player_that_gives_up_reports_its_error(app, page, proxy, published_clip, reports):
    public_id, video_id = published_clip
    # The master playlist cannot be fetched: hls.js retries, then the player gives up.
    page.route("**/master.m3u8", lambda route: route.fulfill(status=404, body="gone"))
    open_watch_page(page, proxy, public_id)
    # Not awaited: a play() that never gets a picture never settles.
    page.evaluate(f"{VIDEO}.muted = true; {VIDEO}.play().catch(() => {{}}); null")
    page.wait_for_function("window.playerFatal !== undefined && "
                           "!document.querySelector('[data-player-status]').hidden",
                           timeout=TIMEOUT_MS)
    page.goto("about:blank")

    assert len(reported(proxy)) == 1
    day, buckets = flushed(app, video_id)
    assert day is not None and day.reports == 1 and day.fatal_errors == 1
    assert buckets == {}  # it never started: no startup time


def test_the_error_event_is_reported_even_after_a_start(app, page, proxy, published_clip,
                                                        reports):
    public_id, video_id = published_clip
    open_watch_page(page, proxy, public_id)
    page.evaluate(f"{VIDEO}.muted = true; {VIDEO}.play()")
    page.wait_for_function(f"{VIDEO}.currentTime > 0.5", timeout=TIMEOUT_MS)
    page.evaluate(f"{VIDEO}.dispatchEvent(new CustomEvent('careerstv:fatal', "
                  "{detail: {type: 'mediaError', details: 'bufferAppendError <b>'}}))")
    page.goto("about:blank")
    assert len(reported(proxy)) == 1
    day, buckets = flushed(app, video_id)
    assert day.reports == 1 and day.fatal_errors == 1 and sum(buckets.values()) == 1


def test_a_page_left_before_playing_reports_nothing(app, page, proxy, published_clip,
                                                    reports):
    public_id, video_id = published_clip
    open_watch_page(page, proxy, public_id)
    page.wait_for_function(f"{VIDEO}.readyState >= 1", timeout=TIMEOUT_MS)
    page.goto("about:blank")
    assert reported(proxy, timeout=2) == []
    assert flushed(app, video_id) == (None, {})
