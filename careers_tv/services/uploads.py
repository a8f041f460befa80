"""Resumable uploads (tus): what an upload is, how far it got, where its bytes wait.

The bytes never wait on a web server's disk, so any web process can take the next request:
whole parts (UPLOAD_PART_BYTES) go into a multipart upload of the original's storage key, and
the remainder smaller than a part is kept as a "tail" object that the next request reads back
and completes (tusd keeps its "incomplete part" the same way). The row is the truth:
`parts` lists [number, token, size] and `offset` is their bytes plus the tail's.

One request at a time writes an upload: it holds the row lock (SELECT ... FOR UPDATE NOWAIT)
while it writes, and a second one is refused with UploadBusy. Progress is committed after
every part, so a request cut short, or a web process killed, loses at most one part's bytes.
"""

from __future__ import annotations

import io
import logging
import re
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import BinaryIO

import sqlalchemy as sa
from flask import current_app

from ..clock import utcnow
from ..extensions import db
from ..i18n import N_
from ..models import Role, Upload, UploadStatus, User, Video, VideoStatus
from ..storage import NotFound, StorageError, get_storage
from ..storage.base import MIN_PART_SIZE
from . import videos as video_service
from .upload_errors import (  # noqa: F401 - re-exported: callers catch them from here
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

log = logging.getLogger(__name__)

# An upload nobody has written to for this long is given up (and cleaned by housekeeping).
IDLE_EXPIRY = timedelta(hours=24)
READ_CHUNK = 1024 * 1024
# How long a termination waits for a request still writing the upload (the client usually
# cut that request just before asking to terminate; its server side needs a moment to stop).
TERMINATE_LOCK_WAIT_SECONDS = 10
_LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL: NOWAIT refused, or lock_timeout ran out
_UPLOAD_ID = re.compile(r"[0-9a-f]{32}")
_CONTENT_TYPE = re.compile(r"[A-Za-z0-9][\w.+-]*/[\w.+-]+")
# C0, DEL and C1: PostgreSQL refuses NUL in text, and none of them belongs in a file name
# or in metadata that HEAD echoes back.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def max_bytes() -> int:
    return int(current_app.config["UPLOAD_MAX_BYTES"])


def part_bytes() -> int:
    # S3 refuses parts under 5 MiB (but the last); a folder keeps to the same rule.
    return max(int(current_app.config["UPLOAD_PART_BYTES"]), MIN_PART_SIZE)


def staging_prefix(upload: Upload) -> str:
    return f"uploads/{upload.id}/"


def _parts_size(upload: Upload) -> int:
    return sum(size for _number, _token, size in upload.parts)


def _tail_key(upload: Upload) -> str | None:
    """The tail is named after the offset it ends at: a new tail never overwrites the one
    the committed row points to, so a request that dies half-way leaves a consistent state."""
    if upload.offset == _parts_size(upload):
        return None
    return f"{staging_prefix(upload)}tail-{upload.offset}"


# -- locking ------------------------------------------------------------------------------

# SQLite (the embedded default: one process) has no row locks; this keeps two threads of
# that process apart. On PostgreSQL the row lock also keeps other processes apart.
_busy: set[str] = set()
_busy_changed = threading.Condition()


@contextmanager
def _exclusive(upload_id: str, wait: float = 0) -> Iterator[None]:
    with _busy_changed:
        if not _busy_changed.wait_for(lambda: upload_id not in _busy, timeout=wait):
            raise UploadBusy(upload_id)
        _busy.add(upload_id)
    try:
        yield
    finally:
        with _busy_changed:
            _busy.discard(upload_id)
            _busy_changed.notify_all()


def _lock(upload_id: str, wait: float = 0) -> Upload:
    """The upload's row, fresh and locked until the next commit or rollback."""
    if wait and db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text(f"SET LOCAL lock_timeout = '{int(wait * 1000)}ms'"))
    query = (
        sa.select(Upload)
        .where(Upload.id == upload_id)
        .with_for_update(nowait=not wait)
        .execution_options(populate_existing=True)
    )
    try:
        upload = db.session.scalars(query).one_or_none()
    except sa.exc.OperationalError as exc:
        if getattr(exc.orig, "sqlstate", None) == _LOCK_NOT_AVAILABLE:
            db.session.rollback()
            raise UploadBusy(upload_id) from exc
        raise
    if upload is None:
        raise UploadNotFound(upload_id)
    return upload


def _lock_video(video_id: int | None) -> Video | None:
    if video_id is None:
        return None
    # OF videos: the video's channel comes in an outer join, which cannot be locked.
    return db.session.get(Video, video_id, with_for_update={"of": Video},
                          populate_existing=True)


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
    with _exclusive(upload.id):
        upload = _lock(upload.id)
        if upload.status is UploadStatus.ABORTED or _expired(upload):
            raise UploadGone(upload.id)
        if offset != upload.offset:
            raise OffsetMismatch(upload.offset, offset)
        left = upload.length - upload.offset
        if content_length is not None and content_length > left:
            raise UploadTooLarge(upload.length)
        if upload.status is UploadStatus.COMPLETE or content_length == 0:
            if _more_bytes(stream):
                raise UploadTooLarge(upload.length)
            db.session.rollback()
            return upload
        if content_length == left:
            # This request should finish the upload: refuse it now if it could not.
            video = db.session.get(Video, upload.video_id) if upload.video_id else None
            if video is None or video.status is not VideoStatus.UPLOADING:
                raise VideoNotWaiting(video.status if video else None)
        return _Receiver(upload).receive(stream, content_length or left)


