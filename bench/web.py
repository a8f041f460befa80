"""How fast are the public pages, against a bare Flask endpoint served the same way?

Usage: python bench/web.py [--seconds 10] [--connections 32] [--videos 50]

Sets up its own PostgreSQL database (dropped at the end) and a scratch folder (removed) with
the four channels and `--videos` published videos (tags, renditions, captions, media files in
local storage), then serves two apps under gunicorn, each with `--workers 2 --threads 4`
(gthread workers; no access log):
  bare     bench/bare_app.py: one Flask route answering "ok"
  app      the platform (`app:app`), PostgreSQL and local storage
and drives each target for `--seconds` after a 2 s warm-up, with `--connections` keep-alive
connections, each sending its next request as soon as the previous answer has been read:
  bare     GET /                               on the bare app (before and after the others;
                                               the ratios use the mean of the two runs)
  channel  GET /channels/temoignages
  watch    GET /videos/<public_id>             (falls back to /feed.xml if that is a 404)
  feed     GET /feed.xml
The client is a small HTTP/1.1 client on asyncio's streams (stdlib) in this process, on the
same machine: it competes with the server for the CPU, as any local load generator does, so
its CPU share is printed, and so is the server's CPU time per request (the steadier figure
on a busy machine). Latency is from sending a request to having read all of its answer.
Human lines on stderr; the last stdout line is one JSON object of the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))  # `python bench/web.py`

from harness import free_port, gunicorn, log, scratch  # noqa: E402

WORKERS, THREADS = 2, 4
WARM_UP_SECONDS = 2.0


# -- setup ---------------------------------------------------------------------------------


# Where the videos go: most in the channel the bench reads, some in every other one.
CHANNEL_SHARE = {"temoignages": 0.6, "sogelive": 0.2, "mission-handicap": 0.1, "corporate": 0.1}
TAGS = [("finance", "Finance"), ("it", "IT & Data"), ("paris", "Paris"),
        ("alternance", "Alternance"), ("risques", "Risques")]
WEBVTT = "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\nBonjour et bienvenue.\n"


def prepare_app(env: dict[str, str], count: int) -> str:
    """Schema, channels and `count` published videos; returns the watch page's public id."""
    os.environ.update(env)
    from datetime import timedelta
    from io import BytesIO

    from flask_migrate import upgrade

    from careers_tv import create_app
    from careers_tv.clock import utcnow
    from careers_tv.extensions import db
    from careers_tv.models import Caption, Rendition, Tag, VideoStatus
    from careers_tv.services import videos as video_service
    from careers_tv.services.channels import get_channel, seed_channels
    from careers_tv.storage import get_storage

    app = create_app()
    with app.app_context():
        upgrade()
        seed_channels()
        storage = get_storage()
        tags = [Tag(slug=slug, label=label) for slug, label in TAGS]
        db.session.add_all(tags)
        slugs = [slug for slug, share in CHANNEL_SHARE.items() for _ in range(round(share * count))]
        now = utcnow()
        videos = []
        for n, slug in enumerate((slugs + ["temoignages"] * count)[:count]):
            video = video_service.create_video(
                get_channel(slug), f"Témoignage n°{n + 1} : un métier, un parcours",
                description="Une collaboratrice raconte son métier, son équipe et ce qui l'a "
                            "fait choisir la banque. " * 3,
                speaker_name=f"Camille {n + 1}", speaker_title="Analyste risques",
                language="fr", country="FR")
            for status in (VideoStatus.QUEUED, VideoStatus.PROCESSING, VideoStatus.READY,
                           VideoStatus.PUBLISHED):
                video.transition(status)
            prefix = f"videos/{video.public_id}/v1-bench/"
            video.media_prefix, video.media_version = prefix, 1
            video.poster_key = f"{prefix}poster.jpg"
            video.width, video.height, video.duration_seconds = 1920, 1080, 95.0 + n
            video.published_at = now - timedelta(hours=n)
            video.tags = [tags[n % len(tags)], tags[(n + 2) % len(tags)]]
            for name, width, height, bandwidth in ((1080, 1920, 1080, 5_000_000),
                                                   (720, 1280, 720, 2_800_000),
                                                   (480, 854, 480, 1_400_000),
                                                   (360, 640, 360, 800_000)):
                db.session.add(Rendition(video=video, name=f"{name}p", width=width,
                                         height=height, bandwidth=bandwidth,
                                         codecs="avc1.640028,mp4a.40.2",
                                         playlist_key=f"{prefix}{name}p/index.m3u8"))
            for language, label in (("fr", "Français"), ("en", "English")):
                key = f"videos/{video.public_id}/captions/{language}-bench.vtt"
                storage.put_stream(key, BytesIO(WEBVTT.encode()))
                db.session.add(Caption(video=video, language=language, label=label,
                                       storage_key=key))
            storage.put_stream(f"{prefix}master.m3u8", BytesIO(b"#EXTM3U\n"))
            storage.put_stream(video.poster_key, BytesIO(b"\xff\xd8\xff\xd9"))
            videos.append(video)
        db.session.commit()
        watched = videos[0].public_id  # the newest of the channel the bench reads
        db.session.remove()
        db.engine.dispose()  # the bench process keeps no connection to the database it drops
        return watched


