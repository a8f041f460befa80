"""The faults, one scenario each, and what is checked after every one of them.

A scenario uploads videos through the API while it breaks something, waits until the system
has recovered (the reconciler runs every few seconds here), and returns its row of the table.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field

import m3u8
import sqlalchemy as sa

from careers_tv.extensions import db
from careers_tv.models import Announcement, Job, JobState, Video, VideoStatus
from careers_tv.services import media_sweep
from careers_tv.storage import get_storage

from . import infra

SETTLE_TIMEOUT = 240.0


@dataclass
class Row:
    scenario: str
    faults: int = 0
    videos: list[str] = field(default_factory=list)
    correct: int = 0
    lost: int = 0
    duplicated: int = 0
    half_published: int = 0
    posts: str = "-"
    orphans: int = 0  # found by the sweep after the scenario
    orphans_left: int = 0  # still there after it

    @property
    def ok(self) -> bool:
        return (self.lost == self.duplicated == self.half_published == self.orphans_left == 0
                and self.correct == len(self.videos))


class Stage:
    """What every scenario needs: the running parts, the client, the clips, the app."""

    def __init__(self, app, client, parts, clips, fake_x, log):
        self.app, self.client, self.parts, self.clips = app, client, parts, clips
        self.fake_x, self.log = fake_x, log

    def upload(self, title: str, clip=None, **kwargs) -> str:
        public_id = self.client.create(title)
        self.client.upload(public_id, clip or self.clips["tiny"], **kwargs)
        return public_id

    def statuses(self, ids: list[str]) -> dict[str, VideoStatus]:
        with self.app.app_context():
            return dict(db.session.execute(
                sa.select(Video.public_id, Video.status).where(Video.public_id.in_(ids))).all())

    def settle(self, ids: list[str], wanted=(VideoStatus.READY, VideoStatus.PUBLISHED)) -> None:
        """Wait until every video is ready (or failed for good: that shows as lost)."""
        final = (*wanted, VideoStatus.FAILED)
        infra.wait_until(lambda: all(s in final for s in self.statuses(ids).values())
                         and len(self.statuses(ids)) == len(ids),
                         f"{len(ids)} videos to settle", timeout=SETTLE_TIMEOUT, every=0.5)

    def publish_all(self, ids: list[str]) -> None:
        for public_id in ids:
            if self.statuses([public_id]).get(public_id) is VideoStatus.READY:
                self.client.publish(public_id)

    def check(self, row: Row, published: bool) -> Row:
        """Fill the row: every video whole and where it should be, its posts, the orphans."""
        with self.app.app_context():
            storage = get_storage()
            for public_id in row.videos:
                video = db.session.scalar(sa.select(Video).where(Video.public_id == public_id))
                wanted = VideoStatus.PUBLISHED if published else VideoStatus.READY
                if video is None or video.status is not wanted:
                    row.lost += 1
                    self.log(f"  lost: {public_id} is "
                             f"{video.status.value if video else 'gone'}: "
                             f"{video.status_text if video else ''}")
                    continue
                if not _media_whole(storage, video):
                    row.half_published += 1
                    continue
                done = db.session.scalar(sa.select(sa.func.count(Job.id)).where(
                    Job.video_id == video.id, Job.kind == "transcode",
                    Job.state == JobState.DONE))
                if done != 1:
                    row.duplicated += 1
                    continue
                row.correct += 1
            if published:
                counts = [sum(public_id in post.text for post in self.fake_x.posts)
                          for public_id in row.videos]
                row.duplicated += sum(1 for n in counts if n > 1)
                row.lost += sum(1 for n in counts if n == 0)
                row.posts = "/".join(sorted({str(n) for n in counts}))
                statuses = db.session.scalars(sa.select(Announcement.status).join(Video).where(
                    Video.public_id.in_(row.videos))).all()
                row.lost += sum(1 for status in statuses if status.value != "posted")
            row.orphans = len(media_sweep.sweep().orphans)
            row.orphans_left = len(media_sweep.find_orphans())
        return row


def _media_whole(storage, video: Video) -> bool:
    """The master playlist, every rendition's playlist and every segment they name exist."""
    prefix = video.media_prefix
    keys = set(storage.list(prefix)) if prefix else set()
    if prefix + "master.m3u8" not in keys or not video.renditions:
        return False
    for rendition in video.renditions:
        if rendition.playlist_key not in keys:
            return False
        with storage.open(rendition.playlist_key) as stream:
            playlist = m3u8.loads(stream.read().decode())
        folder = rendition.playlist_key.rsplit("/", 1)[0] + "/"
        if not playlist.segments or any(folder + s.uri not in keys for s in playlist.segments):
            return False
    return True


# -- the scenarios -------------------------------------------------------------------------


