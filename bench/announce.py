"""How long from publishing a video to its post on X, end to end on the real stack?

Usage: python bench/announce.py [--publishes 30] [--redis-db 9]

Sets up its own PostgreSQL database (dropped at the end), a scratch folder (removed), the fake
X API (tests/fakes/x_api.py, a real HTTP server checking OAuth 1.0a signatures) and one real
Celery worker (`-Q default --concurrency 1`, prefork) on Redis db `--redis-db`, which is
flushed before and after. Then it publishes ready videos one at a time, the way the portal
does: `services.videos.publish(video)` and a commit, which sends the `announce` job after the
commit. Latency is from just before that commit to the moment the fake recorded the post (its
`Post.at`; the bench polls the fake every 5 ms, 30 s at most). One unmeasured warm-up publish
goes first (the worker's first job imports and connects); its figure is printed too.

Afterwards every video must have exactly one post on the fake, whose text equals
`compose.announcement_text(video, watch_url(video))` and the text stored on its
Announcement row, which must be `posted` with the fake's post id.
Human lines on stderr; the last stdout line is one JSON object of the figures. The exit status
is 1 when a check failed.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))  # `python bench/announce.py`; also makes `tests` importable

from harness import ROOT, log, scratch  # noqa: E402

from tests.fakes.x_api import FakeX  # noqa: E402 - test code, but the fake is what we need

TARGET_P95_MS = 2000
POLL_SECONDS = 0.005
POST_TIMEOUT_SECONDS = 30.0
SETTLE_SECONDS = 2.0  # after the last post: time for a (wrong) second post to show up


# -- the worker and its broker --------------------------------------------------------------


def flush_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=5)
    try:
        client.flushdb()
    finally:
        client.close()


class Worker:
    """One Celery worker in its own process group, its output in `log_path`."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.log_path = log_path
        command = [sys.executable, "-m", "celery", "-A", "careers_tv.worker", "worker",
                   "-n", f"bench-announce-{uuid.uuid4().hex[:6]}@%h", "-Q", "default",
                   "--concurrency", "1", "--pool", "prefork", "--loglevel", "INFO",
                   "--without-gossip", "--without-mingle", "--without-heartbeat"]
        with open(log_path, "ab") as out:
            self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                                            stdout=out, stderr=subprocess.STDOUT,
                                            start_new_session=True)

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while b"ready." not in self.log_path.read_bytes():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the worker did not start:\n"
                                   + self.log_path.read_text()[-3000:])
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


# -- publishing ------------------------------------------------------------------------------


def make_ready_video(index: int):
    """A ready video (DRAFT → QUEUED → PROCESSING → READY, as the transcoder leaves it), with a
    title of its own: the fake refuses a text already posted, as X does."""
    from careers_tv.models import VideoStatus
    from careers_tv.services import videos as video_service
    from careers_tv.services.channels import get_channel

    video = video_service.create_video(
        get_channel("temoignages"), f"Inside the night shift at depot {index}: how we plan "
        f"the routes ({uuid.uuid4().hex[:6]})", language="en", speaker_name="Camille Martin",
        speaker_title="Route planner")
    for status in (VideoStatus.QUEUED, VideoStatus.PROCESSING, VideoStatus.READY):
        video.transition(status)
    return video


def publish_and_wait(app, fake: FakeX, index: int) -> tuple[int, float]:
    """Publish one video; returns its id and the milliseconds until the fake had the post."""
    from careers_tv.extensions import db
    from careers_tv.services import videos as video_service

    with app.app_context():
        video = make_ready_video(index)
        db.session.commit()  # the video exists before the measured publish
        video_service.publish(video)
        seen = len(fake.posts)
        started = time.time()  # wall clock: the fake stamps its posts with it
        db.session.commit()  # the announce job is sent to the broker after this commit
        video_id = video.id
        db.session.remove()
    deadline = time.monotonic() + POST_TIMEOUT_SECONDS
    while len(fake.posts) <= seen:
        if time.monotonic() > deadline:
            raise RuntimeError(f"no post on the fake {POST_TIMEOUT_SECONDS:g} s after "
                               f"publishing video {video_id}")
        time.sleep(POLL_SECONDS)
    post = fake.posts[seen]
    return video_id, (post.at.timestamp() - started) * 1000


def wait_until_recorded(app, video_ids: list[int]) -> None:
    """The worker writes `posted` after X answers: wait for every row to say so."""
    import sqlalchemy as sa

    from careers_tv.extensions import db
    from careers_tv.models import Announcement, AnnouncementStatus

    deadline = time.monotonic() + POST_TIMEOUT_SECONDS
    with app.app_context():
        while True:
            pending = db.session.scalar(
                sa.select(sa.func.count()).select_from(Announcement)
                .where(Announcement.video_id.in_(video_ids),
                       Announcement.status != AnnouncementStatus.POSTED))
            db.session.remove()
            if not pending:
                return
            if time.monotonic() > deadline:
                return  # check() reports which ones
            time.sleep(0.05)