# -- the load ------------------------------------------------------------------------------


class Closed(Exception):
    """The server closed the connection: open another."""


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one whole answer; returns its status and whether the server will close."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        raise Closed from exc
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        name, _sep, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return status, headers.get("connection", "").lower() == "close"


async def connection(port: int, path: str, until: float, latencies: list[float],
                     statuses: dict[int, int]) -> None:
    request = (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
               "Accept: text/html,application/xhtml+xml,*/*\r\n\r\n").encode()
    reader = writer = None
    while time.perf_counter() < until:
        if writer is None:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        started = time.perf_counter()
        writer.write(request)
        try:
            status, closing = await read_response(reader)
        except Closed:
            writer.close()
            writer = None
            continue
        latencies.append(time.perf_counter() - started)
        statuses[status] = statuses.get(status, 0) + 1
        if closing:
            writer.close()
            writer = None
    if writer is not None:
        writer.close()


async def drive(port: int, path: str, seconds: float, connections: int):
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    until = time.perf_counter() + seconds
    started = time.perf_counter()
    await asyncio.gather(*(connection(port, path, until, latencies, statuses)
                           for _ in range(connections)))
    return latencies, statuses, time.perf_counter() - started


@dataclass
class Result:
    name: str
    path: str
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    server_cpu_ms_per_request: float
    client_cpu_share: float
    statuses: dict[int, int]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


def server_cpu(server: subprocess.Popen) -> float:
    """CPU seconds used so far by the gunicorn master and its workers."""
    total = 0.0
    for process in [psutil.Process(server.pid), *psutil.Process(server.pid).children()]:
        times = process.cpu_times()
        total += times.user + times.system
    return total


def measure(name: str, server: subprocess.Popen, port: int, path: str, seconds: float,
            connections: int) -> Result:
    asyncio.run(drive(port, path, WARM_UP_SECONDS, connections))  # imports, pools, templates
    cpu_before, client_before = server_cpu(server), time.process_time()
    latencies, statuses, elapsed = asyncio.run(drive(port, path, seconds, connections))
    server_seconds = server_cpu(server) - cpu_before
    client_seconds = time.process_time() - client_before
    if set(statuses) != {200}:
        raise RuntimeError(f"{name} {path} answered {statuses}, not only 200")
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    result = Result(name, path, len(latencies), elapsed, cuts[49] * 1000, cuts[98] * 1000,
                    server_seconds / len(latencies) * 1000, client_seconds / elapsed, statuses)
    log(f"{name:8} {path:32} {result.rps:8.0f} req/s  p50 {result.p50_ms:6.1f} ms  "
        f"p99 {result.p99_ms:6.1f} ms  server {result.server_cpu_ms_per_request:5.2f} "
        f"CPU-ms/req  client CPU {result.client_cpu_share:4.0%}")
    return result


