"""The public player in Chromium, on clips transcoded by the real pipeline and served by
gunicorn, on a phone (360×740) and a laptop (1280×800): one timeline, ours; Space plays and
keeps playing; every control by keyboard alone; captions, quality by the short side, speed,
chapters; an upright video fills a phone with its title in view; axe-core finds nothing."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from careers_tv.extensions import db
from careers_tv.jobs import dispatch
from careers_tv.models import Job
from careers_tv.services import captions as caption_service
from careers_tv.services import videos as video_service
from careers_tv.services.channels import get_channel
from tests import media as m
from tests.browser.test_public_a11y import axe_violations

TIMEOUT_MS = 60_000
VTT = b"""WEBVTT

00:00:00.300 --> 00:00:07.500
Bonjour, je suis ingenieure.
"""
CHAPTERS = [{"start": 0, "title": "Bonjour"}, {"start": 3, "title": "Le métier"}]
PLAYING = "document.querySelector('video').currentTime > {} || window.playerFatal"
VIEWPORTS = {"phone": {"width": 360, "height": 740}, "laptop": {"width": 1280, "height": 800}}


@pytest.fixture
def published_clip(committed, media):
    """A 6 s 720p clip through the transcode job, captioned in French, with two chapters."""
    path = media.build(m.make_landscape, folder="watch-player", size=(1280, 720), duration=6)
    video = transcode_and_publish(path, "Ana, ingenieure", "Ingenieure", {"fr": VTT},
                                  chapters=CHAPTERS)
    return video.public_id, [min(r.width, r.height) for r in video.renditions]


def transcode_and_publish(path, title: str, speaker_title: str, captions: dict[str, bytes],
                          chapters: list[dict] | None = None):
    """A clip through the real transcode job, captioned (language -> WebVTT), then published."""
    video = video_service.create_video(get_channel("temoignages"), title,
                                       speaker_name="Ana Costa", speaker_title=speaker_title)
    video_service.stage_original(video, path, "ana.mp4")
    video_service.queue_transcode(video)
    db.session.commit()
    job_id = db.session.scalar(sa.select(Job.id).where(Job.video_id == video.id))
    assert dispatch.execute(job_id, "browser-test") == "done"
    db.session.expire_all()
    video = video_service.get_video(video.public_id)
    for language, vtt in captions.items():
        caption_service.save_caption(video, language, None, vtt, f"ana-{language}.vtt")
    video.chapters = chapters
    video_service.publish(video)
    db.session.commit()
    return video


def _state(page, expression: str):
    return page.evaluate("(() => { const v = document.querySelector('video'); "
                         f"return {expression}; }})()")


def _focused_name(page) -> str:
    return page.evaluate("(() => { const e = document.activeElement;"
                         " return e.getAttribute('aria-label') || (e.labels && e.labels[0] &&"
                         " e.labels[0].textContent.trim()) || e.textContent.trim(); })()")


def _tab_to(page, name: str, limit: int = 25) -> None:
    """Press Tab until the focused control is called `name` (as a screen reader says it)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if _focused_name(page) == name:
            return
    raise AssertionError(f"no control named {name!r} within {limit} Tabs")


