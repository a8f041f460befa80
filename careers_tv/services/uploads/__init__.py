"""Resumable uploads (tus): what an upload is, how far it got, and giving it up.

This package's surface is what callers use; the parts are apart so each reads on its own:
receiver.py (where the bytes wait, and one request's bytes getting there), locking.py (one
writer at a time), errors.py (each refusal with its HTTP status and its sentence).

One request at a time writes an upload: it holds the row lock while it writes, and a second
one is refused with UploadBusy. The row is the truth; a request cut short loses at most one
part's bytes (receiver.py says how).
"""

from __future__ import annotations

import logging
import re
import uuid
from datetime import datetime, timedelta
from typing import BinaryIO

import sqlalchemy as sa
from flask import current_app

from ...clock import utcnow
from ...extensions import db
from ...i18n import N_
from ...models import Role, Upload, UploadStatus, User, Video, VideoStatus
from ...storage import StorageError, get_storage
from .. import videos as video_service
from .errors import (
    InvalidUpload,
    OffsetMismatch,
    UploadBusy,
    UploadComplete,
    UploadError,
    UploadGone,
    UploadNotFound,
    UploadTooLarge,
    VideoNotFound,
    VideoNotWaiting,
)
from .locking import exclusive, lock_upload, lock_video
from .receiver import IDLE_EXPIRY, Receiver, more_bytes, part_bytes, staging_prefix

__all__ = [
    "IDLE_EXPIRY", "InvalidUpload", "OffsetMismatch", "UploadBusy", "UploadComplete",
    "UploadError", "UploadGone", "UploadNotFound", "UploadTooLarge", "VideoNotFound",
    "VideoNotWaiting", "append", "create_upload", "expire_stale_uploads", "get_upload",
    "max_bytes", "part_bytes", "staging_prefix", "terminate",
]

log = logging.getLogger(__name__)

# How long a termination waits for a request still writing the upload (the client usually
# cut that request just before asking to terminate; its server side needs a moment to stop).
TERMINATE_LOCK_WAIT_SECONDS = 10
_UPLOAD_ID = re.compile(r"[0-9a-f]{32}")
_CONTENT_TYPE = re.compile(r"[A-Za-z0-9][\w.+-]*/[\w.+-]+")
# C0, DEL and C1: PostgreSQL refuses NUL in text, and none of them belongs in a file name
# or in metadata that HEAD echoes back.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def max_bytes() -> int:
    return int(current_app.config["UPLOAD_MAX_BYTES"])


# -- creation and lookup ------------------------------------------------------------------


def create_upload(user: User, length: int, metadata: dict[str, str]) -> Upload:
    """Start receiving `length` bytes for the video named by metadata["video"]; commits.

    The video must be waiting for its file (UPLOADING), or a draft with no file yet, which
    then waits for this one."""
    if length <= 0:
        raise InvalidUpload(N_("the file is empty"))
    if length > max_bytes():
        raise UploadTooLarge(max_bytes())
    metadata = {key: _CONTROLS.sub("", value) for key, value in metadata.items()}
    public_id = metadata.get("video") or ""
    if not public_id:
        raise InvalidUpload(N_("no video named in the upload's metadata"))
    video = db.session.scalar(
        sa.select(Video).where(Video.public_id == public_id).with_for_update(of=Video)
    )
    if video is None or (video.created_by_id != user.id and not user.has_role(Role.EDITOR)):
        raise VideoNotFound(public_id)
    if video.status is VideoStatus.DRAFT and video.original_key is None:
        # A draft whose earlier upload was cancelled or expired: the portal offers to send
        # the file again, and this is that new start.
        video.transition(VideoStatus.UPLOADING)
    if video.status is not VideoStatus.UPLOADING:
        raise VideoNotWaiting(video.status)
    filename = (metadata.get("filename") or "").strip() or "original"
    key = video_service.original_key(video, filename)
    filetype = metadata.get("filetype") or ""
    content_type = filetype if _CONTENT_TYPE.fullmatch(filetype) else None
    # A new upload for the video (another file, a browser that lost track of the first)
    # replaces the unfinished ones, so that only one can become the original.
    for earlier in db.session.scalars(
        sa.select(Upload)
        .where(Upload.video_id == video.id, Upload.status == UploadStatus.RECEIVING)
        .with_for_update(skip_locked=True)
    ):
        _discard(earlier)
        earlier.status, earlier.expires_at = UploadStatus.ABORTED, None
    multipart_id = get_storage().create_multipart(key, content_type)
    upload = Upload(
        id=uuid.uuid4().hex,
        user_id=user.id,
        video_id=video.id,
        filename=filename[:255],
        length=length,
        offset=0,
        storage_key=key,
        multipart_id=multipart_id,
        parts=[],
        upload_metadata=metadata,
        status=UploadStatus.RECEIVING,
        expires_at=utcnow() + IDLE_EXPIRY,
    )
    db.session.add(upload)
    db.session.commit()
    return upload


