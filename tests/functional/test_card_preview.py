"""Hover previews on cards: a transcoded, published video's card names its preview clip; no
public page ever names the clip of a video that is not published."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from careers_tv.extensions import db
from careers_tv.jobs import dispatch
from careers_tv.models import Job, Tag, VideoStatus
from careers_tv.services import editorial, syndication
from careers_tv.services import videos as video_service
from careers_tv.services.channels import get_channel
from careers_tv.storage import get_storage
from tests import media as m
from tests.factories import VideoFactory

PAGES = ["/", "/channels/temoignages", "/tags/apercu", "/search?q=Apercu"]


def transcoded(path, title: str, tag: Tag):
    """A video through the real transcode job, left ready (not published), tagged."""
    video = video_service.create_video(get_channel("temoignages"), title)
    video.tags = [tag]
    video_service.stage_original(video, path, "clip.mp4")
    video_service.queue_transcode(video)
    db.session.commit()
    job_id = db.session.scalar(sa.select(Job.id).where(Job.video_id == video.id))
    assert dispatch.execute(job_id, "preview-test") == "done"
    db.session.expire_all()
    return video_service.get_video(video.public_id)


@pytest.fixture
def clips(committed, media):
    path = media.build(m.make_landscape, folder="card-preview", size=(640, 360), duration=3)
    tag = Tag(slug="apercu", label="Apercu")
    shown = transcoded(path, "Apercu publie", tag)
    hidden = transcoded(path, "Apercu brouillon", db.session.merge(tag))
    video_service.publish(shown)
    # A published video transcoded before previews existed: its card simply has none.
    VideoFactory(title="Apercu ancien", status=VideoStatus.PUBLISHED,
                 published_at=shown.published_at, tags=list(shown.tags))
    db.session.commit()
    return shown, hidden


def html_of(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def previews(html: str) -> dict[str, str | None]:
    """Each card's title and the preview it names (cards and search results alike)."""
    page = BeautifulSoup(html, "html.parser")
    return {" ".join(li.find("a").get_text(" ").split()): li.get("data-preview")
            for li in page.select("li.video-card, li.search-result")}


def test_a_published_cards_preview_is_named_and_served(app, clips):
    shown, hidden = clips
    assert shown.preview_key == shown.media_prefix + "preview.mp4"
    url = syndication.preview_url(shown)
    assert url == get_storage().public_url(shown.preview_key)
    assert syndication.media_urls(shown)["preview"] == url
    client = app.test_client()
    for path in PAGES:
        html = html_of(client, path)
        cards = previews(html)
        assert cards["Apercu publie"] == url, path
        assert cards["Apercu ancien"] is None, path
        assert 'data-preview-frame' in html and "js/card-preview.js" in html
        # The draft is listed nowhere, and nothing names its clip or its media.
        assert "Apercu brouillon" not in cards, path
        assert hidden.media_prefix not in html, path
        assert syndication.preview_url(hidden) not in html, path

    clip = client.get(url.removeprefix("http://localhost"))
    assert clip.status_code == 200 and clip.mimetype == "video/mp4"
    assert 1_000 < len(clip.data) < 100_000


def test_an_unpublished_videos_preview_leaves_every_page(app, clips):
    shown, _ = clips
    url = syndication.preview_url(shown)
    editorial.unpublish(video_service.get_video(shown.public_id))
    db.session.commit()
    client = app.test_client()
    for path in PAGES:
        response = client.get(path)
        if response.status_code == 404:  # the tag page goes when its last public video does
            continue
        html = response.get_data(as_text=True)
        assert url not in html and shown.media_prefix not in html, path
