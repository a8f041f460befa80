"""How does the transcode queue keep up with a burst of uploads, with 1 worker and with 2?

Usage: python bench/transcode_queue.py [--uploads 6] [--duration 8] [--size 1280x720]

Sets up its own PostgreSQL database (dropped at the end) and a scratch folder (removed) with
the channels, an admin and an API token (scopes read, upload); serves the app under gunicorn
with local storage in the scratch folder and Redis as the broker and rate-limit store
(`CELERY_BROKER_URL`, default database 8: flushed before each round and at the end); makes one
clip with ffmpeg (`--duration` seconds at `--size`, H.264/AAC). Then two rounds, each with the
same `--uploads` new videos:
  1 worker   one Celery worker process, concurrency 1, queues transcode,transcode_long,default
  2 workers  two such processes
One video goes through first with one worker, not counted (gunicorn's first requests and the
first ffmpeg run pay imports and cold caches). The workers are started (and ready) before a
round's first upload and stopped after its last video is ready. Each upload takes the real path
over HTTP, back to back: POST /api/v1/videos, then tus creation and PATCH; "upload complete" is
the moment its last PATCH returned. The API (GET /api/v1/videos/<id>, with the token) is then
polled every 0.5 s until every video is `ready` ("playable": its HLS master exists; the bench
fetches each master once to check); a `failed` video stops the bench with its message. Per
round: wall time from the first upload's start to the last video ready (`upload_s`: to the last
upload complete); throughput in videos per minute and in clip-seconds transcoded per
wall-second; latency per video from upload complete to ready (median, max). Ratios are 2
workers against 1.

How to read it: a transcode is one ffmpeg process using every core it gets. On this 2-core
machine two workers share the same CPU, so expect a throughput ratio near 1 (the gain is only
the upload, probe and storage work of one video overlapping another's encode) and a median
latency ratio near 1, or above (two videos at a time, each at half speed, both finish late);
on a machine with a couple of cores or more per worker, near 2 and well below 1. Latency
includes the wait in the queue, so it grows with the burst's size. Other load on the machine
shows directly in the figures: run it on an otherwise idle one.
Human lines on stderr; the last stdout line is one JSON object of the figures.
"""

from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
# The repository's root first, so that `bench.harness` and `tests.media` import. (The issue
# named this bench/transcode_queue.py; a file of that name in bench/ stands in for the standard
# library's `queue` for every bench run from there, and breaks urllib3 and redis.)
sys.path.insert(0, str(BENCH.parent))

import argparse  # noqa: E402
import base64  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
from contextlib import ExitStack, contextmanager  # noqa: E402
from urllib.parse import urljoin  # noqa: E402

import redis  # noqa: E402
import requests  # noqa: E402

from bench.harness import ROOT, free_port, gunicorn, log, scratch  # noqa: E402
from tests.media import make_landscape  # noqa: E402

QUEUES = "transcode,transcode_long,default"
DEFAULT_BROKER = "redis://127.0.0.1:6379/8"
POLL_SECONDS = 0.5
ROUND_TIMEOUT_SECONDS = 1800
CHUNK = 32 * 1024 * 1024  # bytes per PATCH, as the portal sends


def parse_size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(n) for n in text.lower().split("x"))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (e.g. 1280x720)") from exc
    return width, height


# -- setup ---------------------------------------------------------------------------------


def prepare_app(env: dict[str, str]) -> str:
    """Schema, channels, an admin and a token that may upload and read its own videos."""
    os.environ.update(env)
    from flask_migrate import upgrade

    from careers_tv import create_app
    from careers_tv.extensions import db
    from careers_tv.models import Role, User
    from careers_tv.services import api_tokens
    from careers_tv.services.channels import seed_channels

    app = create_app()
    with app.app_context():
        upgrade()
        seed_channels()
        # "!" matches no password: nobody logs in as this admin, only its token is used.
        admin = User(email="bench-admin@example.com", role=Role.ADMIN,
                     password_hash="!")  # noqa: S106
        db.session.add(admin)
        db.session.flush()
        _token, secret = api_tokens.create_token(admin, "queue bench", ["read", "upload"])
        db.session.commit()
        db.session.remove()
        db.engine.dispose()  # the bench process keeps no connection to the database it drops
        return secret


# -- workers -------------------------------------------------------------------------------


