"""Rows to the API's models: one place that says what a video looks like to clients."""

from __future__ import annotations

from flask import url_for

from .. import links
from ..models import Channel, Tag, Video, VideoStatus
from ..services import syndication
from . import schemas

EMBED_SIDE = 640


def texts(fr: str, en: str) -> schemas.Texts:
    return schemas.Texts(fr=fr, en=en)


def channel(row: Channel, video_count: int) -> schemas.Channel:
    return schemas.Channel(
        slug=row.slug, name=texts(row.name_fr, row.name_en),
        description=texts(row.description_fr, row.description_en),
        url=links.channel_url(row),
        feed_url=links.site_url(f"/channels/{row.slug}/feed.xml"),
        video_count=video_count,
    )


def tag(row: Tag) -> schemas.Tag:
    return schemas.Tag(slug=row.slug, label=row.label)


def _summary_fields(video: Video) -> dict:
    return dict(
        id=video.public_id, title=video.title, description=video.description or "",
        language=video.language,
        channel=schemas.ChannelRef(slug=video.channel.slug,
                                   name=texts(video.channel.name_fr, video.channel.name_en)),
        tags=[tag(t) for t in video.tags],
        speaker=schemas.Speaker(name=video.speaker_name, title=video.speaker_title),
        entity=video.entity, country=video.country,
        duration_seconds=video.duration_seconds, width=video.width, height=video.height,
        published_at=video.published_at, view_count=video.view_count,
        links=schemas.Links(
            watch=links.watch_url(video), embed=links.embed_url(video),
            api=links.site_url(url_for("api.get_video", public_id=video.public_id)),
        ),
    )


def summary(video: Video) -> schemas.VideoSummary:
    """What a listing shows of a video (no captions: a list costs the same few queries)."""
    return schemas.VideoSummary(
        **_summary_fields(video),
        media=schemas.Media(hls=syndication.master_playlist_url(video),
                            poster=syndication.poster_url(video)),
    )


def detail(video: Video) -> schemas.Video:
    urls = syndication.media_urls(video)
    size = syndication.embed_size(video, EMBED_SIDE, None)
    waiting = video.status in (VideoStatus.UPLOADING, VideoStatus.DRAFT)
    return schemas.Video(
        **_summary_fields(video),
        media=schemas.Media(hls=urls["master"], poster=urls["poster"],
                            storyboard=urls["storyboard"], chapters=urls["chapters_url"]),
        visibility=video.visibility.value, status=video.status.value,
        status_message=video.status_text, progress=video.progress,
        publish_at=video.publish_at,
        captions=[schemas.Caption(language=c.language, label=c.label, url=url,
                                  automatic=c.automatic)
                  for c, url in urls["captions"]],
        chapters=[schemas.Chapter(**span) for span in urls["chapters"]],
        embed_html=syndication.embed_html(video, size),
        upload_url=links.site_url(url_for("api.uploads")) if waiting else None,
    )
