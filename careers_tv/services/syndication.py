"""What the feeds, the sitemap and oEmbed say about videos: the queries and the public URLs.

Feeds and the sitemap list only published videos with public visibility: unlisted ones are
reachable by their link alone and must not leak through a machine-readable list. oEmbed is
asked about one link a person already has, so unlisted videos answer there too.

URLs are absolute and built from PUBLIC_BASE_URL, never from the request's Host header: a feed
or a sitemap fetched through a proxy or an internal name must still point at the public site.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from markupsafe import escape

from ..extensions import db
from ..links import embed_url, site_url
from ..models import Channel, Video, VideoStatus, Visibility
from ..storage import get_storage
from .captions import captions_for
from .chapters import spans as chapter_spans

FEED_SIZE = 50
# A sitemap file holds at most 50,000 URLs; the home page and the channels take a few.
SITEMAP_MAX_VIDEOS = 49_000
# Google's video sitemap limits, which a longer value makes it reject the entry.
SITEMAP_DESCRIPTION_MAX = 2048
SITEMAP_MAX_TAGS = 32
SITEMAP_MAX_DURATION = 28_800
# oEmbed: the box the player fits in when the consumer gives no maximum.
EMBED_DEFAULT_SIDE = 640
WIDESCREEN = 16 / 9


def _listed():
    """Videos anyone may find without being given the link."""
    return sa.select(Video).where(
        Video.status == VideoStatus.PUBLISHED, Video.visibility == Visibility.PUBLIC
    )


def latest_videos(channel: Channel | None = None, limit: int = FEED_SIZE) -> list[Video]:
    """The newest listed videos, of one channel or of all; channel and tags loaded with them."""
    query = _listed().order_by(Video.published_at.desc(), Video.id.desc()).limit(limit)
    if channel is not None:
        query = query.where(Video.channel_id == channel.id)
    return list(db.session.scalars(query))


def sitemap_videos(limit: int = SITEMAP_MAX_VIDEOS) -> list[Video]:
    """Every listed video, newest first (channel and tags loaded with them)."""
    query = _listed().order_by(Video.published_at.desc(), Video.id.desc()).limit(limit)
    return list(db.session.scalars(query))


def embeddable_video(public_id: str) -> Video | None:
    """A published video by its public id, listed or unlisted; None for anything else."""
    return db.session.scalar(
        sa.select(Video).where(Video.public_id == public_id,
                               Video.status == VideoStatus.PUBLISHED)
    )


def entry_updated(video: Video) -> datetime:
    """When a feed reader should consider the entry last changed (never before publication)."""
    if video.published_at is None:
        return video.updated_at
    return max(video.updated_at, video.published_at)


def feed_updated(videos: list[Video], channels: list[Channel]) -> datetime:
    """The feed's own `updated`: its newest entry, or when its channel(s) appeared if empty."""
    if videos:
        return max(entry_updated(v) for v in videos)
    return max(c.created_at for c in channels)


# -- URLs (site_url, watch_url, embed_url, channel_url: careers_tv/links.py) -----------------


def poster_key(video: Video) -> str | None:
    if video.poster_key:
        return video.poster_key
    if video.media_prefix:
        return f"{video.media_prefix}poster.jpg"
    return None


def poster_url(video: Video) -> str | None:
    key = poster_key(video)
    return get_storage().public_url(key) if key else None


def preview_url(video: Video) -> str | None:
    """The card's hover preview (the first seconds, small and muted), or None: only videos
    transcoded since previews exist have one."""
    return get_storage().public_url(video.preview_key) if video.preview_key else None


def master_playlist_url(video: Video) -> str | None:
    if not video.media_prefix:
        return None
    return get_storage().public_url(f"{video.media_prefix}master.m3u8")


def storyboard_url(video: Video) -> str | None:
    if not video.media_prefix:
        return None
    return get_storage().public_url(f"{video.media_prefix}storyboard/thumbnails.vtt")


def chapters_url(video: Video) -> str | None:
    """The WebVTT chapters track public/watch.py makes from the database (None: none)."""
    return site_url(f"/videos/{video.public_id}/chapters.vtt") if video.chapters else None


