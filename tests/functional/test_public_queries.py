"""The listings run a fixed number of SQL statements, however many videos they show.

Counted with a `before_cursor_execute` listener on the engine, around one request each: a page
that loaded a video's channel, tags or anything else on its card one video at a time would
run more statements with 50 videos than with 1.
"""

from __future__ import annotations

from datetime import timedelta

from bs4 import BeautifulSoup

from careers_tv.clock import utcnow
from careers_tv.models import Tag, VideoStatus
from tests.factories import VideoFactory, channel
from tests.sql import sql_statements

SLUGS = ("temoignages", "sogelive", "mission-handicap", "corporate")


def add_videos(session, count: int, start: int = 0, slugs=("temoignages",)) -> None:
    """Published videos with all a card shows: poster, duration, speaker, tags, a country."""
    shared = session.query(Tag).filter_by(slug="shared").one_or_none() or Tag(
        slug="shared", label="Shared")
    for n in range(start, start + count):
        video = VideoFactory(
            channel=channel(slugs[n % len(slugs)]), title=f"Video {n}",
            status=VideoStatus.PUBLISHED, published_at=utcnow() - timedelta(minutes=n),
            poster_key=f"videos/v{n}/v1-x/poster.jpg", duration_seconds=60 + n,
            speaker_name=f"Speaker {n}", speaker_title="Engineer", country="FR",
            language="en" if n % 2 else "fr")
        video.tags = [shared, Tag(slug=f"only-{n}", label=f"Only {n}")]
    session.commit()
    session.expunge_all()  # the request loads everything itself, as in production


def measure(app, client, session, path: str) -> tuple[int, int]:
    """(statements, cards) for one GET of `path`, on a fresh session."""
    session.remove()
    with sql_statements(app) as statements:
        response = client.get(path)
    assert response.status_code == 200
    cards = BeautifulSoup(response.get_data(as_text=True), "html.parser").select(".video-card")
    return len(statements), len(cards)


def test_a_channel_page_runs_as_many_statements_with_50_videos_as_with_1(app, client, session):
    add_videos(session, 1)
    one, cards = measure(app, client, session, "/channels/temoignages")
    assert cards == 1
    add_videos(session, 49, start=1)
    fifty, cards = measure(app, client, session, "/channels/temoignages")
    assert cards == 24
    assert fifty == one

    filtered_one, cards = measure(app, client, session, "/channels/temoignages?tag=only-0")
    assert cards == 1
    filtered_many, cards = measure(app, client, session,
                                   "/channels/temoignages?tag=shared&country=FR&page=2")
    assert cards == 24
    assert filtered_many == filtered_one


def test_the_home_page_runs_as_many_statements_with_50_videos_as_with_1(app, client, session):
    add_videos(session, 1)
    one, cards = measure(app, client, session, "/")
    assert cards == 1
    add_videos(session, 49, start=1, slugs=SLUGS)
    fifty, cards = measure(app, client, session, "/")
    assert cards == 4 * len(SLUGS)
    assert fifty == one


def test_a_tag_page_runs_as_many_statements_with_50_videos_as_with_1(app, client, session):
    add_videos(session, 1)
    one, _ = measure(app, client, session, "/tags/shared")
    add_videos(session, 49, start=1, slugs=SLUGS)
    fifty, cards = measure(app, client, session, "/tags/shared")
    assert cards == 24
    assert fifty == one


def api_count(app, client, session, path: str) -> tuple[int, int]:
    """(statements, videos) for one GET of an API listing, on a fresh session."""
    session.remove()
    with sql_statements(app) as statements:
        response = client.get(path)
    assert response.status_code == 200
    return len(statements), len(response.get_json()["videos"])


def test_api_listings_and_search_run_as_many_statements_with_50_videos_as_with_1(
        app, client, session):
    paths = ("/api/v1/channels/temoignages/videos", "/api/v1/videos?tag=shared",
             "/api/v1/search?q=video")
    add_videos(session, 1)
    one = {path: api_count(app, client, session, path) for path in paths}
    assert {videos for _statements, videos in one.values()} == {1}
    add_videos(session, 49, start=1)
    fifty = {path: api_count(app, client, session, path) for path in paths}
    assert {videos for _statements, videos in fifty.values()} == {20, 24}
    assert {path: count[0] for path, count in fifty.items()} == {
        path: count[0] for path, count in one.items()}
