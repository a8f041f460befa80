"""Machine-readable views: Atom feeds, the sitemap, oEmbed, robots.txt, /favicon.ico."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from flask import (
    Response,
    abort,
    current_app,
    jsonify,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _

from .. import links
from ..services import channels as channel_service
from ..services import syndication
from .blueprint import bp

ATOM_TYPE = "application/atom+xml; charset=utf-8"
SITEMAP_TYPE = "application/xml; charset=utf-8"
FEED_MAX_AGE = 300
SITEMAP_MAX_AGE = 3600
OEMBED_MAX_AGE = 300
# XML 1.0 cannot carry these at all, escaped or not: one pasted into a title would make the
# whole feed unreadable, so they are dropped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(value: str | None) -> str:
    return _NOT_XML.sub("", value or "")


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _conditional(body: str, content_type: str, last_modified: datetime, max_age: int):
    """A cacheable answer: ETag from the body, Last-Modified, and a 304 when nothing changed."""
    response = current_app.response_class(body)
    response.headers["Content-Type"] = content_type
    response.last_modified = last_modified
    response.add_etag()
    response.cache_control.public = True
    response.cache_control.max_age = max_age
    return response.make_conditional(request)


def _feed(channel=None):
    locale = str(get_locale())
    videos = syndication.latest_videos(channel)
    if channel is None:
        title = "Careers TV"
        subtitle = _("The latest videos of every channel")
        self_url = links.site_url("/feed.xml")
        alternate = links.site_url("/")
        channels = channel_service.list_channels() if not videos else []
    else:
        title = _("%(channel)s · Careers TV", channel=channel.name(locale))
        subtitle = channel.description(locale)
        self_url = links.channel_url(channel) + "/feed.xml"
        alternate = links.channel_url(channel)
        channels = [channel]
    updated = syndication.feed_updated(videos, channels)
    body = render_template(
        "feeds/atom.xml", videos=videos, title=title, subtitle=subtitle, self_url=self_url,
        alternate_url=alternate, updated=updated, home_url=links.site_url("/"),
        channels_scheme=links.site_url("/channels/"), clean=xml_text, rfc3339=rfc3339,
        entry_updated=syndication.entry_updated, watch_url=links.watch_url,
        poster_url=syndication.poster_url, poster_size=syndication.poster_size,
        master_url=syndication.master_playlist_url, embed_url=links.embed_url,
    )
    return _conditional(body, ATOM_TYPE, updated, FEED_MAX_AGE)


@bp.get("/feed.xml")
def feed():
    return _feed()


@bp.get("/channels/<slug>/feed.xml")
def channel_feed(slug: str):
    channel = channel_service.get_channel(slug)
    if channel is None:
        abort(404)
    return _feed(channel)


@bp.get("/sitemap.xml")
def sitemap():
    channels = channel_service.list_channels()
    videos = syndication.sitemap_videos()
    # Each page's lastmod: its newest video, or when the channel was made.
    channel_modified = {c.id: c.created_at for c in channels}
    for video in videos:
        changed = syndication.entry_updated(video)
        channel_modified[video.channel_id] = max(channel_modified[video.channel_id], changed)
    home_modified = max(channel_modified.values())
    body = render_template(
        "feeds/sitemap.xml", channels=channels, videos=videos, home_url=links.site_url("/"),
        home_modified=home_modified, channel_modified=channel_modified,
        languages=current_app.config["LANGUAGES"], clean=xml_text, rfc3339=rfc3339,
        channel_url=links.channel_url, watch_url=links.watch_url,
        embed_url=links.embed_url, poster_url=syndication.poster_url,
        playlist_url=syndication.master_playlist_url, entry_updated=syndication.entry_updated,
        description_max=syndication.SITEMAP_DESCRIPTION_MAX,
        max_tags=syndication.SITEMAP_MAX_TAGS, max_duration=syndication.SITEMAP_MAX_DURATION,
    )
    return _conditional(body, SITEMAP_TYPE, home_modified, SITEMAP_MAX_AGE)


def _dimension(name: str) -> int | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or not 0 < int(raw) <= 10_000:
        abort(400, description=_("%(name)s must be a whole number of pixels, from 1 to 10000.",
                                 name=name))
    return int(raw)


@bp.get("/oembed")
def oembed():
    url = request.args.get("url", "").strip()
    if not url:
        abort(400, description=_("Give the address of a video in the url parameter."))
    if request.args.get("format", "json") != "json":
        abort(501, description=_("Only the JSON format is available."))
    maxwidth, maxheight = _dimension("maxwidth"), _dimension("maxheight")
    public_id = syndication.public_id_from_watch_url(url)
    video = syndication.embeddable_video(public_id) if public_id else None
    if video is None:
        abort(404, description=_("There is no published video at this address."))
    locale = str(get_locale())
    size = syndication.embed_size(video, maxwidth, maxheight)
    payload = {
        "version": "1.0",
        "type": "video",
        "title": video.title,
        "author_name": video.channel.name(locale),
        "author_url": links.channel_url(video.channel),
        "provider_name": "Careers TV",
        "provider_url": links.site_url("/"),
        "cache_age": OEMBED_MAX_AGE,
        "html": syndication.embed_html(video, size),
        "width": size.width,
        "height": size.height,
    }
    thumbnail = syndication.thumbnail_for_embed(video, maxwidth, maxheight)
    if thumbnail is not None:
        thumbnail_url, thumbnail_size = thumbnail
        payload.update(thumbnail_url=thumbnail_url, thumbnail_width=thumbnail_size.width,
                       thumbnail_height=thumbnail_size.height)
    response = _conditional(jsonify(payload).get_data(as_text=True), "application/json",
                            syndication.entry_updated(video), OEMBED_MAX_AGE)
    # Consumers fetch this from their own pages' scripts too.
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/robots.txt")
def robots():
    """Crawlers: everything public, nothing of the portal or the API; where the sitemap is.

    The embed pages stay crawlable: the sitemap's video:player_loc and the JSON-LD embedUrl
    name them, and a search engine must fetch a player it is told about (they say noindex
    themselves, so they are not listed as pages of their own)."""
    lines = ["User-agent: *", "Disallow: /portal/", "Disallow: /api/",
             f"Sitemap: {links.site_url(url_for('public.sitemap'))}"]
    return Response("\n".join(lines) + "\n", mimetype="text/plain",
                    headers={"Cache-Control": "public, max-age=86400"})


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for it on every site, whatever the page says: the icon, not a 404 in
    every log (the pages link static/favicon.svg, and this for those that want an ICO)."""
    return send_from_directory(current_app.static_folder, "favicon.ico",
                               mimetype="image/vnd.microsoft.icon", max_age=86400)
