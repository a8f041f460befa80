"""What a viewer may see of one video: the video itself, related videos and its transcript.

A published video is watchable whether it is public or unlisted (an unlisted one is reached by
its link only); everything else is not found, except an unpublished video, which is gone.
The lookups load what the watch page shows up front, so a page costs the same few queries
however many captions or related videos there are.
"""

from __future__ import annotations

import logging
from contextlib import closing
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Caption, Channel, Video, VideoStatus, Visibility
from ..models.video import video_tags
from ..storage import get_storage
from .captions import best_caption, captions_for

if TYPE_CHECKING:  # the type only: the module is loaded when a transcript is read
    from transcoding.subtitles import Cue

log = logging.getLogger(__name__)

RELATED_LIMIT = 6


@dataclass(frozen=True)
class Lookup:
    video: Video | None  # set only when the video may be watched
    gone: bool = False  # it was published once and has been withdrawn
    # A withdrawn video's channel, which is public still: the embed's card links to it.
    # Nothing else of a withdrawn video is handed out, neither its title nor its poster: only
    # a published video's media is public, and withdrawn consent is one reason to withdraw.
    channel: Channel | None = None


def find(public_id: str) -> Lookup:
    """The video behind a public link, if it may be watched now."""
    video = db.session.scalar(
        sa.select(Video)
        .where(Video.public_id == public_id)
        .options(selectinload(Video.captions))
    )
    if video is None:
        return Lookup(None)
    if video.status is VideoStatus.PUBLISHED:
        return Lookup(video)
    if video.status is VideoStatus.UNPUBLISHED:
        return Lookup(None, gone=True, channel=video.channel)
    return Lookup(None)


def related(video: Video, limit: int = RELATED_LIMIT) -> list[Video]:
    """Other public videos: the same channel's first, then those sharing the most tags.

    Unlisted videos never appear: being listed here would defeat being unlisted.
    """
    tag_ids = [tag.id for tag in video.tags]
    shared = (
        sa.select(sa.func.count())
        .select_from(video_tags)
        .where(video_tags.c.video_id == Video.id, video_tags.c.tag_id.in_(tag_ids))
        .scalar_subquery()
    )
    same_channel = Video.channel_id == video.channel_id
    query = sa.select(Video).where(
        Video.status == VideoStatus.PUBLISHED,
        Video.visibility == Visibility.PUBLIC,
        Video.id != video.id,
        sa.or_(same_channel, shared > 0) if tag_ids else same_channel,
    )
    order = [sa.case((same_channel, 0), else_=1)]
    if tag_ids:
        order.append(shared.desc())
    order += [Video.published_at.desc().nulls_last(), Video.id.desc()]
    query = query.order_by(*order).limit(limit)
    return list(db.session.scalars(query))


@dataclass
class Transcript:
    caption: Caption | None  # the track shown; None when the video has no captions
    languages: list[Caption] = field(default_factory=list)  # every track, for a choice
    cues: list[Cue] = field(default_factory=list)
    unreadable: bool = False  # the stored file could not be read


def transcript(video: Video, language: str | None = None) -> Transcript:
    """The captions in `language` (else the best track: reviewed first, the video's own
    language first) as text."""
    tracks = captions_for(video)
    if not tracks:
        return Transcript(None)
    chosen = next((c for c in tracks if c.language == language), None) or best_caption(video)
    result = Transcript(chosen, tracks)
    from transcoding.subtitles import read_cues  # pure text; see services/captions.py

    try:
        with closing(get_storage().open(chosen.storage_key)) as stream:
            result.cues = read_cues(stream.read().decode("utf-8-sig"))
    except Exception:  # a missing or damaged file: say so on the page rather than fail it
        log.exception("could not read captions %s", chosen.storage_key)
        result.unreadable = True
    return result


def iso_duration(seconds: float | None) -> str | None:
    """ISO 8601 duration (PT1M3S) as schema.org wants it."""
    if seconds is None:
        return None
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "") + \
        f"{secs}S"


def clock(seconds: float | None) -> str:
    """1:03 or 1:02:03, as players write times."""
    total = max(0, int(seconds or 0))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
