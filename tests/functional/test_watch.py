"""The watch, embed and transcript pages of one video, as a viewer and a crawler see them."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from careers_tv.clock import utcnow
from careers_tv.extensions import db
from careers_tv.models import Caption, Tag, Video, VideoStatus, Visibility
from tests.factories import VideoFactory, channel
from tests.sql import statements_for

BASE = "http://localhost"  # PUBLIC_BASE_URL of the tests
VTT_FR = """WEBVTT

1
00:00:01.000 --> 00:00:03.500
Bonjour, je suis <i>ingénieure</i>.

2
00:01:05.000 --> 00:01:08.000
J'aime mon métier &amp; mon équipe.
"""
VTT_EN = """WEBVTT

00:00:01.000 --> 00:00:03.000
Hello, I am an engineer.
"""


def page(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def published(**fields):
    defaults = {"status": VideoStatus.PUBLISHED, "published_at": utcnow(), "language": "fr"}
    return VideoFactory(**{**defaults, **fields})


@pytest.fixture
def storage(app):
    return app.extensions["storage"]


@pytest.fixture
def video(app, session, storage):
    prefix = "videos/abc/v1-x/"
    found = published(
        title="Claire, ingénieure cloud", description="Claire raconte son métier.",
        speaker_name="Claire Martin", speaker_title="Ingénieure cloud",
        media_prefix=prefix, poster_key=prefix + "poster.jpg", duration_seconds=83.4,
        published_at=utcnow().replace(year=2026, month=3, day=14, hour=9),
    )
    for language, label, text in (("fr", "Français", VTT_FR), ("en", "English", VTT_EN)):
        key = f"videos/{found.public_id}/captions/{language}-test.vtt"
        storage.put_stream(key, io.BytesIO(text.encode()), "text/vtt")
        found.captions.append(Caption(language=language, label=label, storage_key=key))
    with app.app_context():  # what runs on commit (the search index) may read storage
        session.commit()
    return found


def test_the_watch_page_shows_the_video_and_its_details(client, video):
    response = client.get(f"/videos/{video.public_id}", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    html = page(response)
    assert html.h1.get_text(strip=True) == "Claire, ingénieure cloud"
    text = html.get_text(" ", strip=True)
    assert "Claire raconte son métier." in text
    assert html.select_one(".watch-speaker").get_text() == "Claire Martin, Ingénieure cloud"
    assert "March 14, 2026" in text
    assert html.find("a", href="/channels/temoignages").get_text() == "Testimonials"
    player = html.select_one("video.player-video")
    assert player["data-src"] == f"{BASE}/media/videos/abc/v1-x/master.m3u8"
    assert player["poster"] == f"{BASE}/media/videos/abc/v1-x/poster.jpg"
    assert player["data-storyboard"].endswith("/videos/abc/v1-x/storyboard/thumbnails.vtt")
    tracks = player.find_all("track")
    assert [(t["srclang"], t["label"]) for t in tracks] == [("fr", "Français"), ("en", "English")]
    assert not any(t.has_attr("default") for t in tracks)  # captions stay off until chosen
    # One settings menu: captions off, then each language; the quality choices come from the
    # playlist in the browser (tests/browser/test_watch_player.py).
    captions = html.select("input[name=player-captions]")
    assert [(c["value"], c.parent.get_text(strip=True)) for c in captions] == [
        ("", "Off"), ("fr", "Français"), ("en", "English")]
    assert captions[0].has_attr("checked")
    legend = html.select_one("[data-panel=quality] legend").get_text(" ", strip=True)
    assert legend.startswith("‹ Quality")
    assert html.select_one("video")["data-buffer-seconds"] == "30"
    transcript = html.select_one("a.watch-transcript-link")
    assert transcript["href"] == f"/videos/{video.public_id}/transcript"


def test_share_links_are_plain_links_without_third_party_scripts(client, video):
    html = page(client.get(f"/videos/{video.public_id}"))
    url = f"{BASE}/videos/{video.public_id}"
    hrefs = [a["href"] for a in html.select(".watch-share a")]
    assert any(h.startswith("https://www.linkedin.com/") and url.replace(":", "%3A") in h
               for h in hrefs)
    assert any(h.startswith("https://x.com/intent/post?url=") for h in hrefs)
    assert any(h.startswith("mailto:?subject=") for h in hrefs)
    assert html.select_one("[data-copy]")["data-copy"] == "watch-url"  # copy.js copies it
    assert html.select_one("#watch-url")["value"] == url
    scripts = [s["src"] for s in html.find_all("script", src=True)]
    assert scripts and all(src.startswith("/static/") for src in scripts)


def test_the_head_carries_canonical_alternates_open_graph_x_card_and_json_ld(client, video):
    html = page(client.get(f"/videos/{video.public_id}"))
    url = f"{BASE}/videos/{video.public_id}"
    poster = f"{BASE}/media/videos/abc/v1-x/poster.jpg"
    assert html.find("link", rel="canonical")["href"] == url
    alternates = {link["hreflang"]: link["href"]
                  for link in html.find_all("link", rel="alternate", hreflang=True)}
    assert alternates == {"fr": url + "?lang=fr", "en": url + "?lang=en", "x-default": url}
    oembed = html.find("link", type="application/json+oembed")["href"]
    assert oembed.startswith(f"{BASE}/oembed?")
    assert parse_qs(urlsplit(oembed).query) == {"url": [url], "format": ["json"]}

    def meta(key):
        tag = html.find("meta", property=key) or html.find("meta", attrs={"name": key})
        return tag and tag["content"]

    assert meta("og:type") == "video.other"
    assert meta("og:title") == "Claire, ingénieure cloud"
    assert meta("og:description") == "Claire raconte son métier."
    assert meta("og:url") == url
    assert meta("og:image") == poster
    # The tests' address is plain http, where X shows no player: the large picture instead.
    assert meta("twitter:card") == "summary_large_image"
    assert meta("twitter:image") == poster

    data = json.loads(html.find("script", type="application/ld+json").string)
    assert data["@type"] == "VideoObject" and data["@context"] == "https://schema.org"
    assert data["name"] == "Claire, ingénieure cloud"
    assert data["description"] == "Claire raconte son métier."
    assert data["thumbnailUrl"] == [poster]
    assert data["uploadDate"].startswith("2026-03-14T09:")
    assert data["duration"] == "PT1M23S"
    assert data["contentUrl"] == f"{BASE}/media/videos/abc/v1-x/master.m3u8"
    assert data["embedUrl"] == f"{BASE}/embed/{video.public_id}"


def test_an_https_site_offers_x_a_player_card_pointing_at_the_embed(app, client, video):
    app.config["PUBLIC_BASE_URL"] = "https://tv.example.com"
    try:
        html = page(client.get(f"/videos/{video.public_id}"))
    finally:
        app.config["PUBLIC_BASE_URL"] = BASE
    assert html.find("meta", attrs={"name": "twitter:card"})["content"] == "player"
    assert html.find("meta", attrs={"name": "twitter:player"})["content"] == (
        f"https://tv.example.com/embed/{video.public_id}")
    assert html.find("meta", attrs={"name": "twitter:player:width"})["content"] == "1280"
    assert html.find("meta", attrs={"name": "twitter:player:height"})["content"] == "720"
    assert html.find("link", rel="canonical")["href"].startswith("https://tv.example.com/")


def test_what_may_be_watched_and_what_may_not(client, session):
    unlisted = published(title="By link only", visibility=Visibility.UNLISTED)
    draft = VideoFactory(title="Draft")
    ready = VideoFactory(title="Ready", status=VideoStatus.READY)
    scheduled = VideoFactory(title="Later", status=VideoStatus.SCHEDULED,
                             publish_at=utcnow() + timedelta(days=1))
    withdrawn = VideoFactory(title="Withdrawn", status=VideoStatus.UNPUBLISHED,
                             published_at=utcnow() - timedelta(days=3))
    session.commit()
    for path in ("/videos/{}", "/embed/{}", "/videos/{}/transcript"):
        assert client.get(path.format(unlisted.public_id)).status_code == 200
        for hidden in (draft, ready, scheduled):
            assert client.get(path.format(hidden.public_id)).status_code == 404
        assert client.get(path.format("no-such-video")).status_code == 404
        gone = client.get(path.format(withdrawn.public_id), headers={"Accept-Language": "en"})
        assert gone.status_code == 410
        assert "text/html" in gone.content_type
        assert "no longer available" in page(gone).get_text()
        assert "Withdrawn" not in page(gone).get_text()  # nothing of the video leaks


def test_a_video_without_media_yet_still_reads_without_a_player(client, session):
    bare = published(title="Text only")
    session.commit()
    html = page(client.get(f"/videos/{bare.public_id}", headers={"Accept-Language": "en"}))
    assert html.find("video") is None
    assert "cannot be played" in html.get_text()
    assert html.h1.get_text(strip=True) == "Text only"


def test_related_videos_same_channel_first_then_shared_tags_never_unlisted(client, session):
    tag = Tag(slug="cloud", label="Cloud")
    other_tag = Tag(slug="rh", label="RH")
    session.add_all([tag, other_tag])
    now = utcnow()
    main = published(title="Main", tags=[tag])
    same_channel = published(title="Same channel", published_at=now - timedelta(days=5))
    tagged = published(title="Same tag elsewhere", channel=channel("sogelive"), tags=[tag],
                       published_at=now - timedelta(days=1))
    published(title="Unrelated", channel=channel("corporate"), tags=[other_tag])
    published(title="Unlisted sibling", visibility=Visibility.UNLISTED)
    VideoFactory(title="Draft sibling", status=VideoStatus.READY)
    session.commit()
    html = page(client.get(f"/videos/{main.public_id}"))
    titles = [t.get_text() for t in html.select(".related-title")]
    assert titles == ["Same channel", "Same tag elsewhere"]
    links = [a["href"] for a in html.select(".related-item a")]
    assert links == [f"/videos/{same_channel.public_id}", f"/videos/{tagged.public_id}"]


def test_the_watch_page_costs_the_same_queries_with_one_or_six_related(app, client, session):
    tags = [Tag(slug=f"t{i}", label=f"T{i}") for i in range(2)]
    main = published(title="Main", tags=tags, media_prefix="videos/m/v1-a/")
    published(title="Related 0", tags=tags[:1], media_prefix="videos/r0/v1-a/")
    session.commit()
    one = statements_for(app, client, f"/videos/{main.public_id}")
    for i in range(1, 8):
        published(title=f"Related {i}", tags=tags[i % 2:], media_prefix=f"videos/r{i}/v1-a/",
                  channel=channel("sogelive" if i % 2 else "temoignages"))
    session.commit()
    html = page(client.get(f"/videos/{main.public_id}"))
    assert len(html.select(".related-item")) == 6
    six = statements_for(app, client, f"/videos/{main.public_id}")
    assert six == one, (one, six)


def test_the_transcript_reads_the_captions_with_timestamps_into_the_video(client, video):
    response = client.get(f"/videos/{video.public_id}/transcript")
    assert response.status_code == 200
    html = page(response)
    cues = html.select(".transcript-cue")
    assert [c.select_one(".transcript-text").get_text() for c in cues] == [
        "Bonjour, je suis ingénieure.", "J'aime mon métier & mon équipe."]
    assert [c.select_one(".transcript-time").get_text() for c in cues] == ["0:01", "1:05"]
    assert [c.select_one("a")["href"] for c in cues] == [
        f"/videos/{video.public_id}?t=1", f"/videos/{video.public_id}?t=65"]
    assert html.select_one(".transcript-cues")["lang"] == "fr"

    english = page(client.get(f"/videos/{video.public_id}/transcript?captions=en"))
    assert [c.get_text() for c in english.select(".transcript-text")] == [
        "Hello, I am an engineer."]
    assert english.select_one(".transcript-cues")["lang"] == "en"
    # A language without captions falls back to the video's own.
    german = page(client.get(f"/videos/{video.public_id}/transcript?captions=de"))
    assert german.select_one(".transcript-cues")["lang"] == "fr"


def test_a_video_without_captions_says_it_has_no_transcript(client, session):
    bare = published(title="Silent film")
    session.commit()
    html = page(client.get(f"/videos/{bare.public_id}/transcript",
                           headers={"Accept-Language": "en"}))
    assert "no captions" in html.get_text()
    watch = page(client.get(f"/videos/{bare.public_id}"))
    assert watch.select_one("a.watch-transcript-link") is None


def test_a_missing_caption_file_is_said_not_a_500(client, video, storage):
    storage.delete(video.captions[0].storage_key)
    response = client.get(f"/videos/{video.public_id}/transcript",
                          headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert "cannot be shown" in page(response).get_text()


def test_the_player_starts_where_the_link_says(client, video):
    html = page(client.get(f"/videos/{video.public_id}?t=65"))
    assert html.select_one("video")["data-start"] == "65.0"
    html = page(client.get(f"/videos/{video.public_id}?t=soon"))  # a mangled link still plays
    assert not html.select_one("video").has_attr("data-start")


def test_the_embed_is_the_player_only_and_may_be_framed_anywhere(client, video):
    response = client.get(f"/embed/{video.public_id}")
    assert response.status_code == 200
    assert "X-Frame-Options" not in response.headers
    assert "frame-ancestors *" in response.headers["Content-Security-Policy"].split("; ")
    html = page(response)
    assert html.find("header") is None and html.select_one(".site-header") is None
    assert html.select_one("video.player-video") is not None
    link = html.select_one(".embed-title a")
    assert link["href"] == f"{BASE}/videos/{video.public_id}"
    assert link["target"] == "_blank"


@pytest.mark.parametrize("path", ["/videos/{}", "/embed/{}", "/videos/{}/transcript"])
def test_pages_are_cacheable_and_answer_304_to_a_matching_etag(client, video, path):
    url = path.format(video.public_id)
    first = client.get(url)
    assert first.headers["Cache-Control"] == "public, max-age=60"
    etag = first.headers["ETag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    english = client.get(url, headers={"If-None-Match": etag, "Accept-Language": "en"})
    assert english.status_code == 200  # another language is another page
    assert english.headers["ETag"] != etag
    db.session.execute(sa.update(Video).where(Video.id == video.id).values(title="A new title"))
    db.session.commit()
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 200
