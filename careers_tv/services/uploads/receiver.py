"""Where an upload's bytes wait, and how one request's bytes get there.

The bytes never wait on a web server's disk, so any web process can take the next request:
whole parts (UPLOAD_PART_BYTES) go into a multipart upload of the original's storage key, and
the remainder smaller than a part is kept as a "tail" object that the next request reads back
and completes (tusd keeps its "incomplete part" the same way). The row is the truth:
`parts` lists [number, token, size] and `offset` is their bytes plus the tail's. Progress is
committed after every part, so a request cut short, or a web process killed, loses at most
one part's bytes.
"""

from __future__ import annotations

import io
import logging
from datetime import timedelta
from typing import BinaryIO

from flask import current_app

from ...clock import utcnow
from ...extensions import db
from ...models import Upload, UploadStatus, VideoStatus
from ...storage import NotFound, StorageError, get_storage
from ...storage.base import MIN_PART_SIZE
from .. import videos as video_service
from .errors import UploadBusy, UploadTooLarge, VideoNotWaiting
from .locking import lock_upload, lock_video

log = logging.getLogger(__name__)

# An upload nobody has written to for this long is given up (and cleaned by housekeeping);
# every write moves its expiry on by as much.
IDLE_EXPIRY = timedelta(hours=24)
READ_CHUNK = 1024 * 1024


def part_bytes() -> int:
    # S3 refuses parts under 5 MiB (but the last); a folder keeps to the same rule.
    return max(int(current_app.config["UPLOAD_PART_BYTES"]), MIN_PART_SIZE)


def staging_prefix(upload: Upload) -> str:
    return f"uploads/{upload.id}/"


def parts_size(upload: Upload) -> int:
    return sum(size for _number, _token, size in upload.parts)


def tail_key(upload: Upload) -> str | None:
    """The tail is named after the offset it ends at: a new tail never overwrites the one
    the committed row points to, so a request that dies half-way leaves a consistent state."""
    if upload.offset == parts_size(upload):
        return None
    return f"{staging_prefix(upload)}tail-{upload.offset}"


def more_bytes(stream: BinaryIO) -> bool:
    try:
        return bool(stream.read(1))
    except OSError:
        return False


def delete_staging(upload: Upload) -> None:
    try:
        get_storage().delete_prefix(staging_prefix(upload))
    except StorageError:
        log.warning("upload %s: could not delete its staged tail", upload.id, exc_info=True)


class Receiver:
    """One request's bytes: a part-sized buffer at most in memory, parts stored as it fills.

    The caller holds the upload's lock (locking.py) and has checked the offset."""

    def __init__(self, upload: Upload) -> None:
        self.upload = upload
        self.storage = get_storage()
        self.part_size = part_bytes()
        self.buffer = io.BytesIO()
        self.tail_key = tail_key(upload)
        if self.tail_key is not None:
            with self.storage.open(self.tail_key) as tail:
                self.buffer.write(tail.read())
            expected = upload.offset - parts_size(upload)
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
        if received == expected and more_bytes(stream):
            raise UploadTooLarge(self.upload.length)  # a chunked body longer than the upload
        if parts_size(self.upload) + self.buffer.tell() == self.upload.length:
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

    def _commit(self, parts: list, offset: int, new_tail: str | None) -> None:
        """Record progress; the superseded tail goes once the row no longer points at it."""
        upload = self.upload
        upload.parts, upload.offset = parts, offset
        receiving = upload.status is UploadStatus.RECEIVING
        upload.expires_at = utcnow() + IDLE_EXPIRY if receiving else None
        db.session.commit()
        stale, self.tail_key = self.tail_key, new_tail
        if stale is not None and stale != new_tail:
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
        self.upload = lock_upload(self.upload.id)
        if self.upload.offset != expected or self.upload.status is not UploadStatus.RECEIVING:
            raise UploadBusy(self.upload.id)

    def _store_tail(self) -> None:
        offset = parts_size(self.upload) + self.buffer.tell()
        key = f"{staging_prefix(self.upload)}tail-{offset}"
        self.buffer.seek(0)
        self.storage.put_stream(key, self.buffer, "application/octet-stream")
        self._commit(list(self.upload.parts), offset, key)

    def _finish(self) -> None:
        upload = self.upload
        video = lock_video(upload.video_id)
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
        delete_staging(upload)
