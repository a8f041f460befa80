"""The portal in Chromium, against the app under gunicorn and a real Celery worker:
upload through the real tus widget, watch the transcode, caption, publish; and resume after
the line drops or the page is reloaded."""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from careers_tv.models import Role, Video
from careers_tv.storage import get_storage
from tests import media as m
from tests.factories import PASSWORD, UserFactory

VIDEO_PAGE = re.compile(r"/portal/videos/[\w-]{11}$")  # a video's page (public ids: 11 chars)
TIMEOUT_MS = 180_000  # a transcode on a busy 2-core machine
SRT = """1
00:00:00,200 --> 00:00:01,500
Bonjour, je m'appelle Ana.

2
00:00:01,600 --> 00:00:02,900
Je suis ingénieure.
"""


@pytest.fixture
def editor(committed):
    user = UserFactory(role=Role.EDITOR, email="editor.browser@example.com")
    committed.commit()
    return user


@pytest.fixture
def clip(media):
    """About 3 MB: long enough for the progress bar to move on a throttled line."""
    return media.build(m.make_landscape, folder="browser-upload", size=(1280, 720),
                       duration=4)


@pytest.fixture
def big_file(tmp_path):
    """16 MB, more than the loopback socket buffers swallow at once, so the progress a
    browser reports follows the (throttled) line. Only the bytes matter here: these tests
    stop at the upload, before any transcode."""
    path = tmp_path / "camera-original.mp4"
    path.write_bytes(os.urandom(16 * 1024 * 1024))
    return path


def sign_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/portal/login?lang=en")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Videos", exact=True)).to_be_visible()


def record_progress(page: Page) -> None:
    """Sample the upload progress bar every 20 ms, as a person watching it would see it."""
    page.evaluate("""() => {
        window.progressSeen = [];
        window.setInterval(() => {
            const bar = document.querySelector('[data-upload-progress]');
            if (bar && !bar.closest('[hidden]')) { window.progressSeen.push(bar.value); }
        }, 20);
    }""")


def start_upload(page: Page, base: str, file, title: str) -> None:
    page.goto(f"{base}/portal/videos/new")
    page.set_input_files("#file", str(file))
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("Channel").select_option(label="Testimonials")
    page.get_by_label("Speaker's name").fill("Ana Ruiz")
    record_progress(page)
    page.get_by_role("button", name="Upload", exact=True).click()


def wait_for_video_page(page: Page, timeout: float = 90_000) -> None:
    """The widget goes to the video's page when the upload is done; if not, say what it shows."""
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    try:
        page.wait_for_url(VIDEO_PAGE, timeout=timeout)
    except PlaywrightTimeout:
        shown = page.locator("[data-upload-message]").text_content()
        pytest.fail(f"the upload did not finish; the widget says: {shown!r}; console: {console}")


def video_from_url(url: str, committed) -> Video:
    public_id = re.search(r"/portal/videos/([\w-]+)", url).group(1)
    committed.expire_all()
    return committed.query(Video).filter_by(public_id=public_id).one()


def test_upload_transcode_caption_publish(page: Page, proxy, workers, committed, editor, clip,
                                          tmp_path):
    workers.start("browser")
    proxy.control.bytes_per_second = 1_500_000
    sign_in(page, proxy.url, editor.email)
    start_upload(page, proxy.url, clip, "Ana, ingénieure à Paris")

    wait_for_video_page(page)
    video = video_from_url(page.url, committed)
    assert get_storage().size(video.original_key) == clip.stat().st_size

    # The page follows the transcode by itself and shows the player when it is over.
    expect(page.locator(".video-state [data-status]")).to_have_text(
        "Ready for review", timeout=TIMEOUT_MS)
    player = page.locator("#preview-player")
    expect(player).to_be_visible()
    # Muted, as autoplay rules want; play() is not awaited (it settles only once playing).
    page.evaluate("() => { const v = document.getElementById('preview-player');"
                  " v.muted = true; v.play(); }")
    page.wait_for_function(
        "document.getElementById('preview-player').currentTime > 0.5", timeout=30_000)
    assert page.evaluate("document.getElementById('preview-player').dataset.error") is None

    captions = tmp_path / "ana.srt"
    captions.write_text(SRT, encoding="utf-8")
    page.get_by_label("Caption language").select_option("fr")
    page.set_input_files("input[name=file]", str(captions))
    page.get_by_role("button", name="Add the captions").click()
    expect(page.get_by_text("Captions saved.")).to_be_visible()
    expect(page.locator("#preview-player track[srclang=fr]")).to_have_count(1)

    page.get_by_role("button", name="Publish now").click()
    expect(page.locator(".video-state [data-status]")).to_have_text("Published")
    page.goto(f"{proxy.url}/channels/temoignages?lang=en")
    expect(page.get_by_text("Ana, ingénieure à Paris")).to_be_visible()


def test_the_progress_bar_advances_while_the_file_is_sent(page: Page, proxy, committed, editor,
                                                         big_file):
    proxy.control.bytes_per_second = 2_000_000
    sign_in(page, proxy.url, editor.email)
    start_upload(page, proxy.url, big_file, "Progress")
    expect(page.locator("[data-upload-percent]")).not_to_have_text("0 %", timeout=30_000)
    page.wait_for_function("document.querySelector('[data-upload-progress]').value >= 100",
                           timeout=60_000)
    seen = page.evaluate("window.progressSeen")
    steps = sorted(set(seen))
    assert len([v for v in steps if 0 < v < 100]) >= 3, steps  # it moved, not 0 then 100
    assert seen == sorted(seen)  # never backwards


def test_a_dropped_connection_resumes_from_its_offset(page: Page, proxy, committed, editor,
                                                      big_file):
    clip = big_file
    size = clip.stat().st_size
    proxy.control.bytes_per_second = 8_000_000
    proxy.control.cut_patch_after = int(size * 0.6)
    sign_in(page, proxy.url, editor.email)
    start_upload(page, proxy.url, clip, "Cut halfway")
    wait_for_video_page(page)

    assert proxy.control.cuts == 1
    patches = proxy.requests_seen("PATCH")
    assert patches[0].offset == 0
    # The client asked the server where it stood, and went on from there: what it sent in
    # all is about one file, where starting again would have been 1.6 files.
    assert proxy.requests_seen("HEAD"), "the client never asked the server for its offset"
    assert max(p.offset for p in patches) > size // 4, patches
    assert sum(p.sent for p in patches) < 1.3 * size, patches
    video = video_from_url(page.url, committed)
    with get_storage().open(video.original_key) as stored:
        assert stored.read() == clip.read_bytes()


def test_an_upload_resumes_after_a_page_reload(page: Page, proxy, committed, editor, big_file):
    clip = big_file
    size = clip.stat().st_size
    proxy.control.bytes_per_second = 2_000_000
    sign_in(page, proxy.url, editor.email)
    start_upload(page, proxy.url, clip, "Reloaded")
    page.wait_for_function("document.querySelector('[data-upload-progress]').value >= 30",
                           timeout=60_000)
    page.reload()  # the address is now the video's upload page
    expect(page.get_by_role("heading", name=re.compile("Send the file"))).to_be_visible()
    proxy.control.bytes_per_second = None
    page.set_input_files("#file", str(clip))
    page.get_by_role("button", name="Upload", exact=True).click()
    wait_for_video_page(page)

    offsets = [p.offset for p in proxy.requests_seen("PATCH")]
    assert offsets[0] == 0 and offsets[-1] > size // 5, offsets
    video = video_from_url(page.url, committed)
    with get_storage().open(video.original_key) as stored:
        assert stored.read() == clip.read_bytes()