@contextmanager
def workers(count: int, env: dict[str, str], folder: Path):
    """`count` Celery worker processes (concurrency 1 each), ready, until the block ends."""
    started: list[tuple[subprocess.Popen, Path]] = []
    try:
        for n in range(count):
            home = folder / f"worker-{n}"
            (home / "tmp").mkdir(parents=True)
            log_path = home / "worker.log"
            command = [sys.executable, "-m", "celery", "-A", "careers_tv.worker", "worker",
                       "-n", f"bench{n}@%h", "-Q", QUEUES, "--concurrency", "1",
                       "--pool", "prefork", "--loglevel", "INFO", "--without-gossip",
                       "--without-mingle", "--without-heartbeat"]
            with open(log_path, "wb") as out:
                # Its own session: Ctrl-C reaches the bench only, which stops it below.
                process = subprocess.Popen(
                    command, cwd=ROOT, env={**env, "TMPDIR": str(home / "tmp")},
                    stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                    start_new_session=True)
            started.append((process, log_path))
        deadline = time.monotonic() + 60
        for process, log_path in started:
            while b"ready." not in log_path.read_bytes():
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("a worker did not start:\n"
                                       + log_path.read_text(errors="replace")[-3000:])
                time.sleep(0.1)
        yield
    finally:
        for process, _log in started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process, _log in started:
            try:
                process.wait(timeout=60)  # a warm shutdown lets a running transcode finish
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


# -- the client ----------------------------------------------------------------------------


def upload(session: requests.Session, api: str, clip: Path, title: str) -> tuple[str, float]:
    """A new video and its file sent with tus; returns its id and when the last PATCH returned."""
    created = session.post(f"{api}/videos", json={"channel": "corporate", "title": title},
                           timeout=30)
    if created.status_code != 201:
        raise RuntimeError(f"video creation refused: {created.status_code} {created.text[:300]}")
    video = created.json()
    tus = {"Tus-Resumable": "1.0.0"}
    metadata = ",".join(f"{key} {base64.b64encode(value.encode()).decode()}" for key, value in
                        {"video": video["id"], "filename": clip.name}.items())
    size = clip.stat().st_size
    answer = session.post(video["upload_url"], timeout=30, headers={
        **tus, "Upload-Length": str(size), "Upload-Metadata": metadata})
    if answer.status_code != 201:
        raise RuntimeError(f"tus creation refused: {answer.status_code} {answer.text[:300]}")
    location, offset = urljoin(video["upload_url"], answer.headers["Location"]), 0
    with open(clip, "rb") as source:
        while offset < size:
            answer = session.patch(location, data=source.read(CHUNK), timeout=300, headers={
                **tus, "Upload-Offset": str(offset),
                "Content-Type": "application/offset+octet-stream"})
            if answer.status_code != 204:
                raise RuntimeError(f"PATCH at {offset} refused: {answer.status_code} "
                                   f"{answer.text[:300]}")
            offset = int(answer.headers["Upload-Offset"])
    return video["id"], time.monotonic()


def wait_ready(session: requests.Session, api: str, ids: list[str]) -> dict[str, float]:
    """Poll each unfinished video until all are ready; returns when each was seen ready."""
    ready: dict[str, float] = {}
    deadline = time.monotonic() + ROUND_TIMEOUT_SECONDS
    while len(ready) < len(ids):
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {len(ready)} of {len(ids)} videos ready in time")
        for public_id in ids:
            if public_id in ready:
                continue
            answer = session.get(f"{api}/videos/{public_id}", timeout=30)
            answer.raise_for_status()
            video = answer.json()
            if video["status"] == "ready":
                ready[public_id] = time.monotonic()
                master = session.get(video["media"]["hls"], timeout=30)
                if master.status_code != 200 or not master.text.startswith("#EXTM3U"):
                    raise RuntimeError(f"{public_id} is ready but its master playlist answers "
                                       f"{master.status_code}")
            elif video["status"] == "failed":
                raise RuntimeError(f"{public_id} failed: {video['status_message']}")
        time.sleep(POLL_SECONDS)
    return ready


def flush(url: str) -> None:
    """Empty the broker's Redis database: messages, backlog counts, rate-limit windows."""
    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()


def run_round(count: int, args, env, folder: Path, session, api: str, clip: Path) -> dict:
    flush(env["CELERY_BROKER_URL"])  # nothing left from an earlier round
    with workers(count, env, folder / f"round-{count}"):
        started = time.monotonic()
        uploaded = [upload(session, api, clip, f"Queue bench {count}w #{n + 1}")
                    for n in range(args.uploads)]
        ready = wait_ready(session, api, [public_id for public_id, _done in uploaded])
        # Workers stop when the block ends: the round's figures are all taken by then.
    wall = max(ready.values()) - started
    latencies = [ready[public_id] - done for public_id, done in uploaded]
    return {
        "wall_s": round(wall, 2),
        "upload_s": round(uploaded[-1][1] - started, 2),
        "throughput_videos_per_min": round(args.uploads * 60 / wall, 2),
        "clip_seconds_per_wall_second": round(args.uploads * args.duration / wall, 3),
        "median_latency_s": round(statistics.median(latencies), 2),
        "max_latency_s": round(max(latencies), 2),
    }


