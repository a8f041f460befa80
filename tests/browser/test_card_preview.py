"""Hover previews in Chromium, on a clip transcoded by the real pipeline and served by
gunicorn: a card hovered or focused plays its preview over the poster and drops it on leave
or blur; with reduced motion asked for, nothing is ever added."""

from __future__ import annotations

import pytest

from tests import media as m
from tests.browser.test_public_a11y import axe_violations
from tests.browser.test_watch_player import transcode_and_publish

TIMEOUT_MS = 30_000
CARD = "li.video-card[data-preview]"
CLIP = f"{CARD} video.card-preview"
PLAYING = (f"(() => {{ const v = document.querySelector({CLIP!r});"
           " return v !== null && v.currentTime > 0.2 && !v.paused; })()")


@pytest.fixture
def published_clip(committed, media):
    path = media.build(m.make_landscape, folder="card-preview", size=(640, 360), duration=6)
    return transcode_and_publish(path, "Ana, ingenieure", "Ingenieure", {}).public_id


def test_hovering_or_focusing_a_card_plays_its_preview(page, proxy, published_clip):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{proxy.url}/channels/temoignages?lang=en")
    card = page.locator(CARD)
    assert card.count() == 1
    assert page.locator("video").count() == 0  # nothing before a hover

    card.hover()
    page.wait_for_function(PLAYING, timeout=TIMEOUT_MS)
    clip = page.locator(CLIP)
    assert clip.evaluate("v => [v.muted, v.loop, v.controls, v.playsInline]") == [
        True, True, False, True]
    assert clip.get_attribute("aria-hidden") == "true"
    assert clip.evaluate("v => getComputedStyle(v).pointerEvents") == "none"
    box, frame = clip.bounding_box(), page.locator(f"{CARD} [data-preview-frame]").bounding_box()
    assert (round(box["width"]), round(box["height"])) == (
        round(frame["width"]), round(frame["height"]))  # over the poster, exactly
    assert axe_violations(page) == []

    page.mouse.move(0, 0)
    page.wait_for_function(f"document.querySelector({CLIP!r}) === null", timeout=TIMEOUT_MS)

    # The keyboard: the card's link focused plays it, the focus moved on removes it.
    page.locator(f"{CARD} .video-card-title a").focus()
    page.wait_for_function(PLAYING, timeout=TIMEOUT_MS)
    page.locator(".site-footer a").first.focus()
    page.wait_for_function(f"document.querySelector({CLIP!r}) === null", timeout=TIMEOUT_MS)

    # A pointer that only crosses the card starts nothing.
    page.locator(f"{CARD}").hover()
    page.mouse.move(0, 0)
    page.wait_for_timeout(600)
    assert page.locator("video").count() == 0


def test_reduced_motion_gets_no_preview(page, proxy, published_clip):
    page.emulate_media(reduced_motion="reduce")
    page.goto(f"{proxy.url}/?lang=en")
    page.locator(CARD).hover()
    page.locator(f"{CARD} .video-card-title a").focus()
    page.wait_for_timeout(1000)
    assert page.locator("video").count() == 0
    assert not any("preview.mp4" in seen.path for seen in proxy.requests_seen("GET"))
