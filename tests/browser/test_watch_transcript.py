"""The transcript panel of the watch page, in Chromium, on a clip transcoded by the real
pipeline: its lines are in the HTML (JavaScript off), it sits beside the player on a wide
screen and below the title on a phone, a line seeks the video, the spoken line follows
playback, the search narrows the lines, and it follows the captions' language."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests import media as m
from tests.browser.test_public_a11y import axe_violations
from tests.browser.test_watch_player import TIMEOUT_MS, transcode_and_publish

FRENCH = b"""WEBVTT

00:00:00.000 --> 00:00:01.900
Bonjour, je m'appelle Ana.

00:00:02.000 --> 00:00:03.900
Je travaille \xc3\xa0 la D\xc3\xa9fense.

00:00:04.000 --> 00:00:06.000
Rejoignez notre \xc3\xa9quipe !
"""
ENGLISH = b"""WEBVTT

00:00:00.000 --> 00:00:01.900
Hello, my name is Ana.

00:00:02.000 --> 00:00:03.900
I work at La Defense.

00:00:04.000 --> 00:00:06.000
Join our team!
"""
LINES = ".watch-transcript .transcript-line"
TEXTS = ".watch-transcript .transcript-line:visible .transcript-line-text"
VIDEO = "document.querySelector('video')"


@pytest.fixture
def transcribed_clip(committed, media):
    """A 6 s 720p French clip through the transcode job, captioned in French and English."""
    path = media.build(m.make_landscape, folder="watch-transcript", size=(1280, 720),
                       duration=6)
    return transcode_and_publish(path, "Ana, ingénieure", "Ingénieure",
                                 {"fr": FRENCH, "en": ENGLISH}).public_id


def test_the_lines_are_in_the_page_without_javascript(browser: Browser, proxy,
                                                      transcribed_clip):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1366,
                                                                       "height": 900})
    page = context.new_page()
    page.goto(f"{proxy.url}/videos/{transcribed_clip}?lang=en")
    panel = page.get_by_role("region", name="Transcript")
    expect(panel).to_be_visible()
    expect(panel.locator(".transcript-line-text")).to_have_text(
        ["Bonjour, je m'appelle Ana.", "Je travaille à la Défense.", "Rejoignez notre équipe !"])
    expect(panel.locator("ol")).to_have_attribute("lang", "fr")
    # Each line is a link into the video at its time; the search needs JavaScript, so it hides.
    expect(panel.locator(".transcript-line").nth(2)).to_have_attribute(
        "href", f"/videos/{transcribed_clip}?t=4")
    expect(panel.get_by_role("searchbox")).to_have_count(0)
    expect(panel.get_by_role("link", name="Printable version")).to_have_attribute(
        "href", f"/videos/{transcribed_clip}/transcript")
    context.close()


def test_beside_the_player_on_a_wide_screen_below_the_title_on_a_phone(page: Page, proxy,
                                                                       transcribed_clip):
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{proxy.url}/videos/{transcribed_clip}?lang=en")
    player = page.locator("[data-player]").bounding_box()
    panel = page.locator(".watch-transcript").bounding_box()
    assert panel["x"] >= player["x"] + player["width"]  # to its right
    assert abs(panel["y"] - player["y"]) <= 2 and abs(panel["height"] - player["height"]) <= 2
    assert axe_violations(page) == []

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{proxy.url}/videos/{transcribed_clip}?lang=en")
    title = page.locator("h1").bounding_box()
    panel = page.locator(".watch-transcript").bounding_box()
    player = page.locator("[data-player]").bounding_box()
    assert panel["y"] >= title["y"] + title["height"] and title["y"] >= player["y"]
    assert panel["width"] <= 390 and page.evaluate("document.documentElement.scrollWidth") <= 390
    expect(page.get_by_role("region", name="Transcript")).to_be_visible()
    assert axe_violations(page) == []


def test_a_line_seeks_the_spoken_line_follows_and_search_narrows(page: Page, proxy,
                                                                 transcribed_clip):
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{proxy.url}/videos/{transcribed_clip}?lang=en")
    page.evaluate(f"{VIDEO}.muted = true")
    lines = page.locator(LINES)

    # A click on the third line: the video goes to 4 s and plays; that line is the current one.
    lines.nth(2).click()
    page.wait_for_function(f"{VIDEO}.currentTime >= 4 && !{VIDEO}.paused", timeout=TIMEOUT_MS)
    expect(lines.nth(2)).to_have_attribute("aria-current", "true")
    assert page.url.endswith(f"/videos/{transcribed_clip}?lang=en")  # no page load
    # From the keyboard: Enter on the first line goes back to the start.
    lines.nth(0).focus()
    page.keyboard.press("Enter")
    page.wait_for_function(f"{VIDEO}.currentTime < 2", timeout=TIMEOUT_MS)
    expect(lines.nth(0)).to_have_attribute("aria-current", "true")
    # Playing on, the second line becomes the current one, and only it.
    expect(lines.nth(1)).to_have_attribute("aria-current", "true", timeout=TIMEOUT_MS)
    expect(page.locator(f"{LINES}[aria-current]")).to_have_count(1)
    page.evaluate(f"{VIDEO}.pause()")

    # Search: accents and case do not matter; the matches are marked and counted.
    search = page.get_by_role("searchbox", name="Search the transcript")
    search.fill("EQUIPE")
    expect(page.locator(TEXTS)).to_have_text(["Rejoignez notre équipe !"])
    expect(page.locator(".watch-transcript mark")).to_have_text(["équipe"])
    expect(page.get_by_role("status").filter(has_text="match")).to_have_text("1 match")
    search.fill("je")
    expect(page.locator(TEXTS)).to_have_count(2)
    expect(page.get_by_role("status").filter(has_text="match")).to_have_text("2 matches")
    search.fill("nothing like this")
    expect(page.locator(TEXTS)).to_have_count(0)
    expect(page.get_by_role("status").filter(has_text="match")).to_have_text("No match")
    search.press("Escape")
    expect(page.locator(TEXTS)).to_have_count(3)

    # English captions turned on in the player: the panel reads the English track.
    page.evaluate(f"[...{VIDEO}.textTracks].forEach(t => t.mode = t.language === 'en' ?"
                  " 'showing' : 'disabled')")
    expect(page.locator(TEXTS)).to_have_text(
        ["Hello, my name is Ana.", "I work at La Defense.", "Join our team!"])
    expect(page.locator(".watch-transcript ol")).to_have_attribute("lang", "en")
    page.locator(LINES).nth(1).click()
    page.wait_for_function(f"{VIDEO}.currentTime >= 2 && {VIDEO}.currentTime < 4.5",
                           timeout=TIMEOUT_MS)