def media_urls(video: Video) -> dict:
    """Addresses of the video's media (None for what it lacks); captions as (caption, url)."""
    storage = get_storage()
    return {
        "master": master_playlist_url(video),
        "storyboard": storyboard_url(video),
        "poster": poster_url(video),
        "preview": preview_url(video),
        "captions": [(c, storage.public_url(c.storage_key)) for c in captions_for(video)],
        # The editor's chapters, each with its end; their WebVTT track is made by the site.
        "chapters": chapter_spans(video.chapters, video.duration_seconds),
        "chapters_url": chapters_url(video),
    }


def embed_html(video: Video, size: Size) -> str:
    """The iframe that embeds the player, as oEmbed and the API hand it out."""
    return (f'<iframe src="{escape(embed_url(video))}" width="{size.width}" '
            f'height="{size.height}" title="{escape(video.title)}" style="border:0" '
            f'allow="autoplay; fullscreen; picture-in-picture" allowfullscreen></iframe>')


# transcoding/poster.py writes posters this size; a web process never loads transcoding/
# (ffmpeg), so the figure is repeated here, and tests/unit/services/test_syndication.py
# checks that both agree on every shape.
POSTER_LONG_SIDE = 1280


def poster_size(video: Video) -> tuple[int, int] | None:
    """The poster's pixel size: the transcoder writes it at the video's shape, its long side
    capped at POSTER_LONG_SIDE, never enlarged, both sides even."""
    if not video.width or not video.height:
        return None
    factor = min(1.0, POSTER_LONG_SIDE / max(video.width, video.height))
    return tuple(max(2, round(side * factor / 2) * 2) for side in (video.width, video.height))


DEFAULT_PORTS = {"http": 80, "https": 443}


def _port(parts) -> int | None:
    """The explicit port, or None for the scheme's own (so http and https links both match)."""
    port = parts.port
    return None if port is None or port == DEFAULT_PORTS.get(parts.scheme) else port


def public_id_from_watch_url(url: str) -> str | None:
    """The video's public id in one of our watch or embed links; None for anything else."""
    try:
        parts = urlsplit(url.strip())
        ours = urlsplit(current_app.config["PUBLIC_BASE_URL"])
        if parts.scheme not in DEFAULT_PORTS or _port(parts) != _port(ours):
            return None
    except ValueError:  # an unparsable port or bracketed host
        return None
    if not parts.hostname or parts.hostname != ours.hostname:
        return None
    base_path = ours.path.rstrip("/")
    path = parts.path.rstrip("/")
    if not path.startswith(base_path + "/"):
        return None
    segments = path[len(base_path) + 1:].split("/")
    if len(segments) != 2 or segments[0] not in ("videos", "embed") or not segments[1]:
        return None
    return segments[1]


# -- oEmbed sizes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Size:
    width: int
    height: int


def embed_size(video: Video, maxwidth: int | None, maxheight: int | None) -> Size:
    """The player's size: the video's shape fitted in the consumer's box (never beyond it).

    Without a maximum the box is square, so a portrait phone video gets a portrait player
    rather than a huge one; with only one maximum the other side allows at least as much.
    """
    ratio = video.width / video.height if video.width and video.height else WIDESCREEN
    box_width = maxwidth or max(EMBED_DEFAULT_SIDE, maxheight or 0)
    box_height = maxheight or max(EMBED_DEFAULT_SIDE, maxwidth or 0)
    width = max(1, math.floor(min(box_width, box_height * ratio)))
    height = max(1, min(box_height, round(width / ratio)))
    return Size(width, height)


def thumbnail_for_embed(video: Video, maxwidth: int | None,
                        maxheight: int | None) -> tuple[str, Size] | None:
    """The poster, when its size is known and fits the consumer's box (oEmbed requires it)."""
    url, size = poster_url(video), poster_size(video)
    if url is None or size is None:
        return None
    width, height = size
    if (maxwidth and width > maxwidth) or (maxheight and height > maxheight):
        return None
    return url, Size(width, height)