def check(app, fake: FakeX, video_ids: list[int]) -> list[str]:
    """What is wrong with the posts and rows (nothing, hopefully)."""
    import sqlalchemy as sa

    from careers_tv.announce.compose import announcement_text
    from careers_tv.extensions import db
    from careers_tv.links import watch_url
    from careers_tv.models import Announcement, AnnouncementStatus, Video

    problems = []
    posts = list(fake.posts)
    if len(posts) != len(video_ids):
        problems.append(f"{len(posts)} posts on the fake for {len(video_ids)} publishes")
    with app.app_context():
        for video_id in video_ids:
            video = db.session.get(Video, video_id)
            rows = db.session.scalars(
                sa.select(Announcement).where(Announcement.video_id == video_id)).all()
            expected = announcement_text(video, watch_url(video)).text
            matching = [post for post in posts if post.text == expected]
            if len(matching) != 1:
                problems.append(f"video {video_id}: {len(matching)} posts with its text")
            if len(rows) != 1:
                problems.append(f"video {video_id}: {len(rows)} announcement rows")
                continue
            row = rows[0]
            if row.status is not AnnouncementStatus.POSTED:
                problems.append(f"video {video_id}: announcement {row.status.value} "
                                f"({row.error})")
            if row.text != expected:
                problems.append(f"video {video_id}: stored text differs from the composed one")
            if matching and row.post_id != matching[0].id:
                problems.append(f"video {video_id}: post id {row.post_id} is not the fake's "
                                f"{matching[0].id}")
        db.session.remove()
    return problems


# -- the run ---------------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    """Linear interpolation between the closest ranks (numpy's default)."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def prepare_app(env: dict[str, str]):
    os.environ.update(env)
    from flask_migrate import upgrade

    from careers_tv import create_app
    from careers_tv.services.channels import seed_channels

    app = create_app()
    with app.app_context():
        upgrade()
        seed_channels()
    return app


def run(args, scratch: Path, database_url: str, fake: FakeX, redis_url: str) -> dict:
    env = {key: value for key, value in os.environ.items()
           if key not in ("STORAGE_URL", "MEDIA_BASE_URL", "RATELIMIT_STORAGE_URI")
           and not key.startswith("X_")}
    env.update({
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": redis_url,
        "CAREERS_TV_INSTANCE": str(scratch / "instance"),
        "STORAGE_URL": (scratch / "media").as_uri(),
        "SECRET_KEY": "bench-secret-not-for-production",
        "PUBLIC_BASE_URL": "http://127.0.0.1:8000",
        **fake.env,
    })
    app = prepare_app(env)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the fake's request lines
    worker = Worker(env, scratch / "worker.log")
    try:
        worker.wait_ready()
        log(f"worker ready; publishing 1 warm-up + {args.publishes} videos one at a time")
        video_ids, latencies = [], []
        warm_id, warm_ms = publish_and_wait(app, fake, 0)
        video_ids.append(warm_id)
        for index in range(1, args.publishes + 1):
            video_id, ms = publish_and_wait(app, fake, index)
            video_ids.append(video_id)
            latencies.append(ms)
        wait_until_recorded(app, video_ids)
        time.sleep(SETTLE_SECONDS)
        problems = check(app, fake, video_ids)
    finally:
        worker.stop()
        with app.app_context():
            from careers_tv.extensions import db

            db.session.remove()
            db.engine.dispose()  # no connection left to the database about to be dropped
    for problem in problems:
        log(f"PROBLEM: {problem}")
    figures = {
        "publishes": args.publishes,
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "max_ms": round(max(latencies), 1),
        "min_ms": round(min(latencies), 1),
        "warm_up_ms": round(warm_ms, 1),
        "posts": len(fake.posts),
        "exactly_once": not problems,
        "target_p95_ms": TARGET_P95_MS,
    }
    log(f"publish → post on the fake X: p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms, "
        f"max {figures['max_ms']} ms (warm-up {figures['warm_up_ms']} ms); "
        f"{figures['posts']} posts for {args.publishes + 1} publishes, exactly once and right "
        f"text: {'yes' if not problems else 'NO'}; p95 target {TARGET_P95_MS} ms: "
        f"{'met' if figures['p95_ms'] <= TARGET_P95_MS else 'MISSED'}")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--publishes", type=int, default=30, help="measured publishes")
    parser.add_argument("--redis-db", type=int, default=9, help="Redis db for the broker "
                        "(flushed before and after)")
    args = parser.parse_args()
    if args.publishes < 1:
        parser.error("--publishes must be at least 1")
    redis_url = f"redis://127.0.0.1:6379/{args.redis_db}"
    # X's window would refuse posts beyond its limit: room for every publish, warm-up included.
    fake = FakeX(rate_limit=max(100, args.publishes + 10))
    try:
        flush_redis(redis_url)
        fake.start()
        with scratch("bench-announce-") as (folder, database_url):
            figures = run(args, folder, database_url, fake, redis_url)
    finally:
        fake.stop()
        flush_redis(redis_url)
    print(json.dumps(figures))
    if not figures["exactly_once"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
