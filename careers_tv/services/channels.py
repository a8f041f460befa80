"""Channels: the seeded four, listing, lookup, and the admins' create/edit/delete."""

from __future__ import annotations

import re

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..i18n import N_
from ..models import Channel, Video

# Slugs are public addresses (/channels/<slug>): plain lowercase words joined by hyphens.
SLUG_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
SLUG_MAX_LENGTH = 64
NAME_MAX_LENGTH = 120
# X hashtags: letters, digits and underscores (accented letters are fine), without the '#'.
HASHTAG_PATTERN = re.compile(r"\w{1,64}")


class ChannelError(ValueError):
    """A request about a channel that cannot be honoured; `message` % `params` is for people."""

    def __init__(self, message: str, **params) -> None:
        self.message = message
        self.params = params
        super().__init__(message % params if params else message)

DEFAULT_CHANNELS = (
    {
        "slug": "temoignages",
        "name_fr": "Témoignages",
        "name_en": "Testimonials",
        "description_fr": "Nos collaboratrices et collaborateurs racontent leur métier, "
        "leur parcours et leur quotidien.",
        "description_en": "Our people talk about their jobs, their careers and their "
        "day-to-day work.",
        "hashtag": "Temoignages",
    },
    {
        "slug": "sogelive",
        "name_fr": "Sogelive",
        "name_en": "Sogelive",
        "description_fr": "Les replays de nos événements : conférences, forums et "
        "rencontres en direct.",
        "description_en": "Replays of our events: talks, forums and live meet-ups.",
        "hashtag": "Sogelive",
    },
    {
        "slug": "mission-handicap",
        "name_fr": "Mission Handicap",
        "name_en": "Disability Inclusion",
        "description_fr": "Notre engagement pour l'inclusion des personnes en situation "
        "de handicap, raconté par celles et ceux qui le font vivre.",
        "description_en": "Our commitment to including people with disabilities, told by "
        "those who make it happen.",
        "hashtag": "MissionHandicap",
    },
    {
        "slug": "corporate",
        "name_fr": "Corporate",
        "name_en": "Corporate",
        "description_fr": "Le groupe, ses métiers et ses engagements.",
        "description_en": "The group, its businesses and its commitments.",
        "hashtag": None,
    },
)


def seed_channels() -> int:
    """Create the default channels that are missing; never overwrite an admin's edits.

    Returns how many were created. Safe to run any number of times, concurrently too
    (the unique slug makes a racing insert fail, and the caller can simply run it again).
    """
    existing = set(db.session.scalars(sa.select(Channel.slug)))
    created = 0
    for position, spec in enumerate(DEFAULT_CHANNELS):
        if spec["slug"] not in existing:
            db.session.add(Channel(position=position, **spec))
            created += 1
    db.session.commit()
    return created


def list_channels() -> list[Channel]:
    return list(db.session.scalars(sa.select(Channel).order_by(Channel.position, Channel.id)))


def get_channel(slug: str) -> Channel | None:
    return db.session.scalar(sa.select(Channel).where(Channel.slug == slug))


def get_channel_by_id(channel_id: int) -> Channel | None:
    return db.session.get(Channel, channel_id)


def video_counts() -> dict[int, int]:
    """How many videos (any status) each channel holds, for the admin list."""
    rows = db.session.execute(
        sa.select(Video.channel_id, sa.func.count(Video.id)).group_by(Video.channel_id)
    )
    return {channel_id: count for channel_id, count in rows}


def _clean_slug(slug: str) -> str:
    slug = slug.strip()
    if len(slug) > SLUG_MAX_LENGTH or not SLUG_PATTERN.fullmatch(slug):
        raise ChannelError(N_("The address name may hold lowercase letters, digits and single "
                              "hyphens between them (at most %(count)d characters)."),
                           count=SLUG_MAX_LENGTH)
    return slug


def _clean_hashtag(hashtag: str | None) -> str | None:
    hashtag = (hashtag or "").strip().lstrip("#")
    if not hashtag:
        return None
    if not HASHTAG_PATTERN.fullmatch(hashtag):
        raise ChannelError(N_("A hashtag holds only letters, digits and underscores."))
    return hashtag


def _clean_texts(name_fr: str, name_en: str, description_fr: str,
                 description_en: str) -> dict[str, str]:
    texts = {"name_fr": name_fr, "name_en": name_en,
             "description_fr": description_fr, "description_en": description_en}
    texts = {field: (value or "").strip() for field, value in texts.items()}
    if not texts["name_fr"] or not texts["name_en"]:
        raise ChannelError(N_("A channel needs a name in French and in English."))
    if max(len(texts["name_fr"]), len(texts["name_en"])) > NAME_MAX_LENGTH:
        raise ChannelError(N_("A channel name has at most %(count)d characters."),
                           count=NAME_MAX_LENGTH)
    return texts


def create_channel(slug: str, *, name_fr: str, name_en: str, description_fr: str = "",
                   description_en: str = "", hashtag: str | None = None) -> Channel:
    """A new channel, listed after the others."""
    slug = _clean_slug(slug)
    if get_channel(slug) is not None:
        raise ChannelError(N_("A channel with the address name %(slug)s already exists."),
                           slug=slug)
    channel = Channel(slug=slug, hashtag=_clean_hashtag(hashtag),
                      **_clean_texts(name_fr, name_en, description_fr, description_en))
    last = db.session.scalar(sa.select(sa.func.max(Channel.position)))
    channel.position = 0 if last is None else last + 1
    db.session.add(channel)
    try:
        db.session.commit()
    except IntegrityError as exc:  # another admin created the same slug just now
        db.session.rollback()
        raise ChannelError(N_("A channel with the address name %(slug)s already exists."),
                           slug=slug) from exc
    return channel


def update_channel(channel: Channel, *, name_fr: str, name_en: str, description_fr: str = "",
                   description_en: str = "", hashtag: str | None = None) -> None:
    """Names, descriptions and hashtag. The slug stays: it is in links already shared."""
    texts = _clean_texts(name_fr, name_en, description_fr, description_en)
    channel.hashtag = _clean_hashtag(hashtag)  # both checked before anything is changed
    for field, value in texts.items():
        setattr(channel, field, value)
    db.session.commit()


def delete_channel(channel: Channel) -> None:
    """Only an empty channel goes: its videos would have nowhere to live (the FK restricts)."""
    refusal = N_("The channel %(slug)s still holds videos: move or delete them first.")
    if db.session.scalar(sa.select(Video.id).where(Video.channel_id == channel.id).limit(1)):
        raise ChannelError(refusal, slug=channel.slug)
    slug = channel.slug
    # A Core delete: the ORM would first load `videos` to detach them, which the model forbids.
    db.session.execute(sa.delete(Channel).where(Channel.id == channel.id))
    try:
        db.session.commit()
    except IntegrityError as exc:  # a video was added to it meanwhile
        db.session.rollback()
        raise ChannelError(refusal, slug=slug) from exc