def _more_bytes(stream: BinaryIO) -> bool:
    try:
        return bool(stream.read(1))
    except OSError:
        return False


class _Receiver:
    """One request's bytes: a part-sized buffer at most in memory, parts stored as it fills."""

    def __init__(self, upload: Upload) -> None:
        self.upload = upload
        self.storage = get_storage()
        self.part_size = part_bytes()
        self.buffer = io.BytesIO()
        self.tail_key = _tail_key(upload)
        if self.tail_key is not None:
            with self.storage.open(self.tail_key) as tail:
                self.buffer.write(tail.read())
            expected = upload.offset - _parts_size(upload)
            if self.buffer.tell() != expected:
                raise StorageError(
                    f"the staged tail of upload {upload.id} has {self.buffer.tell()} bytes, "
                    f"not {expected}"
                )

    def receive(self, stream: BinaryIO, expected: int) -> Upload:
        received = 0
        while received < expected:
            want = min(READ_CHUNK, self.part_size - self.buffer.tell(), expected - received)
            try:
                chunk = stream.read(want)
            except OSError:
                log.info("upload %s: the client went away; keeping what arrived", self.upload.id)
                break
            if not chunk:
                break
            self.buffer.write(chunk)
            received += len(chunk)
            if self.buffer.tell() == self.part_size:
                self._store_part()
        if received == expected and _more_bytes(stream):
            raise UploadTooLarge(self.upload.length)  # a chunked body longer than the upload
        if _parts_size(self.upload) + self.buffer.tell() == self.upload.length:
            self._finish()
        elif self.buffer.tell():
            self._store_tail()
        else:
            db.session.rollback()  # nothing new since the last commit; release the lock
        return self.upload

    def _new_part(self) -> list:
        """Send the buffer as the next part; the buffer starts afresh."""
        upload, size = self.upload, self.buffer.tell()
        number = len(upload.parts) + 1
        self.buffer.seek(0)
        token = self.storage.upload_part(
            upload.storage_key, upload.multipart_id, number, self.buffer, size
        )
        self.buffer = io.BytesIO()
        return [number, token, size]

    def _commit(self, parts: list, offset: int, tail_key: str | None) -> None:
        """Record progress; the superseded tail goes once the row no longer points at it."""
        upload = self.upload
        upload.parts, upload.offset = parts, offset
        receiving = upload.status is UploadStatus.RECEIVING
        upload.expires_at = utcnow() + IDLE_EXPIRY if receiving else None
        db.session.commit()
        stale, self.tail_key = self.tail_key, tail_key
        if stale is not None and stale != tail_key:
            try:
                self.storage.delete(stale)
            except StorageError:
                log.warning("upload %s: could not delete %s (cleaned at the end)", upload.id, stale)

    def _store_part(self) -> None:
        parts = [*self.upload.parts, self._new_part()]
        self._commit(parts, sum(size for _n, _t, size in parts), None)
        # The commit released the row lock: take it again before writing anything more.
        # Whoever took it in between has moved the offset, and this request must stop.
        expected = self.upload.offset
        self.upload = _lock(self.upload.id)
        if self.upload.offset != expected or self.upload.status is not UploadStatus.RECEIVING:
            raise UploadBusy(self.upload.id)

    def _store_tail(self) -> None:
        offset = _parts_size(self.upload) + self.buffer.tell()
        key = f"{staging_prefix(self.upload)}tail-{offset}"
        self.buffer.seek(0)
        self.storage.put_stream(key, self.buffer, "application/octet-stream")
        self._commit(list(self.upload.parts), offset, key)

    def _finish(self) -> None:
        upload = self.upload
        video = _lock_video(upload.video_id)
        if video is None or video.status is not VideoStatus.UPLOADING:
            raise VideoNotWaiting(video.status if video else None)
        parts = list(upload.parts)
        if self.buffer.tell():
            parts.append(self._new_part())
        try:
            self.storage.complete_multipart(
                upload.storage_key, upload.multipart_id, [(n, t) for n, t, _s in parts]
            )
        except NotFound:
            # Completed before, but that request's commit was lost: the object is there.
            if self.storage.size(upload.storage_key) != upload.length:
                raise
        upload.status = UploadStatus.COMPLETE
        video.original_key = upload.storage_key
        video_service.queue_transcode(video, size_bytes=upload.length)
        self._commit(parts, upload.length, None)
        _delete_staging(upload)


# -- termination and housekeeping ---------------------------------------------------------


def _delete_staging(upload: Upload) -> None:
    try:
        get_storage().delete_prefix(staging_prefix(upload))
    except StorageError:
        log.warning("upload %s: could not delete its staged tail", upload.id, exc_info=True)


def _discard(upload: Upload) -> None:
    """Free the upload's storage (parts and tail); the caller marks it aborted."""
    if upload.multipart_id:
        get_storage().abort_multipart(upload.storage_key, upload.multipart_id)
    get_storage().delete_prefix(staging_prefix(upload))


def _abandon(upload: Upload) -> None:
    _discard(upload)
    upload.status, upload.expires_at = UploadStatus.ABORTED, None
    video = _lock_video(upload.video_id)
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
    with _exclusive(upload.id, wait=TERMINATE_LOCK_WAIT_SECONDS):
        upload = _lock(upload.id, wait=TERMINATE_LOCK_WAIT_SECONDS)
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