def worker_kills(stage: Stage, transcodes: int, max_kills: int, rng: random.Random) -> Row:
    """SIGKILL the transcode worker at random points of the transcodes (download, ffmpeg,
    upload), restart it each time; publish every video as it becomes ready."""
    row = Row(f"transcode worker SIGKILLed during {transcodes} transcodes")
    worker = stage.parts["transcode"]
    stop = threading.Event()

    def killer():
        while not stop.is_set() and row.faults < max_kills:
            with stage.app.app_context():
                running = db.session.scalar(sa.select(Job).where(
                    Job.kind == "transcode", Job.state == JobState.RUNNING,
                    Job.attempts < 3))
                db.session.remove()
            if running is None:
                time.sleep(0.1)
                continue
            time.sleep(rng.uniform(0.1, 3.0))  # a random point of that run
            if stop.is_set():
                return
            worker.kill()
            row.faults += 1
            infra.restart_worker(worker)

    thread = threading.Thread(target=killer, daemon=True)
    thread.start()
    row.videos = [stage.upload(f"Kill {n}") for n in range(transcodes)]
    try:
        stage.settle(row.videos)
    finally:
        stop.set()
        thread.join(timeout=60)
    stage.publish_all(row.videos)
    stage.settle(row.videos, wanted=(VideoStatus.PUBLISHED,))
    wait_for_posts(stage, row.videos)
    return stage.check(row, published=True)


def storage_down_during_upload(stage: Stage) -> Row:
    """SeaweedFS killed after the second chunk of an upload, back 3 s later: the client's
    next PATCHes fail, then it asks where the upload got to and finishes it."""
    row = Row("S3 store killed during an upload")
    weed = stage.parts["weed"]

    def on_chunk(chunks: int) -> None:
        if chunks == 2:
            weed.stop()
            row.faults += 1
            threading.Timer(3.0, weed.start).start()

    public_id = stage.client.create("Store down while uploading")
    stage.client.upload(public_id, stage.clips["bigger"], on_chunk=on_chunk, chunk=512 * 1024)
    row.videos = [public_id]
    stage.settle(row.videos)
    return stage.check(row, published=False)


def storage_down_during_output_upload(stage: Stage) -> Row:
    """SeaweedFS killed when the transcode is nearly done (its outputs about to be written),
    back 4 s later: the job is released, sent again by the reconciler, and done again."""
    row = Row("S3 store killed as a transcode writes its outputs")
    weed = stage.parts["weed"]
    row.videos = [stage.upload("Store down while storing outputs", stage.clips["bigger"])]

    def nearly_done():
        with stage.app.app_context():
            video = db.session.scalar(sa.select(Video).where(Video.public_id == row.videos[0]))
            return video.status is VideoStatus.PROCESSING and video.progress >= 90

    infra.wait_until(nearly_done, "the transcode to near its end", timeout=120, every=0.05)
    weed.stop()
    row.faults += 1
    time.sleep(4)
    weed.start()
    stage.settle(row.videos)
    return stage.check(row, published=False)


def restart_under_load(stage: Stage, part: str, label: str, count: int) -> Row:
    """Restart Redis or PostgreSQL twice while uploads and transcodes are in flight."""
    row = Row(label)
    service = stage.parts[part]
    done = threading.Event()

    def restarter():
        for _ in range(2):
            time.sleep(2.5)
            if done.is_set():
                return
            service.restart()
            row.faults += 1

    thread = threading.Thread(target=restarter, daemon=True)
    thread.start()
    row.videos = [stage.upload(f"{part} restart {n}") for n in range(count)]
    thread.join(timeout=120)
    done.set()
    stage.settle(row.videos)
    return stage.check(row, published=False)


def x_failures(stage: Stage, ids: list[str]) -> Row:
    """X answers in each documented bad way before it accepts: 503 and 500, 429 with a reset
    time, a timeout after it recorded the post, a connection dropped after recording it."""
    row = Row("X fails in each documented way", videos=list(ids))
    x = stage.fake_x
    x.fail_next(503, times=2)
    x.fail_next(500)
    x.fail_next(429, reset_in=3)
    x.slow_next(4)  # longer than X_TIMEOUT_SECONDS: the post lands, the answer does not
    x.drop_next()  # recorded, then the connection closes
    row.faults = 6
    stage.publish_all(ids)
    wait_for_posts(stage, ids)
    return stage.check(row, published=True)


def wait_for_posts(stage: Stage, ids: list[str]) -> None:
    """Until every published video's announcement has settled (posted, or failed for good)."""
    def settled():
        with stage.app.app_context():
            published = db.session.scalar(sa.select(sa.func.count(Video.id)).where(
                Video.public_id.in_(ids), Video.status == VideoStatus.PUBLISHED))
            statuses = db.session.scalars(sa.select(Announcement.status).join(Video).where(
                Video.public_id.in_(ids))).all()
            db.session.remove()
        return len(statuses) == published and all(s.value in ("posted", "failed")
                                                  for s in statuses)

    infra.wait_until(settled, "the announcements", timeout=SETTLE_TIMEOUT, every=0.5)
