"""One request at a time writes an upload: a thread guard, and the rows' locks.

On PostgreSQL the row lock (SELECT ... FOR UPDATE NOWAIT) keeps every process but one away
from an upload while it is written; a second request is refused with UploadBusy rather than
left waiting, since its client resumes anyway. SQLite (the embedded default: one process) has
no row locks, so a thread guard keeps two threads of that process apart as well.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from ...extensions import db
from ...models import Upload, Video
from .errors import UploadBusy, UploadNotFound

_LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL: NOWAIT refused, or lock_timeout ran out

_busy: set[str] = set()
_busy_changed = threading.Condition()


@contextmanager
def exclusive(upload_id: str, wait: float = 0) -> Iterator[None]:
    """This process's only writer of the upload for the block; UploadBusy after `wait` s."""
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


def lock_upload(upload_id: str, wait: float = 0) -> Upload:
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


def lock_video(video_id: int | None) -> Video | None:
    """The upload's video, fresh and locked (None if there is none any more)."""
    if video_id is None:
        return None
    # OF videos: the video's channel comes in an outer join, which cannot be locked.
    return db.session.get(Video, video_id, with_for_update={"of": Video},
                          populate_existing=True)
