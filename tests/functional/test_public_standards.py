"""What link previews, crawlers, feed readers and browsers read of the public site: Open Graph
video and image tags, robots.txt, the Atom enclosure, the favicon, machine-readable times."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest
from bs4 import BeautifulSoup

from careers_tv.clock import utcnow
from careers_tv.models import Role, VideoStatus
from tests.factories import UserFactory, VideoFactory
from tests.functional.portal_helpers import login

BASE = "http://localhost"
ATOM = "{http://www.w3.org/2005/Atom}"
MEDIA = "{http://search.yahoo.com/mrss/}"
# HTML's valid global date and time: seconds optional, at most three digits of a fraction.
HTML_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?"
                           r"(Z|[+-]\d{2}:\d{2}))?$")


def page(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


@pytest.fixture
def video(session):
    found = VideoFactory(status=VideoStatus.PUBLISHED, title="Léa, data scientist",
                         published_at=utcnow().replace(microsecond=123456),
                         duration_seconds=83.4, width=1920, height=1080)
    session.flush()
    found.media_prefix = f"videos/{found.public_id}/v1-abcdef12/"
    session.commit()
    return found


def xml(data: bytes) -> ET.Element:
    return ET.fromstring(data)  # noqa: S314 - our own feed and icon


def meta(html, key):
    tag = html.find("meta", property=key)
    return tag["content"] if tag else None


def test_the_watch_page_offers_its_player_and_its_poster_size_to_link_previews(client, video):
    html = page(client.get(f"/videos/{video.public_id}"))
    embed = f"{BASE}/embed/{video.public_id}"
    assert meta(html, "og:video") == meta(html, "og:video:url") == embed
    assert meta(html, "og:video:type") == "text/html"
    assert (meta(html, "og:video:width"), meta(html, "og:video:height")) == ("1280", "720")
    assert meta(html, "og:video:secure_url") is None  # the tests' site is plain http
    assert meta(html, "og:image") == f"{BASE}/media/{video.media_prefix}poster.jpg"
    assert (meta(html, "og:image:width"), meta(html, "og:image:height")) == ("1280", "720")
    assert meta(html, "og:image:type") == "image/jpeg"
    assert meta(html, "og:image:alt") == "Léa, data scientist"


def test_an_upright_video_gets_an_upright_player_and_poster_in_its_preview(client, session):
    upright = VideoFactory(status=VideoStatus.PUBLISHED, published_at=utcnow(),
                           width=1080, height=1920)
    session.flush()
    upright.media_prefix = f"videos/{upright.public_id}/v1-abcdef12/"
    session.commit()
    html = page(client.get(f"/videos/{upright.public_id}"))
    assert (meta(html, "og:video:width"), meta(html, "og:video:height")) == ("405", "720")
    assert (meta(html, "og:image:width"), meta(html, "og:image:height")) == ("720", "1280")


def test_machine_readable_times_are_valid_html_and_json_ld(client, video):
    html = page(client.get(f"/videos/{video.public_id}"))
    published = html.select_one(".watch-meta time")["datetime"]
    assert published == video.published_at.strftime("%Y-%m-%dT%H:%M:%SZ")  # no microseconds
    ld = json.loads(html.find("script", type="application/ld+json").string)
    assert ld["uploadDate"] == published
    for listing in ("/", f"/channels/{video.channel.slug}"):
        times = [t["datetime"] for t in page(client.get(listing)).find_all("time")]
        assert times and all(HTML_DATETIME.match(t) or t.startswith("PT") for t in times)


def test_portal_tables_print_valid_times(client, session):
    admin = UserFactory(role=Role.ADMIN)
    session.commit()
    login(client, admin)
    times = [t["datetime"] for t in page(client.get("/portal/admin/users")).find_all("time")]
    assert times and all(HTML_DATETIME.match(t) for t in times)


def test_robots_txt_lets_crawlers_fetch_the_players_it_names(client, video):
    lines = client.get("/robots.txt").get_data(as_text=True).splitlines()
    assert not any(line.startswith("Disallow: /embed") for line in lines)
    assert "Disallow: /portal/" in lines and "Disallow: /api/" in lines
    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    assert "<video:player_loc>http://localhost/embed/" in sitemap  # the page robots allows


def test_feed_entries_carry_the_video_as_an_enclosure(client, video):
    feed = xml(client.get("/feed.xml").get_data())
    entry = feed.find(f"{ATOM}entry")
    master = f"{BASE}/media/{video.media_prefix}master.m3u8"
    enclosure = entry.find(f"{ATOM}link[@rel='enclosure']")
    assert enclosure.attrib == {"rel": "enclosure", "type": "application/vnd.apple.mpegurl",
                                "href": master, "title": "Léa, data scientist"}
    content = entry.find(f"{MEDIA}content")
    assert content.attrib == {"url": master, "type": "application/vnd.apple.mpegurl",
                              "medium": "video", "duration": "83", "width": "1920",
                              "height": "1080"}
    assert entry.find(f"{MEDIA}player").get("url") == f"{BASE}/embed/{video.public_id}"
    thumbnail = entry.find(f"{MEDIA}thumbnail")
    assert thumbnail.get("url") == f"{BASE}/media/{video.media_prefix}poster.jpg"


def test_a_video_not_transcoded_has_no_enclosure(client, session, video):
    video.media_prefix = None
    session.commit()
    feed = xml(client.get("/feed.xml").get_data())
    assert feed.find(f"{ATOM}entry/{ATOM}link[@rel='enclosure']") is None


def test_browsers_find_the_icon(client):
    ico = client.get("/favicon.ico")
    assert ico.status_code == 200
    assert ico.mimetype == "image/vnd.microsoft.icon"
    assert ico.data[:4] == b"\x00\x00\x01\x00"  # an ICO file's header
    assert ico.cache_control.max_age == 86400
    home = page(client.get("/"))
    icons = {link["href"]: link.get("type") for link in home.find_all("link", rel="icon")}
    assert icons == {"/static/favicon.svg": "image/svg+xml", "/favicon.ico": None}
    svg = client.get("/static/favicon.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert xml(svg.data).tag == "{http://www.w3.org/2000/svg}svg"
    login_page = page(client.get("/portal/login"))
    assert login_page.find("link", rel="icon", href="/static/favicon.svg")


def test_embeds_name_the_icon_too(client, video):
    for path in (f"/embed/{video.public_id}", "/embed/nosuchvideo"):
        html = page(client.get(path))
        assert html.find("link", rel="icon", href="/static/favicon.svg"), path
