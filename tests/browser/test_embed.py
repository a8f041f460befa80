"""The embed as a careers site uses it, in Chromium: framed by a page of another origin
(docs/embed-example.html itself), commanded and listened to with postMessage; its URL options;
and the card it shows, framed too, when the video is withdrawn or was never there."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import Page, expect

from careers_tv.clock import utcnow
from careers_tv.models import VideoStatus
from tests.browser.test_public_a11y import axe_violations
from tests.browser.test_watch_player import (
    TIMEOUT_MS,
    published_clip,  # noqa: F401 - a fixture
)
from tests.factories import VideoFactory, channel

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "embed-example.html"
EVENTS = "[...document.querySelectorAll('#log .event')]"


@pytest.fixture
def careers_site(static_server):
    """The documentation's example page, served from another origin than the app."""
    root, base = static_server
    shutil.copy(EXAMPLE, root / "index.html")
    return base


def host(page: Page, careers_site: str, embed_url: str):
    page.goto(f"{careers_site}/index.html?embed={quote(embed_url, safe='')}")
    return page.frame_locator("#player")


def wait_for_event(page: Page, name: str, condition: str = "true") -> dict:
    """The first event `name` from the frame for which `condition` (on `e`, its dataset)
    holds, as the example page logged it."""
    found = (f"{EVENTS}.map(l => l.dataset).find(e => e.event === '{name}' && ({condition}))")
    page.wait_for_function(f"!!{found}", timeout=TIMEOUT_MS)
    return page.evaluate(found)


def send(page: Page, command: str) -> None:
    page.get_by_role("button", name=command, exact=True).click()


def assert_card(frame, text: str, link_text: str, href: str) -> None:
    expect(frame.locator("h1")).to_have_text(text)
    link = frame.get_by_role("link", name=link_text)
    expect(link).to_have_attribute("href", href)
    expect(link).to_have_attribute("target", "_blank")
    for chrome in (".site-header", "header", "input[type=search]", "[hreflang]", "footer",
                   "video"):
        expect(frame.locator(chrome)).to_have_count(0)


def test_a_careers_site_commands_the_embed_and_hears_its_events(page: Page, proxy,
                                                                 published_clip,  # noqa: F811
                                                                 careers_site):
    public_id, _ = published_clip
    assert careers_site.split(":")[-1] != proxy.url.split(":")[-1]  # two origins
    host(page, careers_site, f"{proxy.url}/embed/{public_id}?lang=en")

    ready = wait_for_event(page, "ready", "Number(e.time) === 0")
    assert ready["id"] == public_id

    # What is not a command is ignored: the video neither moves nor starts.
    page.evaluate("""() => { const w = document.querySelector('#player').contentWindow;
        for (const junk of ['play', null, 42, {careersTv: 'explode'}, {careersTv: 'seek'},
                            {careersTv: 'seek', seconds: 'abc'}, {careersTv: 'seek', seconds: -3},
                            {careersTv: ['play']}, {careersTv: 'toString'},
                            {careersTv: '__proto__'}]) { w.postMessage(junk, '*'); }
        w.postMessage({careersTv: 'state'}, '*'); }""")
    state = wait_for_event(page, "state")
    assert float(state["time"]) == 0 and state["paused"] == "true"

    send(page, "Play")
    assert wait_for_event(page, "play")["id"] == public_id
    wait_for_event(page, "timeupdate", "Number(e.time) > 0.3")

    page.get_by_label("Seconds").fill("4")
    send(page, "Seek")
    wait_for_event(page, "timeupdate", "Number(e.time) >= 4")
    send(page, "Pause")
    paused = wait_for_event(page, "pause")
    assert paused["id"] == public_id and float(paused["time"]) >= 4


def test_the_embed_takes_its_options_from_the_url(page: Page, proxy,
                                                  published_clip):  # noqa: F811
    public_id, _ = published_clip
    page.goto(f"{proxy.url}/embed/{public_id}?autoplay=1&t=2&loop=1&captions=fr&controls=0"
              "&lang=en")
    page.wait_for_function("(() => { const v = document.querySelector('video');"
                           " return !v.paused && v.currentTime > 2.2 || window.playerFatal })()",
                           timeout=TIMEOUT_MS)
    assert page.evaluate("window.playerFatal") is None
    video = page.evaluate("(() => { const v = document.querySelector('video'); return {"
                          "muted: v.muted, loop: v.loop,"
                          " from: v.played.length ? v.played.start(0) : null}; })()")
    assert video["muted"] and video["loop"]
    assert 1.9 <= video["from"] <= 2.6  # it started near 2 s, not at the beginning
    # The French captions show from the start, with no control bar over the picture.
    page.wait_for_function("document.querySelector('[data-player-captions]').textContent"
                           ".includes('Bonjour, je suis ingenieure.')", timeout=TIMEOUT_MS)
    # Paused, with the pointer over the picture (what brings a player's bar back): no bar.
    page.evaluate("document.querySelector('video').pause()")
    box = page.locator("[data-player]").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.move(box["x"] + box["width"] / 3, box["y"] + box["height"] / 2)
    assert not page.evaluate("document.querySelector('video').controls")  # nor the native one
    shown = page.locator("[data-player] :is(button, input, select, [role=slider]):visible")
    expect(shown).to_have_count(0)
    assert axe_violations(page) == []


def test_the_card_of_a_withdrawn_or_unknown_video_fills_the_frame(page: Page, proxy, committed,
                                                                  careers_site):
    withdrawn = VideoFactory(title="Retirée", status=VideoStatus.UNPUBLISHED,
                             channel=channel("temoignages"), published_at=utcnow())
    committed.commit()

    frame = host(page, careers_site, f"{proxy.url}/embed/{withdrawn.public_id}?lang=en")
    assert_card(frame, "This video is no longer available", "More videos from Testimonials",
                f"{proxy.url}/channels/temoignages")
    expect(frame.locator("body")).not_to_contain_text("Retirée")
    # It fills the frame: the card is as large as the iframe.
    box = page.locator("#player").bounding_box()
    card = frame.locator(".embed-card").bounding_box()
    assert abs(card["height"] - box["height"]) <= 2 and abs(card["width"] - box["width"]) <= 2

    frame = host(page, careers_site, f"{proxy.url}/embed/no-such-video?lang=fr")
    assert_card(frame, "Il n’y a pas de vidéo à cette adresse",
                "Regardez nos autres vidéos sur Careers TV", f"{proxy.url}/")

    for path, status in ((f"/embed/{withdrawn.public_id}", 410), ("/embed/nope", 404)):
        for lang in ("fr", "en"):
            response = page.goto(f"{proxy.url}{path}?lang={lang}")
            assert response.status == status
            assert axe_violations(page) == []
