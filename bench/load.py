"""Do the public pages and the API keep answering, and how fast, while a video transcodes?

Usage: python bench/load.py [--rate 40] [--seconds 30] [--timeout 10] [--videos 200]
                            [--clip-seconds 60] [--web-concurrency 3] [--redis-url URL]

Sets up its own PostgreSQL database (dropped at the end) and a scratch folder (removed) with
the four channels and `--videos` published videos (tags, speakers, renditions, captions; local
storage in the scratch folder), and makes one 1080p30 clip with ffmpeg (`--clip-seconds`,
at least twice `--seconds`: it must outlast the measured phase). Serves the app as production
does, `gunicorn -c deploy/gunicorn.conf.py` (gthread, 8 threads, access log on), with
`WEB_CONCURRENCY` = `--web-concurrency` and the API rate limits raised out of the way, so the
figures are the app's, not the limiter's. Redis (`--redis-url`, default database 11: flushed
before and after) is the broker and the rate-limit store.

The load is open-loop, at a fixed arrival rate: request n is due at start + n / `--rate` and
is sent then, whether or not the earlier ones have been answered (a thread per request in
flight), so a slow server meets more concurrent requests, as it would from real viewers.
Latency is measured from the moment a request was due to the moment its whole answer was
read, so any wait (in the server's queues, or for a client thread) counts: no coordinated
omission. The mix, ~70 % public pages and ~30 % API reads, over random existing videos,
channels and search words (the same sequence in both phases):
  public  / 8, /channels/<slug> 10, /videos/<id> 30, /embed/<id> 10, /search?q= 8,
          /channels/<slug>/feed.xml 3, /sitemap.xml 1
  api     /api/v1/channels 5, /api/v1/channels/<slug>/videos 10, /api/v1/videos/<id> 10,
          /api/v1/search?q= 5
An error is any status other than 2xx or 304 (redirects are not followed), a transport error,
or an answer that took longer than `--timeout` since it was due.

Two phases, `--seconds` each, after a 3 s warm-up that is not counted:
  baseline    the load alone
  transcode   the same load while a real transcode runs on the same machine: a Celery worker
              on queues transcode,transcode_long,default (concurrency 1), started under
              `nice -n 10` as deploy/systemd/careers-tv-transcode.service starts it; the clip
              is staged and queued the way an upload is (services.videos). The phase starts
              once the video is `processing` and the ffmpeg writing its HLS ladder has used a
              CPU second; afterwards the bench checks that this ffmpeg is still running
              (`transcode_overlapped`) and how much CPU it used meanwhile. The worker is then
              stopped (the unfinished transcode with it).

How to read it: a table per phase and route group on stderr (requests, error rate, p50, p95,
p99 and max latency in ms, achieved rate), then the slowest routes by p99. The ratios compare
p99 under transcode with the baseline's; on a 2-core machine ffmpeg would take both cores if
it could, so what keeps the ratio near 1 is the worker's lower priority (the web workers are
not niced). `client_max_lag_ms` is how late the bench itself sent a request: if it is large,
the load generator was starved and the latencies overstate the server's. Other load on the
machine shows in the figures: run it on an otherwise idle one.

Exit status: 0 if the public pages had no error under transcode (the promise of issue 9),
1 if they had any, 2 if the transcode did not overlap the whole measured phase (the
measurement says nothing then). Human lines on stderr; the last stdout line is one JSON object
of the figures.
"""
# ruff: noqa: E402 (sys.path is fixed before the imports below, see there)

from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
# The repository's root first: the benches are imported as `bench.…`, the clips from tests/.
sys.path.insert(0, str(BENCH.parent))

import argparse
import json
import math
import os
import random
import signal
import statistics
import subprocess
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

import psutil
import redis
import requests

from bench.harness import ROOT, free_port, gunicorn, log, scratch
from tests.media import make_landscape

DEFAULT_REDIS = "redis://127.0.0.1:6379/11"
QUEUES = "transcode,transcode_long,default"
WARM_UP_SECONDS = 3.0
SEED = 9  # the same request sequence on every run and in both phases
UNLIMITED = "1000000 per minute"

# -- data ----------------------------------------------------------------------------------

CHANNEL_SHARE = {"temoignages": 0.45, "sogelive": 0.25, "mission-handicap": 0.15,
                 "corporate": 0.15}
