"""Atom feeds, the sitemap and oEmbed, read the way a feed reader, a crawler or a CMS reads them."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta

import pytest
from bs4 import BeautifulSoup

from careers_tv.clock import utcnow
from careers_tv.extensions import db
from careers_tv.models import Tag, VideoStatus, Visibility
from tests.factories import VideoFactory, channel
from tests.sql import statements_for

BASE = "http://localhost"  # PUBLIC_BASE_URL of the test app
NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "media": "http://search.yahoo.com/mrss/",
    "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "video": "http://www.google.com/schemas/sitemap-video/1.1",
    "xhtml": "http://www.w3.org/1999/xhtml",
}
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def published(title="A published video", *, minutes_ago=0, slug="temoignages", **fields):
    defaults = {
        "status": VideoStatus.PUBLISHED,
        "published_at": utcnow() - timedelta(minutes=minutes_ago),
        "width": 1280, "height": 720, "duration_seconds": 93.6,
    }
    defaults.update(fields)
    video = VideoFactory(title=title, channel=channel(slug), **defaults)
    if "media_prefix" not in fields:
        video.media_prefix = f"videos/{video.public_id}/v1-abc/"
        video.poster_key = f"{video.media_prefix}poster.jpg"
    db.session.flush()
    return video


def tag(slug, label):
    found = Tag(slug=slug, label=label)
    db.session.add(found)
    return found


def parse(response) -> ET.Element:
    # Raises on anything that is not well-formed XML. The document is our own app's answer.
    return ET.fromstring(response.data)  # noqa: S314


def rfc3339(text: str) -> datetime:
    assert RFC3339.match(text), text
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    assert moment.tzinfo is not None
    return moment


# -- Atom -----------------------------------------------------------------------------------


def test_the_feed_is_atom_with_one_entry_per_listed_published_video(client, session):
    tricky = published("Q&A: <live> \"tips\" & 'tricks'", minutes_ago=1,
                       description="Salaries < 50k & > 30k")
    tricky.tags = [tag("finance", "Finance & Risk"), tag("paris", "Paris")]
    other = published("Sogelive replay", minutes_ago=2, slug="sogelive")
    older = published("Older testimonial", minutes_ago=30)
    published("Unlisted one", visibility=Visibility.UNLISTED)
    VideoFactory(title="Ready, not published", status=VideoStatus.READY)
    VideoFactory(title="Scheduled", status=VideoStatus.SCHEDULED,
                 publish_at=utcnow() + timedelta(days=1))
    session.commit()

    response = client.get("/feed.xml", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    feed = parse(response)
    assert feed.tag == f"{{{NS['atom']}}}feed"
    assert feed.findtext("atom:id", namespaces=NS) == f"{BASE}/feed.xml"
    assert feed.findtext("atom:title", namespaces=NS) == "Careers TV"
    assert feed.findtext("atom:author/atom:name", namespaces=NS) == "Careers TV"
    links = {link.get("rel"): link.get("href") for link in feed.findall("atom:link", NS)}
    assert links == {"self": f"{BASE}/feed.xml", "alternate": f"{BASE}/"}

    entries = feed.findall("atom:entry", NS)
    titles = [e.findtext("atom:title", namespaces=NS) for e in entries]
    assert titles == [tricky.title, "Sogelive replay", "Older testimonial"]
    newest = max(rfc3339(e.findtext("atom:updated", namespaces=NS)) for e in entries)
    assert rfc3339(feed.findtext("atom:updated", namespaces=NS)) == newest

    ids = [e.findtext("atom:id", namespaces=NS) for e in entries]
    assert ids == [f"{BASE}/videos/{v.public_id}" for v in (tricky, other, older)]
    for entry, video in zip(entries, (tricky, other, older), strict=True):
        for name in ("updated", "published"):
            rfc3339(entry.findtext(f"atom:{name}", namespaces=NS))
        link = entry.find("atom:link[@rel='alternate']", NS)
        assert link.get("href") == f"{BASE}/videos/{video.public_id}"
        thumbnail = entry.find("media:thumbnail", NS)
        assert thumbnail.get("url") == f"{BASE}/media/{video.poster_key}"
        assert (thumbnail.get("width"), thumbnail.get("height")) == ("1280", "720")

    first = entries[0]
    assert first.findtext("atom:summary", namespaces=NS) == "Salaries < 50k & > 30k"
    categories = [(c.get("term"), c.get("label")) for c in first.findall("atom:category", NS)]
    assert categories == [("temoignages", "Testimonials"), ("finance", "Finance & Risk"),
                          ("paris", "Paris")]


def test_entry_ids_stay_the_same_when_a_video_is_edited(client, session):
    video = published("First title")
    session.commit()
    before = parse(client.get("/feed.xml")).find("atom:entry", NS)
    video = session.merge(video)  # the request closed the session it was loaded in
    video.title = "Second title"
    video.updated_at = utcnow() + timedelta(seconds=5)
    session.commit()
    after = parse(client.get("/feed.xml")).find("atom:entry", NS)
    assert after.findtext("atom:title", namespaces=NS) == "Second title"
    assert after.findtext("atom:id", namespaces=NS) == before.findtext("atom:id", namespaces=NS)
    assert (rfc3339(after.findtext("atom:updated", namespaces=NS))
            > rfc3339(before.findtext("atom:updated", namespaces=NS)))


def test_a_channel_feed_holds_the_50_latest_of_its_channel_only(client, session):
    videos = [published(f"Testimonial {n}", minutes_ago=n) for n in range(52)]
    published("Elsewhere", slug="corporate")
    session.commit()
    response = client.get("/channels/temoignages/feed.xml", headers={"Accept-Language": "fr"})
    assert response.status_code == 200
    feed = parse(response)
    assert feed.findtext("atom:id", namespaces=NS) == f"{BASE}/channels/temoignages/feed.xml"
    assert "Témoignages" in feed.findtext("atom:title", namespaces=NS)
    links = {link.get("rel"): link.get("href") for link in feed.findall("atom:link", NS)}
    assert links["alternate"] == f"{BASE}/channels/temoignages"
    titles = [e.findtext("atom:title", namespaces=NS) for e in feed.findall("atom:entry", NS)]
    assert titles == [v.title for v in videos[:50]]


def test_an_empty_feed_is_still_valid_atom(client):
    feed = parse(client.get("/channels/corporate/feed.xml"))
    rfc3339(feed.findtext("atom:updated", namespaces=NS))
    assert feed.findall("atom:entry", NS) == []
    rfc3339(parse(client.get("/feed.xml")).findtext("atom:updated", namespaces=NS))


def test_unknown_channel_feed_is_404(client):
    assert client.get("/channels/nope/feed.xml").status_code == 404


def test_feed_answers_304_until_something_changes(client, session):
    published("Cached")
    session.commit()
    first = client.get("/feed.xml")
    assert first.headers["Cache-Control"] in ("public, max-age=300", "max-age=300, public")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    again = client.get("/feed.xml", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert client.get("/feed.xml", headers={"If-Modified-Since": modified}).status_code == 304

    published("Something new")
    session.commit()
    changed = client.get("/feed.xml", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag


def test_feed_queries_do_not_grow_with_the_number_of_videos(app, client, session):
    video = published("One")
    video.tags = [tag("one", "One")]
    session.commit()

    def both():
        return [statements_for(app, client, path) for path in ("/feed.xml", "/sitemap.xml")]

    with_one = both()
    assert all(with_one)
    for n in range(10):
        published(f"More {n}", slug="sogelive").tags = [tag(f"t{n}", f"T{n}")]
    session.commit()
    assert both() == with_one


# -- sitemap --------------------------------------------------------------------------------


def test_sitemap_has_pages_and_video_entries_for_listed_published_videos(client, session):
    video = published("Meet <the> team & more", minutes_ago=3, description="")
    video.tags = [tag("engineering", "Engineering")]
    unlisted = published("Unlisted", visibility=Visibility.UNLISTED)
    draft = VideoFactory(title="Draft", status=VideoStatus.READY,
                         media_prefix="videos/draft/v1-x/", poster_key="videos/draft/v1-x/p.jpg")
    session.commit()

    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/xml")
    assert "max-age=3600" in response.headers["Cache-Control"]
    urlset = parse(response)
    urls = {u.findtext("sm:loc", namespaces=NS): u for u in urlset.findall("sm:url", NS)}
    assert f"{BASE}/" in urls
    for slug in ("temoignages", "sogelive", "mission-handicap", "corporate"):
        assert f"{BASE}/channels/{slug}" in urls
    watch = f"{BASE}/videos/{video.public_id}"
    assert f"{BASE}/videos/{unlisted.public_id}" not in urls
    assert f"{BASE}/videos/{draft.public_id}" not in urls
    assert response.data.count(b"<video:video>") == 1

    entry = urls[watch]
    alternates = {link.get("hreflang"): link.get("href")
                  for link in entry.findall("xhtml:link[@rel='alternate']", NS)}
    assert alternates == {"fr": f"{watch}?lang=fr", "en": f"{watch}?lang=en", "x-default": watch}
    rfc3339(entry.findtext("sm:lastmod", namespaces=NS))
    media = entry.find("video:video", NS)
    assert media.findtext("video:thumbnail_loc", namespaces=NS) == \
        f"{BASE}/media/{video.poster_key}"
    assert media.findtext("video:content_loc", namespaces=NS) == \
        f"{BASE}/media/{video.media_prefix}master.m3u8"
    assert media.findtext("video:player_loc", namespaces=NS) == \
        f"{BASE}/embed/{video.public_id}"
    assert media.findtext("video:title", namespaces=NS) == "Meet <the> team & more"
    # An empty description would be refused by crawlers: the title stands in.
    assert media.findtext("video:description", namespaces=NS) == "Meet <the> team & more"
    assert media.findtext("video:duration", namespaces=NS) == "94"
    rfc3339(media.findtext("video:publication_date", namespaces=NS))
    assert [t.text for t in media.findall("video:tag", NS)] == ["Engineering"]


def test_sitemap_leaves_out_the_video_block_when_there_is_no_media(client, session):
    video = published("No media yet", media_prefix=None, poster_key=None)
    session.commit()
    urls = {u.findtext("sm:loc", namespaces=NS): u
            for u in parse(client.get("/sitemap.xml")).findall("sm:url", NS)}
    assert urls[f"{BASE}/videos/{video.public_id}"].find("video:video", NS) is None


# -- oEmbed ---------------------------------------------------------------------------------


def oembed(client, url, **params):
    return client.get("/oembed", query_string={"url": url, **params},
                      headers={"Accept-Language": "en"})


def iframe(data) -> dict:
    frame = BeautifulSoup(data["html"], "html.parser").find("iframe")
    return frame.attrs


def test_oembed_describes_a_published_video_with_an_iframe(client, session):
    video = published("Our \"data\" team & you", slug="sogelive")
    session.commit()
    response = oembed(client, f"{BASE}/videos/{video.public_id}")
    assert response.status_code == 200
    assert response.content_type == "application/json"
    data = response.get_json()
    assert {k: data[k] for k in ("version", "type", "title", "author_name", "provider_name",
                                 "provider_url", "width", "height")} == {
        "version": "1.0", "type": "video", "title": video.title, "author_name": "Sogelive",
        "provider_name": "Careers TV", "provider_url": f"{BASE}/", "width": 640, "height": 360}
    assert data["thumbnail_url"] == f"{BASE}/media/{video.poster_key}"
    assert (data["thumbnail_width"], data["thumbnail_height"]) == (1280, 720)
    attrs = iframe(data)
    assert attrs["src"] == f"{BASE}/embed/{video.public_id}"
    assert (attrs["width"], attrs["height"]) == ("640", "360")
    assert attrs["title"] == video.title
    assert "allowfullscreen" in attrs


def test_oembed_honours_maxwidth_maxheight_and_the_aspect_ratio(client, session):
    wide = published("Wide")
    portrait = published("Portrait", width=1080, height=1920)
    session.commit()
    data = oembed(client, f"{BASE}/videos/{wide.public_id}", maxwidth=320).get_json()
    assert (data["width"], data["height"]) == (320, 180)
    assert (iframe(data)["width"], iframe(data)["height"]) == ("320", "180")
    # A poster bigger than the consumer allows is left out rather than overflowing it.
    assert "thumbnail_url" not in data

    data = oembed(client, f"{BASE}/videos/{wide.public_id}", maxwidth=1000,
                  maxheight=300).get_json()
    assert (data["width"], data["height"]) == (533, 300)

    data = oembed(client, f"{BASE}/videos/{portrait.public_id}").get_json()
    assert (data["width"], data["height"]) == (360, 640)
    assert (data["thumbnail_width"], data["thumbnail_height"]) == (720, 1280)


@pytest.mark.parametrize("form", ["https://localhost/videos/{id}", "http://localhost/embed/{id}",
                                  "http://LOCALHOST/videos/{id}/?lang=fr"])
def test_oembed_accepts_the_forms_of_a_watch_link(client, session, form):
    video = published("Any link")
    session.commit()
    assert oembed(client, form.format(id=video.public_id)).status_code == 200


def test_oembed_answers_for_unlisted_but_not_drafts_or_other_sites(client, session):
    unlisted = published("By link only", visibility=Visibility.UNLISTED)
    draft = VideoFactory(title="Draft", status=VideoStatus.READY)
    gone = published("Taken down")
    gone.transition(VideoStatus.UNPUBLISHED)
    session.commit()
    assert oembed(client, f"{BASE}/videos/{unlisted.public_id}").status_code == 200
    assert oembed(client, f"{BASE}/videos/{draft.public_id}").status_code == 404
    assert oembed(client, f"{BASE}/videos/{gone.public_id}").status_code == 404
    assert oembed(client, f"{BASE}/videos/doesnotexist").status_code == 404
    assert oembed(client, f"https://elsewhere.example/videos/{unlisted.public_id}"
                  ).status_code == 404
    assert oembed(client, f"{BASE}:8080/videos/{unlisted.public_id}").status_code == 404
    assert oembed(client, f"{BASE}/channels/{unlisted.public_id}").status_code == 404
    assert oembed(client, "not a url at all").status_code == 404


def test_oembed_refuses_xml_missing_url_and_bad_sizes(client, session):
    video = published("Formats")
    session.commit()
    watch = f"{BASE}/videos/{video.public_id}"
    response = oembed(client, watch, format="xml")
    assert response.status_code == 501
    assert "JSON" in response.get_data(as_text=True)
    assert oembed(client, watch, format="json").status_code == 200
    response = client.get("/oembed", headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert "url parameter" in response.get_data(as_text=True)
    assert oembed(client, watch, maxwidth="wide").status_code == 400
    assert oembed(client, watch, maxheight="0").status_code == 400


def test_robots_txt_keeps_crawlers_out_of_the_portal_and_points_at_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    lines = response.get_data(as_text=True).splitlines()
    assert "Disallow: /portal/" in lines and "Disallow: /api/" in lines
    assert "Sitemap: http://localhost/sitemap.xml" in lines


def test_home_and_channel_pages_name_their_feeds(client):
    home = client.get("/").get_data(as_text=True)
    assert 'type="application/atom+xml"' in home and 'href="/feed.xml"' in home
    channel = client.get("/channels/sogelive").get_data(as_text=True)
    assert 'href="/channels/sogelive/feed.xml"' in channel