def status_of(port: int, path: str) -> int:
    async def once() -> int:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                     .encode())
        status, _closing = await read_response(reader)
        writer.close()
        return status
    return asyncio.run(once())


# -- main ----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="measured time per target")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--videos", type=int, default=50, help="published videos to create")
    args = parser.parse_args()
    with scratch("bench-web-") as (folder, database_url):
        figures = run(args, folder, database_url)
    print(json.dumps(figures))


def run(args, scratch: Path, database_url: str) -> dict:
    env = {key: value for key, value in os.environ.items()
           if key not in ("CELERY_BROKER_URL", "STORAGE_URL", "MEDIA_BASE_URL",
                          "RATELIMIT_STORAGE_URI")}
    app_port = free_port()  # PUBLIC_BASE_URL must name it before the app is built
    env.update({
        "DATABASE_URL": database_url,
        "CAREERS_TV_INSTANCE": str(scratch / "instance"),  # the embedded broker goes here
        "STORAGE_URL": (scratch / "media").as_uri(),
        "SECRET_KEY": "bench-secret-not-for-production",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{app_port}",
    })
    log(f"creating {args.videos} published videos...")
    watched = prepare_app(env, args.videos)
    log(f"gunicorn --workers {WORKERS} --threads {THREADS}, {args.connections} connections, "
        f"{args.seconds:g} s per target after a {WARM_UP_SECONDS:g} s warm-up")
    results: dict[str, Result] = {}
    bare_port, port = free_port(), app_port
    served = {"workers": WORKERS, "threads": THREADS}
    with gunicorn("bare_app:app", env, scratch / "bare.log", port=bare_port, cwd=BENCH,
                  **served) as bare, \
            gunicorn("app:app", env, scratch / "app.log", port=port, **served) as app:
        watch_path = f"/videos/{watched}"
        if status_of(port, watch_path) == 404:
            log(f"{watch_path} is a 404 here: measuring /feed.xml as the second page")
            watch_path = "/feed.xml"
        plan = [("bare", bare, bare_port, "/"), ("channel", app, port, "/channels/temoignages"),
                ("watch", app, port, watch_path), ("feed", app, port, "/feed.xml"),
                ("bare2", bare, bare_port, "/")]
        for name, server, server_port, path in plan:
            results[name] = measure(name, server, server_port, path, args.seconds,
                                    args.connections)
    bare_rps = (results["bare"].rps + results["bare2"].rps) / 2
    bare_p99 = (results["bare"].p99_ms + results["bare2"].p99_ms) / 2
    figures = {
        "workers": WORKERS, "threads": THREADS, "connections": args.connections,
        "seconds": args.seconds, "videos": args.videos,
        "bare_rps": round(bare_rps, 1), "bare_p99_ms": round(bare_p99, 2),
        "bare_rps_runs": [round(results["bare"].rps, 1), round(results["bare2"].rps, 1)],
        "bare_server_cpu_ms_per_request": round(
            (results["bare"].server_cpu_ms_per_request
             + results["bare2"].server_cpu_ms_per_request) / 2, 3),
        "watch_path": "feed" if watch_path == "/feed.xml" else "watch",
    }
    for name in ("channel", "watch", "feed"):
        result = results[name]
        figures.update({
            f"{name}_rps": round(result.rps, 1),
            f"{name}_rps_ratio": round(result.rps / bare_rps, 3),
            f"{name}_p50_ms": round(result.p50_ms, 2),
            f"{name}_p99_ms": round(result.p99_ms, 2),
            f"{name}_p99_ratio": round(result.p99_ms / bare_p99, 2),
            f"{name}_server_cpu_ms_per_request": round(result.server_cpu_ms_per_request, 3),
        })
    for name in ("channel", "watch", "feed"):
        log(f"{name}: {figures[f'{name}_rps_ratio']:.3f}x the bare endpoint's requests/s, "
            f"p99 {figures[f'{name}_p99_ratio']:.1f}x")
    return figures


if __name__ == "__main__":
    main()