@pytest.mark.parametrize("viewport", VIEWPORTS.values(), ids=VIEWPORTS.keys())
def test_one_bar_of_ours_space_plays_and_every_control_works_by_keyboard(
        page, proxy, published_clip, viewport):
    public_id, short_sides = published_clip
    page.set_viewport_size(viewport)
    page.goto(f"{proxy.url}/videos/{public_id}?lang=en")
    page.wait_for_function("window.playerHls && window.playerHls.levels.length > 0",
                           timeout=TIMEOUT_MS)

    # One timeline: the browser's controls are gone, ours is the only seek bar.
    assert _state(page, "v.controls") is False
    sliders = page.get_by_role("slider").evaluate_all(
        "all => all.map(e => e.labels[0].textContent)")
    # (a phone's volume is its buttons: the slider is left out of a narrow player)
    assert sliders == ["Position in the video"] + (["Volume"] if viewport["width"] > 600 else [])
    assert page.locator("[data-player-controls]").is_visible()

    # Space on the focused video plays, and it is still playing a second later.
    page.locator("video").focus()
    page.keyboard.press("Space")
    page.wait_for_function(PLAYING.format(0.5), timeout=TIMEOUT_MS)
    page.wait_for_timeout(1200)
    assert _state(page, "!v.paused && v.currentTime > 1") is True
    assert page.evaluate("window.playerFatal") is None
    page.keyboard.press("k")
    assert _state(page, "v.paused") is True
    expect(page.locator("[data-play]")).to_have_attribute("aria-label", "Play")

    # The shortcuts: M mutes, Home goes to the start, 5 to the middle, C shows the captions,
    # which we draw over the picture.
    page.locator("video").focus()
    page.keyboard.press("m")
    assert _state(page, "v.muted") is True
    expect(page.locator("[data-mute]")).to_have_attribute("aria-label", "Unmute")
    page.keyboard.press("Home")
    assert _state(page, "v.currentTime") == 0
    page.keyboard.press("5")
    assert abs(_state(page, "v.currentTime") - _state(page, "v.duration") / 2) < 0.5
    page.keyboard.press("c")
    page.wait_for_function("document.querySelector('[data-player-captions]').textContent"
                           ".includes('Bonjour, je suis ingenieure.')", timeout=TIMEOUT_MS)
    expect(page.locator("[data-cc]")).to_have_attribute("aria-pressed", "true")
    page.wait_for_function("document.querySelector('[data-player-announce]').textContent"
                           " === 'Captions: Français'", timeout=TIMEOUT_MS)

    # Tab reaches each control in order, each with a name; the ring shows where focus is.
    page.locator("video").focus()
    _tab_to(page, "Position in the video")
    page.keyboard.press("ArrowLeft")  # 5 s back, from the middle: the start
    page.wait_for_function("document.querySelector('video').currentTime < 0.5",
                           timeout=TIMEOUT_MS)
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    _tab_to(page, "Play")
    page.keyboard.press("Space")  # a button: a click, once
    page.wait_for_function("!document.querySelector('video').paused", timeout=TIMEOUT_MS)
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('video').paused", timeout=TIMEOUT_MS)
    _tab_to(page, "Unmute")
    page.keyboard.press("Enter")
    assert _state(page, "v.muted") is False
    if viewport["width"] > 600:  # the volume slider is left out of a narrow player
        _tab_to(page, "Volume")
        slider = page.locator("[data-volume]")
        expect(slider).to_be_focused()
        expect(slider).to_have_value("1")  # unmuted: the slider shows the volume again
        page.keyboard.press("ArrowLeft")
        expect(slider).to_have_value("0.95")
        page.wait_for_function("document.querySelector('video').volume === 0.95",
                               timeout=TIMEOUT_MS)
    _tab_to(page, "Captions")
    page.keyboard.press("Enter")
    expect(page.locator("[data-cc]")).to_have_attribute("aria-pressed", "false")
    expect(page.locator("[data-player-captions]")).to_be_hidden()

    # The settings menu, by keyboard: quality lists the rungs by their short side; choosing
    # the smallest plays it; captions, speed, chapters; Escape goes back, then closes.
    _tab_to(page, "Settings")
    page.keyboard.press("Enter")
    expect(page.locator("[data-settings]")).to_have_attribute("aria-expanded", "true")
    assert _focused_name(page).startswith("Quality")
    page.keyboard.press("Enter")
    choices = page.locator("input[name=player-quality]")
    labels = [label.strip()
              for label in page.locator("[data-quality-choices] label").all_inner_texts()]
    assert labels == ["Auto"] + [f"{side}p" for side in sorted(short_sides, reverse=True)]
    assert choices.nth(0).evaluate("e => e === document.activeElement")
    for _ in range(len(short_sides)):
        page.keyboard.press("ArrowDown")  # radios: arrows choose
    page.wait_for_function("(h => h.manualLevel >= 0 && h.loadLevel === h.manualLevel && "
                           f"h.levels[h.manualLevel].height === {min(short_sides)})"
                           "(window.playerHls)", timeout=TIMEOUT_MS)
    page.keyboard.press("Escape")
    expect(page.locator("[data-value=quality]")).to_have_text(f"{min(short_sides)}p")
    assert _focused_name(page).startswith("Quality")
    page.keyboard.press("ArrowDown")
    assert _focused_name(page).startswith("Captions")
    page.keyboard.press("Enter")
    page.keyboard.press("ArrowDown")  # Off -> Français
    page.keyboard.press("Enter")      # back to the list
    expect(page.locator("[data-value=captions]")).to_have_text("Français")
    _open_setting(page, "Speed")
    page.locator("[data-panel=speed] input[value='1.5']").focus()
    page.keyboard.press("Space")
    assert _state(page, "v.playbackRate") == 1.5
    page.keyboard.press("Escape")
    _open_setting(page, "Chapters")
    chapters = page.locator("[data-panel=chapters] button[data-chapter-start]").all_inner_texts()
    assert [" ".join(c.split()) for c in chapters] == ["0:00 Bonjour", "0:03 Le métier"]
    page.locator("[data-panel=chapters] button[data-chapter-start='3']").focus()
    page.keyboard.press("Enter")
    assert abs(_state(page, "v.currentTime") - 3) < 0.2
    assert page.locator("[data-menu]").is_hidden()
    assert _focused_name(page) == "Settings"
    assert page.locator(".player-mark").count() == 1  # the second chapter's gap on the timeline

    # Full screen of the whole player (our bar with it), and back.
    _tab_to(page, "Full screen")
    page.keyboard.press("Enter")
    page.wait_for_function("document.fullscreenElement === "
                           "document.querySelector('[data-player-box]')",
                           timeout=TIMEOUT_MS)
    page.keyboard.press("f")
    page.wait_for_function("document.fullscreenElement === null", timeout=TIMEOUT_MS)

    # The bar hides while playing and the pointer rests, and comes back when it moves.
    page.mouse.move(10, 10)
    page.evaluate("document.activeElement.blur(); const v = document.querySelector('video');"
                  " v.playbackRate = 1; v.currentTime = 0; v.play()")
    page.wait_for_function("document.querySelector('[data-player]').classList.contains('player--idle')",
                           timeout=10_000)
    box = page.locator("[data-player-box]").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function("!document.querySelector('[data-player]').classList.contains('player--idle')",
                           timeout=5_000)

    page.evaluate("document.querySelector('video').pause()")
    page.locator("[data-settings]").click()
    assert axe_violations(page) == []