TAGS = [("finance", "Finance"), ("it", "IT & Data"), ("paris", "Paris"),
        ("alternance", "Alternance"), ("risques", "Risques"), ("marketing", "Marketing"),
        ("international", "International"), ("handicap", "Handicap")]
FIRST_NAMES = ["Camille", "Inès", "Thomas", "Léa", "Karim", "Sophie", "Hugo", "Aïcha", "Julien",
               "Manon", "Yanis", "Chloé", "Mehdi", "Claire", "Antoine", "Sarah"]
LAST_NAMES = ["Martin", "Bernard", "Dubois", "Nguyen", "Moreau", "Laurent", "Haddad", "Petit",
              "Garnier", "Rousseau", "Fontaine", "Chevalier"]
ROLES = ["Analyste risques", "Développeuse Python", "Chargé de clientèle", "Data scientist",
         "Auditrice interne", "Trader", "Juriste", "Responsable RH", "Ingénieur cloud",
         "Alternante en marketing", "Gestionnaire de patrimoine", "Product owner"]
CITIES = ["Paris", "La Défense", "Lyon", "Marseille", "Lille", "Montréal", "Bangalore", "Prague"]
EVENTS = ["Sogelive : rencontre avec les équipes", "Forum alternance", "Nuit de la data",
          "Semaine du handicap", "Conférence finance durable", "Journée portes ouvertes"]
SEARCHES = ["analyste", "data", "paris", "alternance", "cloud", "risques", "marketing",
            "camille", "juriste", "dév", "forum", "finance durable", "lyon", "xylophone"]
WEBVTT = ("WEBVTT\n\n00:00:01.000 --> 00:00:04.000\nBonjour, je travaille ici depuis {years} "
          "ans.\n\n00:00:04.500 --> 00:00:08.000\nCe qui me plaît, c'est l'équipe.\n")


def prepare_app(env: dict[str, str], count: int):
    """Schema, channels and `count` published videos; returns the app (used again to queue
    the transcode and follow it), the public ids and the channel slugs."""
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

    rng = random.Random(SEED)
    app = create_app()
    with app.app_context():
        upgrade()
        seed_channels()
        storage = get_storage()
        tags = [Tag(slug=slug, label=label) for slug, label in TAGS]
        db.session.add_all(tags)
        slugs = list(CHANNEL_SHARE)
        weights = list(CHANNEL_SHARE.values())
        now = utcnow()
        public_ids = []
        for n in range(count):
            slug = rng.choices(slugs, weights)[0]
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            role, city = rng.choice(ROLES), rng.choice(CITIES)
            title = (f"{rng.choice(EVENTS)} à {city}" if slug == "sogelive"
                     else f"{name}, {role.lower()} à {city}")
            video = video_service.create_video(
                get_channel(slug), title,
                description=(f"{name} raconte son métier de {role.lower()}, son équipe à "
                             f"{city} et ce qui l'a fait choisir la banque. ") * 2,
                speaker_name=name, speaker_title=role,
                language="en" if n % 7 == 0 else "fr", country="FR")
            for status in (VideoStatus.QUEUED, VideoStatus.PROCESSING, VideoStatus.READY,
                           VideoStatus.PUBLISHED):
                video.transition(status)
            prefix = f"videos/{video.public_id}/v1-bench/"
            video.media_prefix, video.media_version = prefix, 1
            video.poster_key = f"{prefix}poster.jpg"
            video.width, video.height = 1920, 1080
            video.duration_seconds = float(rng.randint(45, 900))
            video.published_at = now - timedelta(hours=n * 20 + rng.randint(0, 19))
            video.tags = rng.sample(tags, rng.randint(1, 3))
            for height, width, bandwidth in ((1080, 1920, 5_000_000), (720, 1280, 2_800_000),
                                             (480, 854, 1_400_000), (360, 640, 800_000)):
                db.session.add(Rendition(video=video, name=f"{height}p", width=width,
                                         height=height, bandwidth=bandwidth,
                                         codecs="avc1.640028,mp4a.40.2",
                                         playlist_key=f"{prefix}{height}p/index.m3u8"))
            languages = (("fr", "Français"), ("en", "English"))[:rng.randint(0, 2)]
            for language, label in languages:
                key = f"videos/{video.public_id}/captions/{language}-bench.vtt"
                storage.put_stream(key, BytesIO(WEBVTT.format(years=n % 20 + 1).encode()))
                db.session.add(Caption(video=video, language=language, label=label,
                                       storage_key=key))
            storage.put_stream(f"{prefix}master.m3u8", BytesIO(b"#EXTM3U\n"))
            storage.put_stream(video.poster_key, BytesIO(b"\xff\xd8\xff\xd9"))
            public_ids.append(video.public_id)
        db.session.commit()
        db.session.remove()
    return app, public_ids, slugs


