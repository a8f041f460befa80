"""The public catalogue: channels, their videos, all videos, tags, search."""

from __future__ import annotations

from flask import abort, request, url_for

from ..services import channels as channel_service
from ..services import cursor_pages
from ..services import search as search_service
from ..services.catalogue import Filters
from . import schemas, serialize
from .blueprint import bp
from .schemas import SLUG_SCHEMA
from .spec import operation

TAG = "Catalogue"


@operation(bp, "GET", "/channels", summary="Every channel", tag=TAG,
           response=schemas.ChannelList, cached=True)
def list_channels():
    """The channels in the order the site shows them, with how many videos each lists."""
    counts = cursor_pages.public_counts()
    return schemas.ChannelList(channels=[
        serialize.channel(c, counts.get(c.id, 0)) for c in channel_service.list_channels()])


def _channel_or_404(slug: str):
    channel = channel_service.get_channel(slug)
    if channel is None:
        abort(404, f"no channel is called {slug!r}")
    return channel


@operation(bp, "GET", "/channels/<slug>", summary="One channel", tag=TAG,
           response=schemas.Channel, errors=(404,), path_params={"slug": SLUG_SCHEMA},
           cached=True)
def get_channel(slug: str):
    channel = _channel_or_404(slug)
    return serialize.channel(channel, cursor_pages.public_counts().get(channel.id, 0))


def _page(query: schemas.VideoListQuery, channel=None) -> schemas.VideoPage:
    filters = Filters(tag=query.tag, language=query.language, country=query.country)
    page = cursor_pages.videos_page(channel=channel, filters=filters, speaker=query.speaker,
                                    sort=query.sort, limit=query.limit, cursor=query.cursor)
    next_url = None
    if page.next_cursor:
        args = {k: v for k, v in request.args.items() if k != "cursor"}
        next_url = url_for(request.endpoint, **(request.view_args or {}), **args,
                           cursor=page.next_cursor, _external=False)
    return schemas.VideoPage(videos=[serialize.summary(v) for v in page.items],
                             next_cursor=page.next_cursor, next=next_url)


@operation(bp, "GET", "/channels/<slug>/videos", summary="A channel's videos", tag=TAG,
           query=schemas.VideoListQuery, response=schemas.VideoPage, errors=(404,),
           path_params={"slug": SLUG_SCHEMA}, cached=True)
def channel_videos(slug: str, query: schemas.VideoListQuery):
    """Published, listed videos only (never drafts or unlisted ones), a page at a time:
    follow `next` (or pass `next_cursor` as `cursor`) until it is null. Pages stay stable
    while videos are being published."""
    return _page(query, _channel_or_404(slug))


@operation(bp, "GET", "/videos", summary="Videos of every channel", tag=TAG,
           query=schemas.AllVideosQuery, response=schemas.VideoPage, errors=(404,), cached=True)
def list_videos(query: schemas.AllVideosQuery):
    """As a channel's videos, across channels (or of the one in `channel`)."""
    channel = _channel_or_404(query.channel) if query.channel else None
    return _page(query, channel)


@operation(bp, "GET", "/tags", summary="Tags in use", tag=TAG, query=schemas.TagQuery,
           response=schemas.TagList, errors=(404,), cached=True)
def list_tags(query: schemas.TagQuery):
    """Tags of published, listed videos (of one channel with `channel`), most used first."""
    channel = _channel_or_404(query.channel) if query.channel else None
    return schemas.TagList(tags=[
        schemas.TagCount(slug=tag.slug, label=tag.label, video_count=count)
        for tag, count in cursor_pages.tag_counts(channel)])


@operation(bp, "GET", "/search", summary="Search videos", tag=TAG, query=schemas.SearchQuery,
           response=schemas.SearchResults, cached=True)
def search(query: schemas.SearchQuery):
    """Titles, descriptions, speakers, tags and captions of published, listed videos; every
    word must match (the last as a prefix), accents and case aside. Best matches first."""
    results = search_service.search(query.q, language=query.language, limit=query.limit,
                                    offset=query.offset)
    end = results.offset + len(results.items)
    return schemas.SearchResults(
        query=query.q, total=results.total, limit=results.limit, offset=results.offset,
        videos=[schemas.SearchHit(**serialize.summary(hit.video).model_dump(),
                                  highlight={"title": str(hit.title),
                                             "excerpt": str(hit.excerpt)})
                for hit in results.items],
        next_offset=end if end < results.total else None,
    )
