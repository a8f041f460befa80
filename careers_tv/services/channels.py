"""Channels: the seeded four, listing, lookup."""

from __future__ import annotations

import sqlalchemy as sa

from ..extensions import db
from ..models import Channel, Video, VideoStatus

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


def published_videos(channel: Channel, limit: int = 24) -> list[Video]:
    return list(
        db.session.scalars(
            sa.select(Video)
            .where(Video.channel_id == channel.id, Video.status == VideoStatus.PUBLISHED)
            .order_by(Video.published_at.desc(), Video.id.desc())
            .limit(limit)
        )
    )