# -- the requests --------------------------------------------------------------------------

# (group, route, path template, weight)
MIX = [
    ("public", "home", "/", 8),
    ("public", "channel", "/channels/{slug}", 10),
    ("public", "watch", "/videos/{id}", 30),
    ("public", "embed", "/embed/{id}", 10),
    ("public", "search", "/search?q={q}", 8),
    ("public", "channel_feed", "/channels/{slug}/feed.xml", 3),
    ("public", "sitemap", "/sitemap.xml", 1),
    ("api", "api_channels", "/api/v1/channels", 5),
    ("api", "api_channel_videos", "/api/v1/channels/{slug}/videos", 10),
    ("api", "api_video", "/api/v1/videos/{id}", 10),
    ("api", "api_search", "/api/v1/search?q={q}", 5),
]
GROUPS = ("public", "api")


def request_plan(count: int, public_ids: list[str], slugs: list[str]) -> list[tuple[str, ...]]:
    """`count` (group, route, path) picks from MIX, the same for the same arguments."""
    rng = random.Random(SEED)
    picks = rng.choices(MIX, [weight for *_rest, weight in MIX], k=count)
    return [(group, route, template.format(slug=rng.choice(slugs), id=rng.choice(public_ids),
                                           q=requests.utils.quote(rng.choice(SEARCHES))))
            for group, route, template, _weight in picks]


@dataclass
class Sample:
    group: str
    route: str
    latency: float  # seconds from when it was due to the end of its answer
    error: str | None


def fetch(session: requests.Session, url: str, timeout: float) -> str | None:
    """The error, or None for an answer the bench counts as served."""
    try:
        response = session.get(url, timeout=timeout, allow_redirects=False)
    except requests.RequestException as exc:
        return type(exc).__name__
    if 200 <= response.status_code < 300 or response.status_code == 304:
        return None
    return f"HTTP {response.status_code}"


def drive(base: str, plan: list[tuple[str, ...]], rate: float,
          timeout: float) -> tuple[list[Sample], float, float]:
    """Send `plan` open-loop at `rate`; returns the samples, the wall time from the first due
    time to the last answer, and how late (s) the bench sent its latest request."""
    local = threading.local()
    lag = 0.0

    def one(due: float, group: str, route: str, path: str) -> Sample:
        session = getattr(local, "session", None)
        if session is None:  # keep-alive per thread, as a browser keeps its connection
            session = local.session = requests.Session()
        error = fetch(session, base + path, timeout)
        latency = time.perf_counter() - due
        if error is None and latency > timeout:
            error = "Timeout"
        return Sample(group, route, latency, error)

    # Enough threads for every request that could be in flight at once before timing out.
    with ThreadPoolExecutor(max_workers=math.ceil(rate * timeout) + 16) as pool:
        start = time.perf_counter() + 0.1
        futures = []
        for n, item in enumerate(plan):
            due = start + n / rate
            wait = due - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            else:
                lag = max(lag, -wait)
            futures.append(pool.submit(one, due, *item))
        samples = [future.result() for future in futures]
    return samples, time.perf_counter() - start, lag


def smoke(base: str, plan: list[tuple[str, ...]]) -> None:
    """Every route answers once before anything is measured: a 404 here is the bench's bug."""
    seen = {}
    for group, route, path in plan:
        seen.setdefault(route, (group, path))
    with requests.Session() as session:
        for route, (_group, path) in seen.items():
            error = fetch(session, base + path, 30)
            if error is not None:
                raise RuntimeError(f"{route} {path}: {error}")


# -- figures -------------------------------------------------------------------------------


def summarise(samples: list[Sample], seconds: float) -> dict:
    latencies = sorted(sample.latency * 1000 for sample in samples)
    errors = [sample.error for sample in samples if sample.error is not None]
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    kinds: dict[str, int] = defaultdict(int)
    for error in errors:
        kinds[error] += 1
    return {"requests": len(samples), "errors": len(errors),
            "error_rate": round(len(errors) / len(samples), 5), "error_kinds": dict(kinds),
            "p50_ms": round(cuts[49], 1), "p95_ms": round(cuts[94], 1),
            "p99_ms": round(cuts[98], 1), "max_ms": round(latencies[-1], 1),
            "achieved_rps": round((len(samples) - len(errors)) / seconds, 1)}


