"""Watch, embed and transcript pages of one video."""

from __future__ import annotations

from flask import Response, abort, current_app, render_template, request, url_for
from flask_babel import gettext as _

from ..services import chapters as chapter_service
from ..services import syndication, watching
from ..storage import get_storage
from .blueprint import bp
from .player_options import embed_options, start_time

# Shared links and embeds are read by crawlers and CDNs: a minute is fresh enough for an edit
# to show quickly, and the ETag lets a returning browser skip the body.
CACHE_CONTROL = "public, max-age=60"
EMBED_SIZE = (1280, 720)


def _watchable(public_id: str):
    found = watching.find(public_id)
    if found.gone:
        abort(410, description=_("This video has been withdrawn and is no longer available."))
    if found.video is None:
        abort(404, description=_("There is no video at this address. The link may be wrong."))
    return found.video


def absolute(endpoint: str, **values) -> str:
    """An address on the public site, built on PUBLIC_BASE_URL (what links are shared with)."""
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return base + url_for(endpoint, **values)


def _start_time() -> float:
    # A hand-edited link (?t=soon) starts at the beginning rather than being refused.
    return start_time(request.args.get("t"))


def _cached(body: str, headers: dict | None = None) -> Response:
    response = Response(body, mimetype="text/html")
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.headers.update(headers or {})
    response.add_etag()  # from the body: anything shown that changes, changes the tag
    return response.make_conditional(request)


@bp.get("/videos/<public_id>")
def watch(public_id: str):
    video = _watchable(public_id)
    # The panel beside the player reads the track shown first: the video's own language's.
    transcript = watching.transcript(video) if video.captions else None
    body = render_template(
        "public/watch.html", video=video, media=syndication.media_urls(video),
        related=watching.related(video), transcript=transcript, player_options={},
        start=_start_time(), absolute=absolute, iso_duration=watching.iso_duration,
        clock=watching.clock, embed_size=EMBED_SIZE, storage_url=get_storage().public_url,
        player_size=syndication.embed_size(video, *EMBED_SIZE),
        poster_size=syndication.poster_size(video), clips=chapter_service.clips,
    )
    return _cached(body)


@bp.get("/embed/<public_id>")
def embed(public_id: str):
    # Careers sites and partners embed the player: careers_tv/security.py lets the pages
    # EMBED_FRAME_ANCESTORS names frame it (any page by default), this card included.
    found = watching.find(public_id)
    if found.video is None:
        # Inside someone else's page, never the site's error page (header, search, languages):
        # a card that fills the frame, with the status a crawler or a monitor expects.
        body = render_template("public/embed_gone.html", gone=found.gone,
                               channel=found.channel, absolute=absolute)
        response = Response(body, status=410 if found.gone else 404, mimetype="text/html")
        response.headers["Cache-Control"] = CACHE_CONTROL  # a republished video shows soon
        return response
    video = found.video
    media = syndication.media_urls(video)
    options = embed_options(request.args, [caption.language for caption, _url in media["captions"]])
    body = render_template("public/embed.html", video=video, media=media,
                           start=_start_time(), player_options=options, absolute=absolute,
                           clock=watching.clock)
    return _cached(body)


@bp.get("/videos/<public_id>/chapters.vtt")
def chapters(public_id: str):
    """The editor's chapters as a WebVTT chapters track, for the player's <track>."""
    video = _watchable(public_id)
    if not video.chapters:
        abort(404, description=_("This video has no chapters."))
    response = Response(chapter_service.to_vtt(video.chapters, video.duration_seconds),
                        content_type="text/vtt; charset=utf-8")
    response.headers["Cache-Control"] = CACHE_CONTROL
    # The <track> is crossorigin="anonymous" (like the captions, which come from the store).
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/videos/<public_id>/transcript")
def transcript(public_id: str):
    video = _watchable(public_id)
    # ?captions=, not ?lang=: that one switches (and remembers) the interface language.
    text = watching.transcript(video, request.args.get("captions"))
    body = render_template("public/transcript.html", video=video, transcript=text,
                           absolute=absolute, clock=watching.clock)
    return _cached(body)
