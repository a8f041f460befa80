"""The public player in Chromium, on a clip transcoded by the real pipeline and served by
gunicorn: it plays, shows captions, seeks with the keyboard, lists the rungs, embeds, and
passes axe-core."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

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
PLAYING = "document.querySelector('video').currentTime > {} || window.playerFatal"


@pytest.fixture
def published_clip(committed, media):
    """A 6 s 720p clip through the transcode job, captioned in French, then published."""
    path = media.build(m.make_landscape, folder="watch-player", size=(1280, 720), duration=6)
    video = transcode_and_publish(path, "Ana, ingenieure", "Ingenieure", {"fr": VTT})
    return video.public_id, [r.height for r in video.renditions]


def transcode_and_publish(path, title: str, speaker_title: str, captions: dict[str, bytes]):
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
    video_service.publish(video)
    db.session.commit()
    return video


def test_the_watch_page_plays_captions_seeks_and_offers_the_rungs(page, proxy, published_clip):
    public_id, heights = published_clip
    page.goto(f"{proxy.url}/videos/{public_id}?lang=en")
    video = page.locator("video")
    page.evaluate("document.querySelector('video').muted = true; "
                  "document.querySelector('video').play()")
    page.wait_for_function(PLAYING.format(1.0), timeout=TIMEOUT_MS)
    assert page.evaluate("window.playerFatal") is None

    # The quality menu: Auto, then every rung from the top.
    options = page.locator("#player-quality option").all_inner_texts()
    assert options[0].startswith("Auto")
    assert options[1:] == [f"{h}p" for h in sorted(heights, reverse=True)]
    page.get_by_label("Quality").select_option(label=f"{min(heights)}p")
    page.wait_for_function("window.playerHls.currentLevel >= 0 && "
                           f"window.playerHls.levels[window.playerHls.currentLevel].height === "
                           f"{min(heights)}", timeout=TIMEOUT_MS)

    # Captions: off until chosen; chosen, a cue shows after a seek; the choice is remembered.
    assert page.evaluate("document.querySelector('video').textTracks[0].mode") != "showing"
    page.get_by_label("Captions").select_option(label="Français")
    page.evaluate("document.querySelector('video').currentTime = 2")
    page.wait_for_function("(() => { const t = document.querySelector('video').textTracks[0];"
                           " return t.mode === 'showing' && t.activeCues && "
                           "t.activeCues.length > 0; })()", timeout=TIMEOUT_MS)
    cue = page.evaluate("document.querySelector('video').textTracks[0].activeCues[0].text")
    assert cue == "Bonjour, je suis ingenieure."

    # The keyboard: on the focused video, ArrowRight moves on.
    page.evaluate("document.querySelector('video').pause()")
    video.focus()
    before = page.evaluate("document.querySelector('video').currentTime")
    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"document.querySelector('video').currentTime >= {before + 2}",
                           timeout=TIMEOUT_MS)
    focus_visible = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert focus_visible != "none"

    # Storyboard: focusing the seek bar shows a preview picture from a sprite sheet.
    page.locator("#player-seek").focus()
    page.wait_for_function("document.querySelector('[data-preview-image]').style"
                           ".backgroundImage.includes('sheet-')", timeout=TIMEOUT_MS)
    assert page.locator("[data-preview]").is_visible()

    assert axe_violations(page) == []

    # The next video opens with the captions the viewer chose.
    page.goto(f"{proxy.url}/videos/{public_id}?t=3")
    page.wait_for_function("document.querySelector('video').textTracks[0].mode === 'showing'",
                           timeout=TIMEOUT_MS)
    assert page.locator("#player-captions").input_value() == "fr"
    page.wait_for_function("document.querySelector('video').currentTime >= 3",
                           timeout=TIMEOUT_MS)  # ?t= from the transcript's links


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