def report(phase: str, samples: list[Sample], seconds: float) -> dict:
    figures = {group: summarise([s for s in samples if s.group == group], seconds)
               for group in GROUPS}
    figures["all"] = summarise(samples, seconds)
    for group in (*GROUPS, "all"):
        row = figures[group]
        log(f"{phase:10} {group:7} {row['requests']:6d} {row['error_rate']:8.2%} "
            f"{row['p50_ms']:8.1f} {row['p95_ms']:8.1f} {row['p99_ms']:8.1f} "
            f"{row['max_ms']:8.1f} {row['achieved_rps']:8.1f}"
            + (f"  {row['error_kinds']}" if row["errors"] else ""))
    by_route: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        by_route[sample.route].append(sample)
    routes = {route: summarise(items, seconds) for route, items in by_route.items()
              if len(items) >= 5}
    slowest = sorted(routes.items(), key=lambda item: -item[1]["p99_ms"])[:4]
    log(f"{'':10} slowest p99: " + ", ".join(f"{route} {row['p99_ms']:.0f} ms"
                                           for route, row in slowest))
    figures["routes_p99_ms"] = {route: row["p99_ms"] for route, row in sorted(routes.items())}
    return figures


HEADER = (f"{'phase':10} {'group':7} {'requests':>6} {'errors':>8} {'p50 ms':>8} {'p95 ms':>8} "
          f"{'p99 ms':>8} {'max ms':>8} {'req/s':>8}")


# -- the transcode -------------------------------------------------------------------------


@contextmanager
def transcode_worker(env: dict[str, str], folder: Path):
    """One Celery worker, niced as in production, ready, until the block ends; yields it."""
    (folder / "tmp").mkdir(parents=True)
    log_path = folder / "worker.log"
    command = ["nice", "-n", "10", sys.executable, "-m", "celery", "-A",
               "careers_tv.worker", "worker", "-n", "load-bench@%h", "-Q", QUEUES,
               "--concurrency", "1", "--pool", "prefork", "--loglevel", "INFO",
               "--without-gossip", "--without-mingle", "--without-heartbeat"]
    with open(log_path, "wb") as out:
        # Its own session: Ctrl-C reaches the bench only, which stops it below.
        worker = subprocess.Popen(command, cwd=ROOT, env={**env, "TMPDIR": str(folder / "tmp")},
                                  stdin=subprocess.DEVNULL, stdout=out,
                                  stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while b"ready." not in log_path.read_bytes():
            if worker.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the worker did not start:\n"
                                   + log_path.read_text(errors="replace")[-3000:])
            time.sleep(0.1)
        yield worker
    finally:
        # The clip's transcode is not needed past the phase: SIGTERM reaches ffmpeg too (same
        # process group), which ends the job and lets the worker leave at once.
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait()