def get_upload(upload_id: str, user: User) -> Upload:
    """The user's upload; UploadNotFound for anyone else's, UploadGone once terminated."""
    upload = db.session.get(Upload, upload_id) if _UPLOAD_ID.fullmatch(upload_id) else None
    if upload is None or upload.user_id != user.id:
        raise UploadNotFound(upload_id)
    if upload.status is UploadStatus.ABORTED or _expired(upload):
        raise UploadGone(upload_id)
    return upload


def _expired(upload: Upload, now: datetime | None = None) -> bool:
    return (
        upload.status is UploadStatus.RECEIVING
        and upload.expires_at is not None
        and upload.expires_at < (now or utcnow())
    )


# -- receiving bytes ----------------------------------------------------------------------


def append(upload: Upload, offset: int, stream: BinaryIO, content_length: int | None) -> Upload:
    """Write the bytes of `stream` at `offset`; commits, and returns the upload as it is now.

    `content_length` is what the request announced (None for a chunked body). A stream that
    ends early or fails with OSError (the client went away) keeps what arrived. When the
    last byte arrives, the original is assembled and the video queued for transcoding.
    """
    with exclusive(upload.id):
        upload = lock_upload(upload.id)
        if upload.status is UploadStatus.ABORTED or _expired(upload):
            raise UploadGone(upload.id)
        if offset != upload.offset:
            raise OffsetMismatch(upload.offset, offset)
        left = upload.length - upload.offset
        if content_length is not None and content_length > left:
            raise UploadTooLarge(upload.length)
        if upload.status is UploadStatus.COMPLETE or content_length == 0:
            if more_bytes(stream):
                raise UploadTooLarge(upload.length)
            db.session.rollback()
            return upload
        if content_length == left:
            # This request should finish the upload: refuse it now if it could not.
            video = db.session.get(Video, upload.video_id) if upload.video_id else None
            if video is None or video.status is not VideoStatus.UPLOADING:
                raise VideoNotWaiting(video.status if video else None)
        return Receiver(upload).receive(stream, content_length or left)


# -- termination and housekeeping ---------------------------------------------------------


def _discard(upload: Upload) -> None:
    """Free the upload's storage (parts and tail); the caller marks it aborted."""
    if upload.multipart_id:
        get_storage().abort_multipart(upload.storage_key, upload.multipart_id)
    get_storage().delete_prefix(staging_prefix(upload))


def _abandon(upload: Upload) -> None:
    _discard(upload)
    upload.status, upload.expires_at = UploadStatus.ABORTED, None
    video = lock_video(upload.video_id)
    if video is None or video.status is not VideoStatus.UPLOADING:
        return
    others = db.session.scalar(
        sa.select(sa.func.count()).select_from(Upload).where(
            Upload.video_id == video.id, Upload.id != upload.id,
            Upload.status == UploadStatus.RECEIVING)
    )
    if not others:
        video.transition(VideoStatus.DRAFT)  # a file can be chosen again


def terminate(upload: Upload) -> None:
    """Give the upload up (tus termination): its bytes go, its video is a draft again."""
    with exclusive(upload.id, wait=TERMINATE_LOCK_WAIT_SECONDS):
        upload = lock_upload(upload.id, wait=TERMINATE_LOCK_WAIT_SECONDS)
        if upload.status is UploadStatus.COMPLETE:
            raise UploadComplete(upload.id)
        if upload.status is UploadStatus.ABORTED:
            raise UploadGone(upload.id)
        _abandon(upload)
        db.session.commit()


def expire_stale_uploads(older_than: timedelta = IDLE_EXPIRY, now: datetime | None = None) -> int:
    """Give up the uploads nobody has written to for `older_than`; commits each, returns how
    many. Safe to run anywhere, any time: an upload being written is skipped."""
    cutoff = (now or utcnow()) - older_than
    stale = sa.and_(Upload.status == UploadStatus.RECEIVING, Upload.updated_at < cutoff)
    ids = list(db.session.scalars(sa.select(Upload.id).where(stale)))
    db.session.rollback()
    expired = 0
    for upload_id in ids:
        upload = db.session.scalar(
            sa.select(Upload).where(Upload.id == upload_id, stale)
            .with_for_update(skip_locked=True)
        )
        if upload is None:
            db.session.rollback()
            continue
        try:
            _abandon(upload)
        except StorageError:
            db.session.rollback()
            log.warning("could not expire upload %s; will try again", upload_id, exc_info=True)
            continue
        db.session.commit()
        expired += 1
    if expired:
        log.info("expired %d stale uploads", expired)
    return expired
