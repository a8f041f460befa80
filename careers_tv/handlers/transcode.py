"""The `transcode` job: original from storage → transcoding/ → outputs under a new prefix.

The video switches to the new prefix in the same transaction that marks the job done, and
only then is the old prefix deleted (by a `purge_prefix` job sent after that commit), so a
viewer never sees a half-written ladder. A run that lost its lease deletes what it wrote.
Only the handlers load transcoding/'s ffmpeg side: a web process never does.
"""

from __future__ import annotations

import functools
import logging
import tempfile
from pathlib import Path

from flask import current_app

from transcoding.errors import Cancelled, MediaError, TranscodeFailed
from transcoding.pipeline import TranscodeResult, transcode
from transcoding.probe import probe

from ..extensions import db
from ..i18n import N_
from ..jobs import ledger
from ..jobs.registry import PermanentError, TransientError
from ..models import Job, JobKind, Rendition, Video, VideoStatus
from ..services import caption_drafts
from ..storage import get_storage
from .progress import Progress

log = logging.getLogger(__name__)

FAILED_TECHNICAL = N_("The transcode failed for a technical reason. The original is kept: "
                      "retry it from the portal, and tell the team if it fails again.")
TOO_LONG = N_("The transcode took longer than allowed; the original is kept.")


def refusal(path: Path) -> str | None:
    """Why this file cannot be transcoded, in English (None when ffprobe accepts it): the
    check a transcode starts with, for `flask tv import` to refuse a file up front."""
    try:
        probe(path)
    except MediaError as exc:
        return str(exc)
    return None


def _set_progress(video_id: int, percent: int) -> None:
    db.session.execute(
        Video.__table__.update().where(Video.id == video_id).values(progress=percent))
    db.session.commit()


def _upload(outdir: Path, prefix: str) -> None:
    files = [p for p in outdir.rglob("*") if p.is_file()]
    get_storage().put_many((prefix + str(p.relative_to(outdir)), p) for p in files)


def _attach(video: Video, result: TranscodeResult, prefix: str) -> None:
    video.renditions.clear()
    db.session.flush()  # the old rows go before the new ones (same names, unique per video)
    video.renditions = [
        Rendition(name=r.name, width=r.width, height=r.height, bandwidth=r.bandwidth,
                  codecs=r.codecs, playlist_key=prefix + r.playlist)
        for r in result.renditions
    ]
    video.media_prefix = prefix
    video.media_version += 1
    video.poster_key = prefix + result.poster
    video.preview_key = prefix + result.preview if result.preview else None
    video.duration_seconds = result.probe.duration
    video.width, video.height = result.probe.video.width, result.probe.video.height
    video.progress = 100


def _fail(video: Video, message: str, params: dict[str, str] | None = None) -> dict:
    video.transition(VideoStatus.FAILED, message, params)
    return {"error": video.status_text}


def transcode_video(claim: ledger.Claim) -> dict:
    video = db.session.get(Video, claim.job.video_id)
    if video is None:
        return {"skipped": "the video was deleted"}
    if video.status is VideoStatus.QUEUED:
        video.transition(VideoStatus.PROCESSING)
        video.progress = 0
        db.session.commit()
    elif video.status is not VideoStatus.PROCESSING:
        return {"skipped": f"the video is {video.status.value}"}  # done already: harmless

    storage = get_storage()
    version = f"v{video.media_version + 1}-{claim.token[:8]}"
    prefix = f"videos/{video.public_id}/{version}/"
    with tempfile.TemporaryDirectory(prefix="careers-tv-transcode-") as tmp:
        source = Path(tmp) / "source"
        try:
            storage.download(video.original_key, source)
        except Exception as exc:
            raise TransientError(f"could not fetch the original: {exc}") from exc
        progress = Progress(claim, functools.partial(_set_progress, video.id),
                            f"video {video.public_id}")
        try:
            result = transcode(source, Path(tmp) / "out", on_progress=progress,
                               time_limit=current_app.config["TRANSCODE_TIME_LIMIT"] - 120)
        except MediaError as exc:
            return _fail(video, exc.template, exc.params)
        except Cancelled as exc:
            if not claim.heartbeat():
                raise PermanentError("another worker took this transcode over") from exc
            return _fail(video, TOO_LONG)
        except TranscodeFailed as exc:
            log.error("transcode of %s failed: %s", video.public_id, exc)
            return _fail(video, FAILED_TECHNICAL)
        try:
            _upload(Path(tmp) / "out", prefix)
        except Exception as exc:  # the store went away: try again later, from the start;
            # what was written under this prefix is nobody's (media_sweep removes it)
            raise TransientError(f"could not store the outputs: {exc}") from exc

    if not claim.heartbeat():  # lost the lease while uploading: our prefix is nobody's
        storage.delete_prefix(prefix)
        raise PermanentError("another worker took this transcode over")
    old_prefix = video.media_prefix
    _attach(video, result, prefix)
    video.transition(VideoStatus.READY)
    # Previewable now; its captions are drafted next, on their own queue.
    caption_drafts.queue_draft(video, has_sound=result.probe.audio is not None)
    if old_prefix:
        ledger.enqueue(JobKind.PURGE_PREFIX, payload={"prefix": old_prefix})
    return {"prefix": prefix, "renditions": [r.name for r in result.renditions],
            "timings": result.timings}


def video_failed_for_good(job: Job, error: str) -> None:
    """Every attempt was interrupted (workers dying): the video must not stay "processing"."""
    video = db.session.get(Video, job.video_id) if job.video_id else None
    if video is not None and video.can_become(VideoStatus.FAILED):
        video.transition(VideoStatus.FAILED, FAILED_TECHNICAL)
