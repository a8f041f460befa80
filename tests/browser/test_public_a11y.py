"""The listings in Chromium, served by gunicorn: axe-core finds nothing on the home, channel
and tag pages, on a phone and on a desktop screen, and the skip link works from the keyboard."""

from __future__ import annotations

import io
import struct
import zlib
from datetime import timedelta

import pytest
from playwright.sync_api import Page

from careers_tv.clock import utcnow
from careers_tv.models import Tag, VideoStatus, Visibility
from tests.factories import VideoFactory, channel

VIEWPORTS = {"phone": {"width": 360, "height": 740}, "desktop": {"width": 1280, "height": 800}}
PAGES = ["/?lang=fr", "/?lang=en", "/channels/temoignages?lang=fr",
         "/channels/temoignages?lang=en&tag=finance&country=FR", "/tags/finance?lang=en",
         "/channels/nope?lang=en"]


def png(width: int = 32, height: int = 18) -> bytes:
    """A small grey picture, written by hand (no imaging library in the project)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\x80\x80\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))


@pytest.fixture
def catalogue(app, committed):
    """A few published videos with posters, tags, speakers, both languages; one unlisted."""
    storage = app.extensions["storage"]
    finance = Tag(slug="finance", label="Finance")
    specs = [
        ("temoignages", "Ana, ingénieure à Paris", "fr", "FR", [finance]),
        ("temoignages", "Tom, analyst in London", "en", "GB", [finance]),
        ("temoignages", "Léa, conseillère", "fr", "FR", []),
        ("sogelive", "Forum des métiers 2026", "fr", "FR", []),
        ("mission-handicap", "Notre engagement", "fr", "FR", [finance]),
    ]
    for n, (slug, title, language, country, tags) in enumerate(specs):
        video = VideoFactory(channel=channel(slug), title=title, language=language,
                             country=country, status=VideoStatus.PUBLISHED,
                             published_at=utcnow() - timedelta(hours=n),
                             duration_seconds=95 + n, speaker_name=title.split(",")[0],
                             speaker_title="Collaboratrice" if language == "fr" else "Analyst")
        video.poster_key = f"videos/{video.public_id}/v1-test/poster.png"
        storage.put_stream(video.poster_key, io.BytesIO(png()))
        video.tags = tags
    VideoFactory(title="Unlisted", status=VideoStatus.PUBLISHED, published_at=utcnow(),
                 visibility=Visibility.UNLISTED)
    committed.commit()


def axe_violations(page: Page) -> list[str]:
    page.add_script_tag(url="/static/vendor/axe.min.js")
    return page.evaluate("async () => (await axe.run()).violations.map("
                         "v => v.id + ': ' + v.nodes.map(n => n.target).join(' '))")


@pytest.mark.parametrize("screen", VIEWPORTS)
def test_axe_finds_no_violation_on_the_listings(page: Page, proxy, catalogue, screen):
    page.set_viewport_size(VIEWPORTS[screen])
    found = {}
    for path in PAGES:
        page.goto(proxy.url + path)
        found[path] = axe_violations(page)
    assert found == {path: [] for path in PAGES}
    # The pages really held what was checked: cards with their posters loaded.
    page.goto(proxy.url + "/channels/temoignages?lang=en")
    assert page.locator(".video-card").count() == 3
    page.wait_for_function("[...document.querySelectorAll('.video-card img')]"
                           ".every(img => img.complete && img.naturalWidth === 32)")


def test_the_skip_link_is_the_first_stop_and_leads_to_the_content(page: Page, proxy, catalogue):
    page.goto(proxy.url + "/channels/temoignages?lang=en")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert skip.inner_text() == "Skip to content"
    box = skip.bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0  # on screen once focused
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"

    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")  # the next stop is inside the content, not back in the header
    assert page.evaluate("document.activeElement.closest('main') !== null")
    assert page.evaluate("document.activeElement.closest('header') === null")