def _open_setting(page, name: str) -> None:
    page.locator("[data-settings]").focus()
    if page.locator("[data-menu]").is_hidden():
        page.keyboard.press("Enter")
    page.locator(f"[data-menu-main] button[data-open]:has-text('{name}')").focus()
    page.keyboard.press("Enter")


def test_on_a_touch_screen_a_tap_shows_or_hides_the_bar_and_two_taps_jump(browser, proxy,
                                                                          published_clip):
    public_id, _ = published_clip
    context = browser.new_context(viewport=VIEWPORTS["phone"], has_touch=True, is_mobile=True,
                                  bypass_csp=True)
    page = context.new_page()
    page.goto(f"{proxy.url}/videos/{public_id}?lang=en")
    page.wait_for_function("window.playerHls && window.playerHls.levels.length > 0",
                           timeout=TIMEOUT_MS)
    picture = page.locator("video").bounding_box()

    def tap(x: float, y: float = 0.3) -> None:
        page.touchscreen.tap(picture["x"] + picture["width"] * x,
                             picture["y"] + picture["height"] * y)

    page.evaluate("document.querySelector('video').currentTime = 1")
    tap(0.85)
    page.wait_for_timeout(100)
    tap(0.85)  # two taps on the right: 10 s on (to the end of this 6 s clip)
    page.wait_for_function("document.querySelector('video').currentTime > 5.5", timeout=5_000)
    tap(0.15)
    page.wait_for_timeout(100)
    tap(0.15)  # and on the left: 10 s back (to the start)
    page.wait_for_function("document.querySelector('video').currentTime < 0.5", timeout=5_000)

    player = page.locator("[data-player]")
    page.evaluate("const v = document.querySelector('video'); v.muted = true; v.play()")
    page.wait_for_function(PLAYING.format(0.2), timeout=TIMEOUT_MS)
    tap(0.5)  # one tap while the bar shows: it goes
    expect(player).to_have_class(re.compile(r"player--idle"))
    tap(0.5)  # and one more: it comes back
    expect(player).not_to_have_class(re.compile(r"player--idle"))
    assert page.evaluate("!document.querySelector('video').paused")  # neither tap paused it
    context.close()


