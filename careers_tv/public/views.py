"""Public listings: the home page, channel pages and tag pages.

Each page is cacheable for a minute by anyone (`public, max-age=60`) and carries an ETag made
from what it lists, the locale and the query, so a browser or CDN revalidates with a cheap 304.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from urllib.parse import urlencode

from flask import (
    Response,
    abort,
    current_app,
    make_response,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.routing import BuildError

from ..services import catalogue, syndication
from ..services import channels as channel_service
from ..storage import get_storage
from .blueprint import bp

MAX_AGE = 60
# Far enough for any real catalogue; a longer number is a made-up address, not a page.
MAX_PAGE_DIGITS = 6


# -- helpers the templates use ------------------------------------------------------------

@bp.app_template_global()
def endpoint_url(endpoint: str, fallback: str, **values) -> str:
    """url_for(endpoint) when that endpoint exists, else the literal `fallback` path.

    The watch and search pages are written alongside these; until their endpoints are
    registered, links point at the documented public paths (/videos/<id>, /search).
    """
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return fallback


@bp.app_template_global()
def switch_language_url(code: str) -> str:
    """The current page in another language: same path and query, `lang` replaced."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    return f"{request.path}?{urlencode([*args, ('lang', code)])}"


@bp.app_template_global()
def poster_url(video) -> str | None:
    return get_storage().public_url(video.poster_key) if video.poster_key else None


@bp.app_template_global()
def preview_url(video) -> str | None:
    """The card's hover preview (static/js/card-preview.js plays it), or None."""
    return syndication.preview_url(video)


@bp.app_template_filter()
def track_label(caption) -> str:
    """A caption track's name for viewers: a speech model's unreviewed draft says so."""
    if caption.automatic:
        return _("%(language)s (automatic)", language=caption.label)
    return caption.label


