"""The public side of the JSON API: channels, listings with cursors, one video, tags, search,
errors in JSON, caching headers and conditional GETs."""

from __future__ import annotations

from datetime import timedelta

import pytest

from careers_tv.clock import utcnow
from careers_tv.models import Caption, Tag, Video, VideoStatus, Visibility
from tests.factories import VideoFactory, channel

API = "/api/v1"


def published(title: str, *, slug: str = "temoignages", hours_ago: float = 0, **fields):
    return VideoFactory(title=title, channel=channel(slug), status=VideoStatus.PUBLISHED,
                        published_at=utcnow() - timedelta(hours=hours_ago), **fields)


def titles(data) -> list[str]:
    return [v["title"] for v in data["videos"]]


def all_pages(client, path: str) -> list[str]:
    """Follow `next` to the end; the titles in the order the pages gave them."""
    seen, url = [], path
    while url:
        data = client.get(url).get_json()
        seen += titles(data)
        url = data["next"]
    return seen


def test_channels_say_how_many_videos_they_list(client, session):
    published("One")
    published("Unlisted", visibility=Visibility.UNLISTED)
    VideoFactory(title="Draft", channel=channel(), status=VideoStatus.READY)
    session.commit()
    data = client.get(f"{API}/channels").get_json()
    temoignages = data["channels"][0]
    assert temoignages["slug"] == "temoignages"
    assert temoignages["video_count"] == 1
    assert temoignages["url"] == "http://localhost/channels/temoignages"
    assert client.get(f"{API}/channels/corporate").get_json()["name"]["en"] == "Corporate"
    missing = client.get(f"{API}/channels/nope")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"


def test_a_channel_lists_published_public_videos_only_newest_first(client, session):
    published("Old", hours_ago=5)
    published("New", hours_ago=1)
    published("Unlisted", visibility=Visibility.UNLISTED)
    published("Elsewhere", slug="corporate")
    for status in (VideoStatus.DRAFT, VideoStatus.READY, VideoStatus.SCHEDULED,
                   VideoStatus.UNPUBLISHED, VideoStatus.PROCESSING):
        VideoFactory(title=f"Not {status.value}", channel=channel(), status=status)
    session.commit()
    data = client.get(f"{API}/channels/temoignages/videos").get_json()
    assert titles(data) == ["New", "Old"]
    assert data["next_cursor"] is None and data["next"] is None
    assert titles(client.get(f"{API}/channels/temoignages/videos?sort=oldest").get_json()) == [
        "Old", "New"]
    everything = client.get(f"{API}/videos").get_json()
    assert sorted(titles(everything)) == ["Elsewhere", "New", "Old"]
    assert titles(client.get(f"{API}/videos?channel=corporate").get_json()) == ["Elsewhere"]


def test_filters_by_tag_language_country_and_speaker(client, session):
    a = published("A", language="en", country="GB", speaker_name="Ana Martin")
    a.tags = [Tag(slug="engineering", label="Engineering")]
    published("B", language="fr", country="FR", speaker_name="Bruno Li")
    session.commit()
    base = f"{API}/channels/temoignages/videos"
    assert titles(client.get(f"{base}?tag=engineering").get_json()) == ["A"]
    assert titles(client.get(f"{base}?language=fr").get_json()) == ["B"]
    assert titles(client.get(f"{base}?country=GB").get_json()) == ["A"]
    assert titles(client.get(f"{base}?speaker=bruno%20li").get_json()) == ["B"]
    tags = client.get(f"{API}/tags").get_json()["tags"]
    assert tags == [{"slug": "engineering", "label": "Engineering", "video_count": 1}]
    assert client.get(f"{API}/tags?channel=corporate").get_json()["tags"] == []


@pytest.mark.parametrize("query", [
    "language=de", "country=France", "limit=0", "limit=101", "limit=ten", "sort=random",
    "cursor=not-a-cursor", "tag=Not%20A%20Slug",
])
def test_bad_filters_get_a_400_in_json_naming_the_field(client, query):
    response = client.get(f"{API}/channels/temoignages/videos?{query}")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] in ("invalid_request", "invalid_cursor")
    assert error["message"]
    assert response.headers["Cache-Control"] == "no-store"


def test_cursor_pages_stay_stable_while_videos_are_published(client, session):
    for n in range(7):
        published(f"Video {n}", hours_ago=10 + n)
    session.commit()
    first = client.get(f"{API}/channels/temoignages/videos?limit=3").get_json()
    assert titles(first) == ["Video 0", "Video 1", "Video 2"]
    # Meanwhile two videos go live: with page numbers, every later page would shift by two.
    published("Breaking 1")
    published("Breaking 2")
    session.commit()
    rest, url = [], first["next"]
    while url:
        page = client.get(url).get_json()
        rest += titles(page)
        url = page["next"]
    assert rest == ["Video 3", "Video 4", "Video 5", "Video 6"]  # none twice, none skipped


