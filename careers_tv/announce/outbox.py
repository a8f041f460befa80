"""Sending one announcement row to X, exactly once as far as anyone can tell.

The row was written in the publishing transaction; the `announce` job calls `send(id)`. The
order of commits is what makes it safe to run again at any point:

1. the text is composed and committed first, so every retry posts the very same text;
2. the row is marked `sending` (attempts + 1) and committed before the request leaves;
3. the outcome is written after X answers.

A request that timed out may still have reached X. The retry then posts the same text, X
answers 403 duplicate content, and that proves the first one landed: the row is `posted`
(without the post id, which X does not give back). A worker killed mid-send leaves the row in
`sending`; the job's lease runs out, the reconciler resends it, and the same reasoning applies.

A channel with `native_video` gets the transcoder's short clip uploaded just before the post, on
every attempt while the row is not posted (nothing about the upload is stored: an unused upload
simply expires at X). If X refuses the clip, the post goes out without it and `error` says why;
an X that is unavailable during the upload retries the job as for the post.
"""

from __future__ import annotations

import hashlib
import logging
import random
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from ..clock import utcnow
from ..extensions import db
from ..links import watch_url
from ..models import Announcement, AnnouncementStatus
from ..storage import get_storage
from . import x_client
from .compose import announcement_text, wants_native_video

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6  # sends to X before an unavailable X counts as a failure
BACKOFF_BASE_SECONDS = 5.0
BACKOFF_MAX_SECONDS = 600.0
RATE_LIMIT_MARGIN = timedelta(seconds=3)  # X's reset is whole seconds; the job ledger's clock
# skew margin may run a job up to 2 s early
NOT_CONFIGURED = "X not configured"
CREDENTIALS_REFUSED = "X refused the credentials (401): they need renewing"
HELD_FOR_CREDENTIALS = ("Not sent: X refused these credentials for an earlier announcement; "
                        "they need renewing, then retry")
DUPLICATE_NOTE = ("X answered that this text was already posted (an earlier attempt reached "
                  "it); counted as posted, without the post's id")
CLIP_NAME = "x-clip.mp4"  # the transcoder's short clip, beside the video's renditions
VIDEO_LEFT_OUT = "Posted without the video: X refused it"
# Sends of one announcement's job: one more than the sends above, one for a worker dying
# mid-send.
JOB_ATTEMPTS = MAX_ATTEMPTS + 2


@dataclass(frozen=True)
class Retry:
    """X cannot take the post now: try again at `at`."""

    reason: str
    at: datetime


def _account() -> x_client.XAccount | None:
    return current_app.extensions.get("x_account")  # chosen at start-up (backends.py)


def _credentials() -> tuple[str, ...] | None:
    account = _account()
    return account.credentials if account is not None else None


def _fingerprint(credentials: tuple[str, ...]) -> str:
    """Tells one set of credentials from another in a stored message, revealing nothing."""
    return hashlib.sha256("\0".join(credentials).encode()).hexdigest()[:12]


def _refused_message(credentials: tuple[str, ...]) -> str:
    return f"{CREDENTIALS_REFUSED} (key set {_fingerprint(credentials)})."


def _credentials_refused(announcement: Announcement, credentials: tuple[str, ...]) -> bool:
    """Did X refuse these very credentials for the latest announcement it refused?"""
    latest = db.session.scalar(
        sa.select(Announcement.error)
        .where(Announcement.status == AnnouncementStatus.FAILED,
               Announcement.error.startswith(CREDENTIALS_REFUSED),
               Announcement.id != announcement.id)
        .order_by(Announcement.updated_at.desc(), Announcement.id.desc())
        .limit(1)
    )
    return latest is not None and latest == _refused_message(credentials)


def backoff(attempt: int) -> timedelta:
    """Exponential, capped, with full jitter (so retries after an outage do not come in step)."""
    ceiling = min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(attempt - 1, 0))
    return timedelta(seconds=random.uniform(ceiling / 2, ceiling))  # noqa: S311 - not crypto


def _finish(announcement: Announcement, status: AnnouncementStatus, *, error: str | None = None,
            post_id: str | None = None) -> None:
    announcement.status, announcement.error = status, error
    if status is AnnouncementStatus.POSTED:
        announcement.post_id, announcement.posted_at = post_id, utcnow()
    db.session.commit()