@bp.app_template_filter()
def duration_clock(seconds: float | None) -> str:
    """65.4 -> '1:05'; an hour or more -> '1:02:03' (how players show durations)."""
    if seconds is None:
        return ""
    total = int(round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@bp.app_template_filter()
def duration_iso(seconds: float | None) -> str:
    """ISO 8601 duration for <time datetime>: 65.4 -> 'PT1M5S'."""
    total = int(round(seconds or 0))
    minutes, secs = divmod(total, 60)
    hours, minutes = divmod(minutes, 60)
    return f"PT{hours}H{minutes}M{secs}S" if hours else f"PT{minutes}M{secs}S"


@bp.app_template_filter()
def machine_time(moment: datetime | date | None) -> str:
    """A moment as <time datetime> and schema.org read it: UTC to the second, 'Z'
    ('2026-03-14T09:00:00Z'; HTML allows at most three digits of a second); a date as is."""
    if moment is None:
        return ""
    if not isinstance(moment, datetime):
        return moment.isoformat()
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    text = moment.replace(microsecond=0).isoformat()
    return text.replace("+00:00", "Z") if moment.tzinfo is not None else text


@bp.app_template_global()
def page_addresses() -> dict:
    """Canonical and hreflang addresses of the current page: absolute, from PUBLIC_BASE_URL,
    without `lang` (the language is the one thing alternates vary). Listing templates print
    them with public/_alternates.html; the watch pages write their own."""
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    # Blank filters and page 1 are the same page as without them: one address for each page.
    args = sorted((k, v) for k, v in request.args.items(multi=True)
                  if k != "lang" and v != "" and (k, v) != ("page", "1"))
    canonical = base + request.path + (f"?{urlencode(args)}" if args else "")

    def with_lang(code: str) -> str:
        return f"{base}{request.path}?{urlencode([*args, ('lang', code)])}"

    alternates = [(code, with_lang(code)) for code in current_app.config["LANGUAGES"]]
    return {"canonical": canonical, "alternates": [*alternates, ("x-default", canonical)]}


# -- request parsing and caching ------------------------------------------------------------

def _page_number() -> int:
    raw = request.args.get("page")
    if raw is None:
        return 1
    if not raw.isdigit() or int(raw) < 1:
        abort(400, description=_("A page number is a whole number from 1."))
    if len(raw) > MAX_PAGE_DIGITS:
        abort(404)
    return int(raw)


def _filters() -> catalogue.Filters:
    try:
        return catalogue.Filters.parse(request.args.get("tag"), request.args.get("language"),
                                       request.args.get("country"))
    except catalogue.BadFilter as exc:
        abort(400, description=_(exc.message, **exc.params))


def _listing_page(videos, parts: tuple, render) -> Response:
    """`render()` the page unless the client already holds this very version (304)."""
    query = sorted(request.args.items(multi=True))
    etag = catalogue.listing_etag(
        videos, str(get_locale()), request.path, query,
        *[tuple(tag.slug for tag in video.tags) for video in videos], *parts)
    if request.if_none_match.contains(etag):
        response = Response(status=304)
    else:
        response = make_response(render())
    response.set_etag(etag)
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE
    return response


def _channel_texts(channels) -> list[tuple]:
    return [(c.id, c.slug, c.position, c.name_fr, c.name_en, c.description_fr,
             c.description_en) for c in channels]


def _page_or_404(**kwargs) -> catalogue.Page:
    try:
        return catalogue.list_public(**kwargs)
    except catalogue.PageNotFound:
        abort(404)


def _page_links(page: catalogue.Page, endpoint: str, **values) -> dict:
    def link(number: int) -> str:
        return url_for(endpoint, **values, **({"page": number} if number > 1 else {}))

    return {"prev_url": link(page.number - 1) if page.has_prev else None,
            "next_url": link(page.number + 1) if page.has_next else None}


# -- pages --------------------------------------------------------------------------------

@bp.get("/")
def home():
    channels = channel_service.list_channels()
    latest = catalogue.latest_by_channel(channels)
    listed = [video for videos in latest.values() for video in videos]
    return _listing_page(listed, tuple(_channel_texts(channels)), lambda: render_template(
        "public/home.html", channels=channels, latest=latest))


@bp.get("/channels/<slug>")
def channel(slug: str):
    found = channel_service.get_channel(slug)
    if found is None:
        abort(404)
    filters = _filters()
    page = _page_or_404(channel=found, filters=filters, page=_page_number())
    options = catalogue.filter_options(found)
    tag_labels = {tag.slug: tag.label for tag in options.tags}
    active = _active_filters(filters, tag_labels, slug=found.slug)
    parts = (*_channel_texts([found]), page.total, tuple(sorted(tag_labels.items())),
             tuple(options.languages), tuple(options.countries))
    return _listing_page(page.items, parts, lambda: render_template(
        "public/channel.html", channel=found, page=page, filters=filters, options=options,
        active_filters=active, country_names=_country_names(options.countries),
        **_page_links(page, "public.channel", slug=found.slug, **filters.as_args())))


@bp.get("/tags/<slug>")
def tag(slug: str):
    found = catalogue.get_tag(slug)
    if found is None:
        abort(404)
    page = _page_or_404(tag=found, page=_page_number())
    if page.total == 0:  # a tag only drafts carry is not public yet
        abort(404)
    parts = (found.slug, found.label, page.total)
    return _listing_page(page.items, parts, lambda: render_template(
        "public/tag.html", tag=found, page=page,
        **_page_links(page, "public.tag", slug=found.slug)))


def _country_names(codes) -> dict[str, str]:
    territories = get_locale().territories
    return {code: territories.get(code, code) for code in codes}


def _active_filters(filters: catalogue.Filters, tag_labels: dict[str, str],
                    slug: str) -> list[dict]:
    """Each active filter with what it reads as and the address of the page without it."""
    args = filters.as_args()
    labels = {
        "tag": lambda value: _("Tag: %(label)s", label=tag_labels.get(value, value)),
        "language": lambda value: _("Language: %(name)s",
                                    name={"fr": _("French"), "en": _("English")}[value]),
        "country": lambda value: _("Country: %(name)s",
                                   name=_country_names([value])[value]),
    }
    return [{"label": labels[name](value),
             "remove_url": url_for("public.channel", slug=slug,
                                   **{k: v for k, v in args.items() if k != name})}
            for name, value in args.items()]