# -- main ----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploads", type=int, default=6, help="videos per round")
    parser.add_argument("--duration", type=float, default=8, help="clip seconds")
    parser.add_argument("--size", type=parse_size, default=(1280, 720), help="clip WxH")
    args = parser.parse_args()
    if args.uploads < 1:
        parser.error("--uploads must be at least 1")
    with scratch("bench-queue-") as (folder, database_url):
        figures = run(args, folder, database_url)
    print(json.dumps(figures))


def run(args, folder: Path, database_url: str) -> dict:
    port = free_port()
    broker = os.environ.get("CELERY_BROKER_URL", DEFAULT_BROKER)
    env = {key: value for key, value in os.environ.items()
           if key not in ("STORAGE_URL", "MEDIA_BASE_URL", "S3_ENDPOINT_URL")}
    env.update({
        "DATABASE_URL": database_url,
        "CAREERS_TV_INSTANCE": str(folder / "instance"),
        "STORAGE_URL": (folder / "media").as_uri(),
        "SECRET_KEY": "bench-secret-not-for-production",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "CELERY_BROKER_URL": broker,
        "RATELIMIT_STORAGE_URI": broker,  # flushed with it: one database to clean
        "API_TOKEN_RATE_LIMIT": "100000 per minute",  # the poller is not what is measured
    })
    secret = prepare_app(env)
    width, height = args.size
    log(f"making a {args.duration:g} s {width}x{height} clip...")
    clip = make_landscape(folder, duration=args.duration, size=args.size, name="clip.mp4")
    log(f"clip: {clip.stat().st_size / 1e6:.1f} MB; {args.uploads} uploads per round, "
        f"{os.cpu_count()} cores")
    api = f"http://127.0.0.1:{port}/api/v1"
    rounds = {}
    with ExitStack() as stack:
        stack.callback(flush, broker)  # last, once gunicorn and the workers are stopped
        stack.enter_context(gunicorn("app:app", env, folder / "gunicorn.log", port=port,
                                     threads=4, timeout=300))
        session = stack.enter_context(requests.Session())
        session.headers["Authorization"] = f"Bearer {secret}"
        # One video through everything first, not counted: gunicorn's first requests and the
        # first ffmpeg run pay imports and cold caches, which would count against round 1 only.
        log("warm-up: one video, one worker...")
        with workers(1, env, folder / "warm-up"):
            public_id, _done = upload(session, api, clip, "Queue bench warm-up")
            wait_ready(session, api, [public_id])
        for count in (1, 2):
            log(f"round: {count} worker{'s' if count > 1 else ''}...")
            rounds[count] = run_round(count, args, env, folder, session, api, clip)
    one, two = rounds[1], rounds[2]
    log(f"{'':<10} {'wall s':>8} {'upload s':>9} {'videos/min':>11} {'clip-s/s':>9} "
        f"{'median lat s':>13} {'max lat s':>10}")
    for count, figures in rounds.items():
        log(f"{f'{count} worker' + ('s' if count > 1 else ''):<10} {figures['wall_s']:>8.1f} "
            f"{figures['upload_s']:>9.1f} {figures['throughput_videos_per_min']:>11.2f} "
            f"{figures['clip_seconds_per_wall_second']:>9.3f} "
            f"{figures['median_latency_s']:>13.1f} {figures['max_latency_s']:>10.1f}")
    throughput_ratio = two["throughput_videos_per_min"] / one["throughput_videos_per_min"]
    latency_ratio = two["median_latency_s"] / one["median_latency_s"]
    log(f"2 workers vs 1: throughput x{throughput_ratio:.2f}, median latency x{latency_ratio:.2f}")
    return {
        "uploads": args.uploads,
        "clip_seconds": args.duration,
        "clip_size": f"{width}x{height}",
        "cores": os.cpu_count(),
        "workers_1": one,
        "workers_2": two,
        "throughput_ratio_2_vs_1": round(throughput_ratio, 3),
        "median_latency_ratio_2_vs_1": round(latency_ratio, 3),
    }


if __name__ == "__main__":
    main()
