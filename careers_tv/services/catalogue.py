"""Public listings: what viewers may browse (published and PUBLIC videos only), newest first.

Unlisted videos play by direct link but never appear here. Every listing loads a page of videos
in a constant number of statements: the channel comes in the same SELECT (Video.channel is
joined), the tags in one more (selectin), whatever the page size.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa

from ..extensions import db
from ..i18n import N_
from ..models import Channel, Tag, Video, VideoStatus, Visibility, video_tags

PER_PAGE = 24
LATEST_PER_CHANNEL = 4
LANGUAGES = ("fr", "en")
COUNTRY_PATTERN = re.compile(r"[A-Z]{2}")


class PageNotFound(LookupError):
    """A page number past the end of a listing."""


class BadFilter(ValueError):
    """A filter value no video could ever have; `message` is for people (marked with N_)."""

    def __init__(self, message: str, **params) -> None:
        self.message = message
        self.params = params
        super().__init__(message % params if params else message)


@dataclass(frozen=True)
class Filters:
    tag: str | None = None
    language: str | None = None
    country: str | None = None

    @classmethod
    def parse(cls, tag: str | None, language: str | None, country: str | None) -> Filters:
        """Blank values mean no filter; a language or country that cannot exist is refused."""
        tag = (tag or "").strip() or None
        language = (language or "").strip().lower() or None
        country = (country or "").strip().upper() or None
        if language is not None and language not in LANGUAGES:
            raise BadFilter(N_("Unknown language: choose French (fr) or English (en)."))
        if country is not None and not COUNTRY_PATTERN.fullmatch(country):
            raise BadFilter(N_("A country is a two-letter code, such as FR."))
        if tag is not None and len(tag) > 64:
            raise BadFilter(N_("Unknown tag."))
        return cls(tag=tag, language=language, country=country)

    def as_args(self) -> dict[str, str]:
        return {name: value for name, value in
                (("tag", self.tag), ("language", self.language), ("country", self.country))
                if value}

    def __bool__(self) -> bool:
        return bool(self.as_args())


@dataclass
class Page:
    items: list[Video]
    number: int
    per_page: int
    total: int
    pages: int = field(init=False)

    def __post_init__(self) -> None:
        self.pages = max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


@dataclass(frozen=True)
class FilterOptions:
    """The values worth offering in a channel's filter form (those its public videos have)."""

    tags: list[Tag]
    languages: list[str]
    countries: list[str]


def is_listed() -> sa.ColumnElement[bool]:
    return sa.and_(Video.status == VideoStatus.PUBLISHED, Video.visibility == Visibility.PUBLIC)


def _newest_first(query: sa.Select) -> sa.Select:
    return query.order_by(Video.published_at.desc(), Video.id.desc())


def listing_conditions(channel: Channel | None, filters: Filters, tag: Tag | None = None) -> list:
    """WHERE clauses of a public listing (the pages' and the API's)."""
    conditions = [is_listed()]
    if channel is not None:
        conditions.append(Video.channel_id == channel.id)
    if tag is not None:
        conditions.append(Video.tags.any(Tag.id == tag.id))
    if filters.tag is not None:
        conditions.append(Video.tags.any(Tag.slug == filters.tag))
    if filters.language is not None:
        conditions.append(Video.language == filters.language)
    if filters.country is not None:
        conditions.append(Video.country == filters.country)
    return conditions


def list_public(*, channel: Channel | None = None, tag: Tag | None = None,
                filters: Filters = Filters(), page: int = 1, per_page: int = PER_PAGE) -> Page:
    """One page of public videos, newest first. PageNotFound past the last page (page 1 of an
    empty listing exists: it says there is nothing yet)."""
    conditions = listing_conditions(channel, filters, tag)
    total = db.session.scalar(sa.select(sa.func.count(Video.id)).where(*conditions)) or 0
    result = Page(items=[], number=page, per_page=per_page, total=total)
    if page < 1 or page > result.pages:
        raise PageNotFound(page)
    result.items = list(db.session.scalars(
        _newest_first(sa.select(Video).where(*conditions))
        .limit(per_page).offset((page - 1) * per_page)
    ).unique())
    return result


def latest_by_channel(channels: Sequence[Channel],
                      per_channel: int = LATEST_PER_CHANNEL) -> dict[int, list[Video]]:
    """The newest public videos of each channel, in one statement whatever the number of
    channels (a window function numbers each channel's videos, newest first)."""
    latest: dict[int, list[Video]] = {channel.id: [] for channel in channels}
    if not channels:
        return latest
    rank = sa.func.row_number().over(
        partition_by=Video.channel_id,
        order_by=(Video.published_at.desc(), Video.id.desc()),
    ).label("rank")
    ranked = (sa.select(Video.id, rank)
              .where(is_listed(), Video.channel_id.in_(list(latest)))
              .subquery())
    query = _newest_first(
        sa.select(Video).join(ranked, ranked.c.id == Video.id).where(ranked.c.rank <= per_channel)
    )
    for video in db.session.scalars(query).unique():
        latest[video.channel_id].append(video)
    return latest


def get_tag(slug: str) -> Tag | None:
    return db.session.scalar(sa.select(Tag).where(Tag.slug == slug))


def filter_options(channel: Channel) -> FilterOptions:
    """Tags, languages and countries found on the channel's public videos (two statements)."""
    in_channel = sa.and_(is_listed(), Video.channel_id == channel.id)
    tags = list(db.session.scalars(
        sa.select(Tag).where(Tag.id.in_(
            sa.select(video_tags.c.tag_id).join(Video, Video.id == video_tags.c.video_id)
            .where(in_channel)
        )).order_by(Tag.label, Tag.slug)
    ))
    rows = db.session.execute(
        sa.select(Video.language, Video.country).where(in_channel).distinct()
    ).all()
    languages = [code for code in LANGUAGES if any(row.language == code for row in rows)]
    countries = sorted({row.country for row in rows if row.country})
    return FilterOptions(tags=tags, languages=languages, countries=countries)


def listing_etag(videos: Iterable[Video], *parts: object) -> str:
    """A validator for a page that lists `videos`: it changes when one of them is edited or
    republished, when one joins or leaves the list, and with anything else in `parts` (the
    locale, the query, the channels' texts...)."""
    digest = hashlib.sha256()
    for video in videos:
        digest.update(f"{video.id}:{video.published_at}:{video.updated_at};".encode())
    for part in parts:
        digest.update(repr(part).encode())
        digest.update(b"\x00")
    return digest.hexdigest()[:32]