@pytest.mark.parametrize("sort", ["newest", "oldest", "title"])
def test_every_sort_pages_through_each_video_once(client, session, sort):
    same_time = utcnow() - timedelta(hours=1)
    for n in range(5):  # ties on the sort key: the id breaks them
        VideoFactory(title="Same title" if n < 3 else f"Title {n}", channel=channel(),
                     status=VideoStatus.PUBLISHED, published_at=same_time)
    published("Newer")
    session.commit()
    seen = all_pages(client, f"{API}/channels/temoignages/videos?limit=2&sort={sort}")
    assert sorted(seen) == sorted(["Same title"] * 3 + ["Title 3", "Title 4", "Newer"])
    first = client.get(f"{API}/channels/temoignages/videos?limit=2&sort={sort}").get_json()
    other = "oldest" if sort != "oldest" else "newest"
    wrong = client.get(f"{API}/channels/temoignages/videos?sort={other}"
                       f"&cursor={first['next_cursor']}")
    assert wrong.status_code == 400  # a cursor belongs to its sort


def test_a_video_gives_what_a_player_needs(client, session):
    video = published("Ana, engineer", duration_seconds=65.4, width=1920, height=1080,
                      media_prefix="videos/abc/v1/", speaker_name="Ana", speaker_title="Dev")
    session.add(Caption(video=video, language="fr", label="Français",
                        storage_key="videos/abc/captions/fr.vtt"))
    session.commit()
    data = client.get(f"{API}/videos/{video.public_id}").get_json()
    assert data["id"] == video.public_id and data["status"] == "published"
    assert data["media"]["hls"].endswith("videos/abc/v1/master.m3u8")
    assert data["media"]["poster"].endswith("videos/abc/v1/poster.jpg")
    assert data["media"]["storyboard"].endswith("storyboard/thumbnails.vtt")
    assert data["captions"] == [{"language": "fr", "label": "Français", "automatic": False,
                                 "url": data["captions"][0]["url"]}]
    assert data["duration_seconds"] == 65.4
    assert data["links"]["watch"] == f"http://localhost/videos/{video.public_id}"
    assert data["embed_html"].startswith(
        f'<iframe src="http://localhost/embed/{video.public_id}" width="640" height="360"')
    assert data["speaker"] == {"name": "Ana", "title": "Dev"}


def test_unlisted_videos_answer_by_id_drafts_do_not_withdrawn_are_gone(client, session):
    unlisted = published("Hidden", visibility=Visibility.UNLISTED)
    draft = VideoFactory(title="Draft", channel=channel(), status=VideoStatus.READY)
    withdrawn = VideoFactory(title="Gone", channel=channel(), status=VideoStatus.UNPUBLISHED)
    session.commit()
    assert client.get(f"{API}/videos/{unlisted.public_id}").status_code == 200
    assert client.get(f"{API}/videos/{draft.public_id}").status_code == 404
    gone = client.get(f"{API}/videos/{withdrawn.public_id}")
    assert gone.status_code == 410 and gone.get_json()["error"]["code"] == "gone"


def test_search_finds_public_videos_only_with_highlights(client, session):
    published("Cybersécurité à Paris", description="Une journée avec l'équipe.")
    published("Cybersécurité cachée", visibility=Visibility.UNLISTED)
    VideoFactory(title="Cybersécurité brouillon", channel=channel(), status=VideoStatus.READY)
    session.commit()
    data = client.get(f"{API}/search?q=cybersecurite").get_json()
    assert data["total"] == 1 and titles(data) == ["Cybersécurité à Paris"]
    assert data["videos"][0]["highlight"]["title"] == "<mark>Cybersécurité</mark> à Paris"
    assert data["next_offset"] is None
    missing_q = client.get(f"{API}/search")
    assert missing_q.status_code == 400
    assert missing_q.get_json()["error"]["details"][0]["field"] == "q"


def test_public_reads_are_cacheable_and_conditional(client, session):
    video = published("Cached")
    session.commit()
    first = client.get(f"{API}/videos/{video.public_id}")
    assert first.headers["Cache-Control"] == "public, max-age=60"
    assert "Authorization" in first.headers["Vary"]
    etag = first.headers["ETag"]
    again = client.get(f"{API}/videos/{video.public_id}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    session.get(Video, video.id).title = "Renamed"
    session.commit()
    changed = client.get(f"{API}/videos/{video.public_id}", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.get_json()["title"] == "Renamed"
    listing = client.get(f"{API}/channels/temoignages/videos")
    assert client.get(f"{API}/channels/temoignages/videos",
                      headers={"If-None-Match": listing.headers["ETag"]}).status_code == 304


@pytest.mark.parametrize(("method", "path", "status"), [
    ("GET", "/api/v1/nothing", 404),
    ("DELETE", "/api/v1/channels", 405),
    ("POST", "/api/v1/videos", 401),
    ("GET", "/api/v1/videos/%00", 400),
    ("GET", "/api/v1/search?q=a%00b", 400),
    ("GET", "/api/v1/channels/temoignages/videos?limit=-1", 400),
])
def test_every_error_is_json_never_a_page(client, method, path, status):
    response = client.open(path, method=method)
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body["error"]) >= {"code", "message"}


def test_openapi_document_lists_every_api_route(app, client):
    document = client.get(f"{API}/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    declared = {(method.upper(), path) for path, ops in document["paths"].items()
                for method in ops}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API) or rule.endpoint in ("api.openapi_json",
                                                               "api.reference"):
            continue
        path = rule.rule[len(API):].replace("<", "{").replace(">", "}")
        path = path.replace("{int:", "{")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (method, path) in declared, f"{method} {path} is not in openapi.json"
    reference = client.get(f"{API}/docs")
    assert reference.status_code == 200
    assert b"swagger-ui-bundle.js" in reference.data and b"openapi.json" in reference.data