def ladder_process(worker: subprocess.Popen) -> psutil.Process | None:
    """The worker's ffmpeg writing the HLS ladder (not the probe, poster or X clip), if any."""
    try:
        children = psutil.Process(worker.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return None
    for child in children:
        try:
            if child.name() == "ffmpeg" and "hls" in child.cmdline():
                return child
        except psutil.NoSuchProcess:
            continue
    return None


def cpu_seconds(process: psutil.Process) -> float | None:
    try:
        times = process.cpu_times()
    except psutil.NoSuchProcess:
        return None
    return times.user + times.system


def video_state(app, video_id: int) -> tuple[str, int, str | None]:
    from careers_tv.extensions import db
    from careers_tv.models import Video

    with app.app_context():
        video = db.session.get(Video, video_id)
        state = (video.status.value, video.progress, video.status_text)
        db.session.remove()
        return state


def queue_clip(app, clip: Path) -> int:
    """Stage the clip and queue its transcode, as an upload does; returns the video's id."""
    from careers_tv.extensions import db
    from careers_tv.services import videos as video_service
    from careers_tv.services.channels import get_channel

    with app.app_context():
        video = video_service.create_video(get_channel("sogelive"), "Replay : bench de charge")
        video_service.stage_original(video, clip)
        video_service.queue_transcode(video)
        db.session.commit()  # the job is sent after this commit
        video_id = video.id
        db.session.remove()
        return video_id


def wait_until_encoding(app, video_id: int, worker: subprocess.Popen,
                        timeout: float = 180) -> psutil.Process:
    """Until the video is `processing` and its ladder's ffmpeg has been encoding for a CPU
    second (past its start-up); returns that ffmpeg. Not the stored progress: ffmpeg reports
    none while the storyboard's first sheet is unfilled (200 s of video), so a clip shorter
    than that stays at 0 % until its ladder is done."""
    deadline = time.monotonic() + timeout
    while True:
        status, progress, message = video_state(app, video_id)
        ladder = ladder_process(worker) if status == "processing" else None
        if ladder is not None and (cpu_seconds(ladder) or 0) >= 1:
            return ladder
        if status in ("failed", "ready") or time.monotonic() > deadline:
            raise RuntimeError(f"the transcode is {status} ({progress} %, {message}) "
                               "before the phase could start")
        time.sleep(0.2)


# -- main ----------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=40.0, help="requests per second")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each phase")
    parser.add_argument("--timeout", type=float, default=10.0,
                        help="an answer later than this (s) is an error")
    parser.add_argument("--videos", type=int, default=200, help="published videos to create")
    parser.add_argument("--clip-seconds", type=float, default=None,
                        help="the transcoded clip's length (default max(60, 2 x --seconds))")
    parser.add_argument("--web-concurrency", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--redis-url", default=DEFAULT_REDIS,
                        help="broker and rate-limit store; this database is flushed")
    args = parser.parse_args()
    if args.clip_seconds is None:
        args.clip_seconds = max(60.0, 2 * args.seconds)
    broker = redis.Redis.from_url(args.redis_url)
    broker.flushdb()
    try:
        with scratch("bench-load-") as (folder, database_url):
            figures = run(args, folder, database_url)
    finally:
        broker.flushdb()
        broker.close()
    print(json.dumps(figures))
    if not figures["transcode_overlapped"]:
        log("the transcode did not run through the whole phase: try a longer --clip-seconds")
        return 2
    return 1 if figures["public_errors_under_transcode"] else 0


def run(args, folder: Path, database_url: str) -> dict:
    # Nothing of the caller's deployment: no bucket, no CDN, no X credentials.
    env = {key: value for key, value in os.environ.items()
           if key not in ("STORAGE_URL", "MEDIA_BASE_URL", "S3_ENDPOINT_URL",
                          "PROMETHEUS_MULTIPROC_DIR") and not key.startswith("X_")}
    port = free_port()  # PUBLIC_BASE_URL must name it before the app is built
    env.update({
        "DATABASE_URL": database_url,
        "CAREERS_TV_INSTANCE": str(folder / "instance"),
        "STORAGE_URL": (folder / "media").as_uri(),
        "SECRET_KEY": "bench-secret-not-for-production",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "CELERY_BROKER_URL": args.redis_url,
        "RATELIMIT_STORAGE_URI": args.redis_url,
        "API_RATE_LIMIT": UNLIMITED,
        "API_TOKEN_RATE_LIMIT": UNLIMITED,
        "WEB_CONCURRENCY": str(args.web_concurrency),
        "BIND": f"127.0.0.1:{port}",
    })
    log(f"creating {args.videos} published videos...")
    app, public_ids, slugs = prepare_app(env, args.videos)
    log(f"making a {args.clip_seconds:g} s 1080p30 clip...")
    started = time.monotonic()
    clip = make_landscape(folder, duration=args.clip_seconds, size=(1920, 1080),
                          name="clip.mp4")
    log(f"  made in {time.monotonic() - started:.0f} s")

    count = round(args.rate * args.seconds)
    plan = request_plan(count, public_ids, slugs)
    base = f"http://127.0.0.1:{port}"
    figures: dict = {"rate": args.rate, "seconds": args.seconds, "timeout_s": args.timeout,
                     "videos": args.videos, "web_concurrency": args.web_concurrency,
                     "threads": 8, "cpus": os.cpu_count(), "clip_seconds": args.clip_seconds}
    with gunicorn("app:app", env, folder / "gunicorn.log", port=port,
                  config=ROOT / "deploy" / "gunicorn.conf.py"):
        smoke(base, plan)
        warm = request_plan(round(args.rate * WARM_UP_SECONDS), public_ids[::-1], slugs)
        drive(base, warm, args.rate, args.timeout)  # imports, pools, templates: not counted
        log(f"{count} requests per phase at {args.rate:g}/s, "
            f"gunicorn -c deploy/gunicorn.conf.py, {args.web_concurrency} workers x 8 threads")
        log(HEADER)
        phases = {}
        load_before = os.getloadavg()[0]  # other work on the machine shows in every figure
        cpu_before = psutil.cpu_times()
        samples, seconds, lag = drive(base, plan, args.rate, args.timeout)
        phases["baseline"] = report("baseline", samples, seconds)
        phases["baseline"].update(client_max_lag_ms=round(lag * 1000, 1),
                                  cpu_busy=busy_share(cpu_before))

        with transcode_worker(env, folder / "worker") as worker:
            video_id = queue_clip(app, clip)
            ladder = wait_until_encoding(app, video_id, worker)
            _status, progress_before, _message = video_state(app, video_id)
            ffmpeg_cpu_before = cpu_seconds(ladder) or 0.0
            cpu_before = psutil.cpu_times()
            samples, seconds, lag = drive(base, plan, args.rate, args.timeout)
            cpu_busy = busy_share(cpu_before)
            ffmpeg_cpu_after = cpu_seconds(ladder)  # None: it ended during the phase
            status, progress_after, message = video_state(app, video_id)
            phases["transcode"] = report("transcode", samples, seconds)
            phases["transcode"].update(client_max_lag_ms=round(lag * 1000, 1),
                                       cpu_busy=cpu_busy)
            try:
                nice = ladder.nice()
            except psutil.NoSuchProcess:
                nice = None
        with app.app_context():
            from careers_tv.extensions import db
            db.engine.dispose()  # the bench process keeps no connection to the database it drops

    overlapped = ffmpeg_cpu_after is not None and status == "processing"
    ffmpeg_cpu = None if ffmpeg_cpu_after is None else ffmpeg_cpu_after - ffmpeg_cpu_before
    log(f"transcode: {progress_before} % -> {progress_after} % ({status}"
        + (f": {message}" if message else "") + "), the ladder's ffmpeg "
        + (f"used {ffmpeg_cpu:.1f} CPU-s in the {seconds:.1f} s phase "
           f"({ffmpeg_cpu / seconds:.2f} cores) at nice {nice}" if ffmpeg_cpu is not None
           else "ended during the phase")
        + f"; machine busy {phases['baseline']['cpu_busy']:.0%} (baseline) -> "
        f"{phases['transcode']['cpu_busy']:.0%}; load average before the run {load_before:.2f}")
    for phase in ("baseline", "transcode"):
        log(f"{phase}: the bench sent its latest request "
            f"{phases[phase]['client_max_lag_ms']:.1f} ms late")
    figures.update(phases)
    figures.update({
        "transcode_progress_before": progress_before,
        "transcode_progress_after": progress_after,
        "transcode_status_after": status,
        "transcode_overlapped": overlapped,
        "transcode_ffmpeg_cpu_s": None if ffmpeg_cpu is None else round(ffmpeg_cpu, 1),
        "transcode_ffmpeg_cores": None if ffmpeg_cpu is None else round(ffmpeg_cpu / seconds, 2),
        "transcode_ffmpeg_nice": nice,
        "load_average_before": round(load_before, 2),
    })
    for group in GROUPS:
        figures[f"p99_ratio_under_transcode_vs_baseline_{group}"] = round(
            phases["transcode"][group]["p99_ms"] / phases["baseline"][group]["p99_ms"], 2)
    figures["public_errors_under_transcode"] = phases["transcode"]["public"]["errors"]
    figures["api_errors_under_transcode"] = phases["transcode"]["api"]["errors"]
    log(f"p99 under transcode / baseline: public "
        f"{figures['p99_ratio_under_transcode_vs_baseline_public']:.2f}x, api "
        f"{figures['p99_ratio_under_transcode_vs_baseline_api']:.2f}x; public errors under "
        f"transcode: {figures['public_errors_under_transcode']}")
    return figures


def busy_share(before) -> float:
    """The share of the machine's CPU time that was not idle since `before`."""
    after = psutil.cpu_times()
    total = sum(after) - sum(before)
    idle = (after.idle - before.idle) + (getattr(after, "iowait", 0) - getattr(before,
                                                                               "iowait", 0))
    return round(1 - idle / total, 3) if total else 0.0


if __name__ == "__main__":
    sys.exit(main())
