"""The search page in Chromium, served by gunicorn: searching from the keyboard as a visitor
types, results with their posters, pages, and no axe-core violation on a phone or a desktop."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from playwright.sync_api import Page

from careers_tv.clock import utcnow
from careers_tv.models import VideoStatus
from tests.browser.test_public_a11y import VIEWPORTS, axe_violations, png
from tests.factories import VideoFactory

PAGES = ["/search?lang=fr", "/search?lang=en&q=ingenieure", "/search?lang=fr&q=ingé&page=2",
         "/search?lang=en&q=introuvable"]


@pytest.fixture
def catalogue(app, committed):
    """Twelve published videos about engineers, with posters and descriptions."""
    storage = app.extensions["storage"]
    for n in range(12):
        video = VideoFactory(title=f"Ingénieure n°{n} <à Paris>", status=VideoStatus.PUBLISHED,
                             published_at=utcnow() - timedelta(hours=n),
                             description="Elle raconte son métier d'ingénieure réseau.")
        video.poster_key = f"videos/{video.public_id}/v1-test/poster.png"
        storage.put_stream(video.poster_key, io.BytesIO(png()))
    committed.commit()


@pytest.mark.parametrize("screen", VIEWPORTS)
def test_axe_finds_no_violation_on_the_search_page(page: Page, proxy, catalogue, screen):
    page.set_viewport_size(VIEWPORTS[screen])
    found = {}
    for path in PAGES:
        page.goto(proxy.url + path)
        found[path] = axe_violations(page)
    assert found == {path: [] for path in PAGES}


def test_a_search_typed_in_the_form_shows_highlighted_results_in_pages(page: Page, proxy,
                                                                       catalogue):
    page.goto(proxy.url + "/search?lang=en")
    page.get_by_label("Words to find").fill("INGE")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=INGE*")
    assert page.locator(".search-count").inner_text() == "12 videos found for “INGE”"
    results = page.locator(".search-result")
    assert results.count() == 10
    assert results.first.locator(".search-result-title").inner_text() == \
        "Ingénieure n°0 <à Paris>"
    assert results.first.locator("mark").first.inner_text() == "Ingénieure"
    page.wait_for_function("[...document.querySelectorAll('.search-result img')]"
                           ".every(img => img.complete && img.naturalWidth === 32)")
    page.get_by_role("link", name="Next results").click()
    assert page.locator(".search-result").count() == 2
    page.locator(".search-result-title a").first.click()
    page.wait_for_url("**/videos/*")