def test_the_choices_are_remembered_and_t_starts_later(page, proxy, published_clip):
    public_id, _ = published_clip
    page.goto(f"{proxy.url}/videos/{public_id}?lang=en")
    page.wait_for_function("window.playerHls && window.playerHls.levels.length > 0",
                           timeout=TIMEOUT_MS)
    page.locator("[data-settings]").click()
    page.locator("[data-open=captions]").click()
    page.get_by_label("Français").check()
    page.locator("[data-open=size]").click()
    page.get_by_label("Extra large").check()
    # The next video opens with the captions the viewer chose, as large, and at ?t=.
    page.goto(f"{proxy.url}/videos/{public_id}?t=3&lang=en")
    page.wait_for_function("document.querySelector('video').currentTime >= 3", timeout=TIMEOUT_MS)
    expect(page.locator("[data-value=captions]")).to_have_text("Français")
    assert page.evaluate("getComputedStyle(document.querySelector('[data-player]'))"
                         ".getPropertyValue('--caption-scale')").strip() == "2"
    # The bandwidth measured on this visit starts the next one (hls.js's first level).
    page.evaluate("const v = document.querySelector('video'); v.muted = true; v.play()")
    page.wait_for_function(PLAYING.format(3.5), timeout=TIMEOUT_MS)
    page.goto(f"{proxy.url}/?lang=en")  # leaving the page keeps hls.js's estimate
    assert float(page.evaluate("localStorage.getItem('careers-tv.bandwidth')") or 0) > 0


def test_an_upright_video_fills_a_phone_with_its_title_in_view(page, proxy, committed, media):
    path = media.build(m.make_portrait, folder="watch-upright", duration=4, coded_size=(960, 540))
    video = transcode_and_publish(path, "Ana, en vertical", "Ingenieure", {})
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{proxy.url}/videos/{video.public_id}?lang=en")
    # The box has the video's shape from the first paint (the poster in it), before any play.
    picture = page.locator("[data-player-box]").bounding_box()
    assert picture["height"] >= 0.7 * 844
    title = page.locator("h1").bounding_box()
    assert title["y"] + title["height"] <= 844
    page.wait_for_function("window.playerHls && window.playerHls.levels.length > 0",
                           timeout=TIMEOUT_MS)
    assert page.locator("[data-player-box]").bounding_box() == picture  # nothing jumped
    labels = page.evaluate("window.playerHls.levels.map(l => Math.min(l.width, l.height))")
    page.locator("[data-settings]").click()
    page.locator("[data-open=quality]").click()
    shown = [t.strip() for t in page.locator("[data-quality-choices] label").all_inner_texts()]
    assert shown == ["Auto"] + [f"{side}p" for side in sorted(labels, reverse=True)]
    assert shown[1] == "480p"  # a 540×960 source: its ladder tops at 480p, not "854p"


def test_the_embed_page_plays_and_is_accessible(page, proxy, published_clip):
    public_id, _ = published_clip
    page.goto(f"{proxy.url}/embed/{public_id}")
    assert page.locator(".site-header").count() == 0
    page.evaluate("document.querySelector('video').muted = true; "
                  "document.querySelector('video').play()")
    page.wait_for_function(PLAYING.format(1.0), timeout=TIMEOUT_MS)
    assert page.evaluate("window.playerFatal") is None
    assert axe_violations(page) == []


def test_the_transcript_links_into_the_video(page, proxy, published_clip):
    public_id, _ = published_clip
    page.goto(f"{proxy.url}/videos/{public_id}/transcript?captions=fr")
    page.locator("a.transcript-time", has_text="0:00").click()
    page.wait_for_url(f"**/videos/{public_id}?t=0")
    assert page.locator("h1").inner_text() == "Ana, ingenieure"