def send(announcement_id: int) -> AnnouncementStatus | Retry | None:
    """Post the announcement if it still needs posting; commits as it goes.

    Returns its final status, a `Retry` when X asks to come back later (the row stays
    `sending`), or None when there is no such row.
    """
    announcement = db.session.get(Announcement, announcement_id)
    if announcement is None:
        return None
    if announcement.status in (AnnouncementStatus.POSTED, AnnouncementStatus.SKIPPED):
        return announcement.status  # already done: running twice is harmless
    if not announcement.text:
        video = announcement.video
        announcement.text = announcement_text(video, watch_url(video),
                                               announcement.language).text
        db.session.commit()  # before any request: every retry sends this same text
    account = _account()
    if account is None:
        _finish(announcement, AnnouncementStatus.SKIPPED, error=NOT_CONFIGURED)
        return AnnouncementStatus.SKIPPED
    credentials = account.credentials
    if _credentials_refused(announcement, credentials):
        _finish(announcement, AnnouncementStatus.FAILED, error=HELD_FOR_CREDENTIALS)
        return AnnouncementStatus.FAILED
    announcement.status = AnnouncementStatus.SENDING
    announcement.attempts += 1
    attempt, text = announcement.attempts, announcement.text
    db.session.commit()  # a crash from here on leaves `sending`: the retry finds out
    client = account.client()
    try:
        media_ids, note = _native_video(client, announcement)
        post_id = client.post(text, media_ids=media_ids)
    except x_client.Duplicate:
        _finish(announcement, AnnouncementStatus.POSTED, error=DUPLICATE_NOTE)
        return AnnouncementStatus.POSTED
    except x_client.RateLimited as exc:
        at = (exc.reset_at or utcnow() + backoff(attempt)) + RATE_LIMIT_MARGIN
        return _retry(announcement, str(exc), max(at, utcnow()))
    except x_client.Unavailable as exc:
        if attempt >= MAX_ATTEMPTS:
            _finish(announcement, AnnouncementStatus.FAILED,
                    error=f"X stayed unavailable after {attempt} attempts: {exc}")
            return AnnouncementStatus.FAILED
        return _retry(announcement, str(exc), utcnow() + backoff(attempt))
    except x_client.BadCredentials:
        _finish(announcement, AnnouncementStatus.FAILED, error=_refused_message(credentials))
        log.warning("X refused the credentials; announcements are held until they change")
        return AnnouncementStatus.FAILED
    except x_client.Rejected as exc:
        _finish(announcement, AnnouncementStatus.FAILED, error=f"X refused the post: {exc}")
        return AnnouncementStatus.FAILED
    finally:
        client.close()
    _finish(announcement, AnnouncementStatus.POSTED, post_id=post_id, error=note)
    return AnnouncementStatus.POSTED


def _native_video(client: x_client.XClient,
                  announcement: Announcement) -> tuple[list[str] | None, str | None]:
    """The media ids to attach and a note for the row: the clip uploaded when the channel
    wants it and it exists; none, with X's reason, when X refuses it. X being unavailable or
    the credentials refused propagate, as they would from the post."""
    video = announcement.video
    if not wants_native_video(video.channel.slug) or not video.media_prefix:
        return None, None
    key = video.media_prefix + CLIP_NAME
    storage = get_storage()
    if not storage.exists(key):
        return None, None
    with tempfile.TemporaryDirectory(prefix="x-clip-") as folder:
        path = Path(folder) / CLIP_NAME
        storage.download(key, path)
        try:
            return [client.upload_video(path)], None
        except (x_client.MediaFailed, x_client.Rejected) as exc:
            log.info("X refused the clip of announcement %s: %s", announcement.id, exc)
            return None, f"{VIDEO_LEFT_OUT}: {exc}"


def _retry(announcement: Announcement, reason: str, at: datetime) -> Retry:
    announcement.error = f"{reason}; trying again at {at.isoformat(timespec='seconds')}"
    db.session.commit()
    return Retry(reason, at)


def give_up(announcement_id: int, reason: str) -> None:
    """The job ran out of attempts (workers dying mid-send): say so on the row, if unsent.
    Runs inside the ledger's transaction, which commits it."""
    db.session.execute(
        sa.update(Announcement)
        .where(Announcement.id == announcement_id,
               Announcement.status.in_([AnnouncementStatus.PENDING,
                                        AnnouncementStatus.SENDING]))
        .values(status=AnnouncementStatus.FAILED, error=f"Not sent: {reason}",
                updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def credentials_need_renewing() -> bool:
    """Did X refuse the credentials configured now? (The portal says so until they change.)"""
    credentials = _credentials()
    if credentials is None:
        return False
    latest = db.session.scalar(
        sa.select(Announcement.error)
        .where(Announcement.status == AnnouncementStatus.FAILED,
               Announcement.error.startswith(CREDENTIALS_REFUSED))
        .order_by(Announcement.updated_at.desc(), Announcement.id.desc())
        .limit(1)
    )
    return latest == _refused_message(credentials)


def reopen(announcement: Announcement) -> None:
    """A failed announcement goes back to the queue, with a fresh count of attempts; the
    caller enqueues its job and commits. The text stays: the same post is sent."""
    if announcement.status is not AnnouncementStatus.FAILED:
        raise ValueError("only a failed announcement can be retried")
    announcement.status, announcement.error, announcement.attempts = (
        AnnouncementStatus.PENDING, None, 0)
