"""`make chaos` (python -m tests.chaos): break things while videos go through, then count.

Starts its own PostgreSQL cluster, Redis and SeaweedFS (never the machine's: it restarts
them), the fake X API, gunicorn and Celery workers (a transcode worker, and a default worker
running beat with the reconciler every 2 s and leases of 4 s), then runs the scenarios:
the transcode worker SIGKILLed at random points of 20 transcodes; the S3 store killed during
an upload and while a transcode writes its outputs; Redis and PostgreSQL restarted under load;
X failing in each documented way. Prints a table — faults injected, videos correct, lost,
duplicated, half-published, posts per video, orphaned objects found by the sweep and left
after it — and exits 1 unless every row reads 0 lost, 0 duplicated, 0 half-published, 0 left.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.fakes.x_api import FakeX
from tests.media import make_landscape

from . import infra, scenarios
from .client import Client

TOKEN_SCRIPT = """
from careers_tv import create_app
from careers_tv.extensions import db
from careers_tv.models import Role
from careers_tv.services import api_tokens, users
app = create_app()
with app.app_context():
    admin = users.create_user("chaos@example.com", "chaos-password-long", Role.ADMIN)
    _token, secret = api_tokens.create_token(admin, "chaos", ["read", "upload", "publish"])
    db.session.commit()
    print(secret)
"""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def table(rows: list[scenarios.Row]) -> str:
    head = ("scenario", "faults", "videos", "correct", "lost", "dup", "half", "posts/video",
            "orphans", "left")
    lines = [[r.scenario, r.faults, len(r.videos), r.correct, r.lost, r.duplicated,
              r.half_published, r.posts, r.orphans, r.orphans_left] for r in rows]
    widths = [max(len(str(x)) for x in column) for column in zip(head, *lines, strict=True)]
    out = []
    for line in (head, *lines):
        out.append("  ".join(str(x).ljust(w) if i == 0 else str(x).rjust(w)
                             for i, (x, w) in enumerate(zip(line, widths, strict=True))))
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transcodes", type=int, default=20)
    parser.add_argument("--kills", type=int, default=8)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--keep", action="store_true", help="keep the folder (logs)")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unwind: stop what we started
    rng = random.Random(args.seed)
    root = Path(tempfile.mkdtemp(prefix="careers-tv-chaos-"))
    os.chmod(root, 0o755)  # noqa: S103 - the postgres user must reach its folder inside
    log(f"chaos: seed {args.seed}, folder {root}")
    parts: dict = {}
    started = time.monotonic()
    try:
        pg, rd, weed = infra.Postgres(root), infra.Redis(root), infra.Seaweed(root)
        pg.start()
        pg.create_database()
        rd.start()
        weed.start()
        fake_x = FakeX().start()
        parts.update(postgres=pg, redis=rd, weed=weed)
        env = {**os.environ, **weed.env, **fake_x.env,
               "DATABASE_URL": pg.url, "CELERY_BROKER_URL": rd.url,
               "RATELIMIT_STORAGE_URI": rd.url, "SECRET_KEY": "chaos-secret-key-0123456789",
               "CAREERS_TV_INSTANCE": str(root / "instance"), "PUBLIC_BASE_URL": "",
               "JOB_LEASE_SECONDS": "4", "JOB_RESEND_AFTER_SECONDS": "3",
               "JOB_RETRY_BACKOFF_SECONDS": "2",
               "RECONCILE_EVERY_SECONDS": "2", "PUBLISH_DUE_EVERY_SECONDS": "2",
               "X_TIMEOUT_SECONDS": "2", "API_RATE_LIMIT": "1000000 per minute",
               "API_TOKEN_RATE_LIMIT": "1000000 per minute"}
        web = infra.Web(root, env)
        env["PUBLIC_BASE_URL"] = web.url
        web.server.env["PUBLIC_BASE_URL"] = web.url
        for command in (["db", "upgrade"], ["tv", "seed"]):
            subprocess.run([str(infra.BIN / "flask"), "--app", "app", *command], env=env,
                           cwd=infra.PROJECT, check=True, capture_output=True)
        token = subprocess.run([sys.executable, "-c", TOKEN_SCRIPT], env=env, check=True,
                               cwd=infra.PROJECT, capture_output=True, text=True
                               ).stdout.split()[-1]
        web.start()
        parts["web"] = web.server
        parts["transcode"] = infra.worker("transcode", "transcode,transcode_long", root, env)
        parts["default"] = infra.worker("default", "default", root, env, beat=True)
        for name in ("transcode", "default"):
            parts[name].start()
            infra.wait_for_worker(parts[name])
        os.environ.update(env)  # the in-process app below reads the same settings
        from careers_tv import create_app

        app = create_app()
        clips_dir = root / "clips"
        for name in ("tiny", "bigger"):
            (clips_dir / name).mkdir(parents=True)
        clips = {"tiny": make_landscape(clips_dir / "tiny", duration=2, size=(320, 180)),
                 "bigger": make_landscape(clips_dir / "bigger", duration=6, size=(960, 540))}
        stage = scenarios.Stage(app, Client(web.url, token), parts, clips, fake_x, log)
        log(f"chaos: ready in {time.monotonic() - started:.0f} s")

        rows = []
        steps = [
            lambda: scenarios.worker_kills(stage, args.transcodes, args.kills, rng),
            lambda: scenarios.storage_down_during_upload(stage),
            lambda: scenarios.storage_down_during_output_upload(stage),
            lambda: scenarios.restart_under_load(stage, "redis", "Redis restarted under load",
                                                 4),
            lambda: scenarios.restart_under_load(stage, "postgres",
                                                 "PostgreSQL restarted under load", 4),
        ]
        for step in steps:
            begun = time.monotonic()
            rows.append(step())
            log(f"chaos: {rows[-1].scenario}: {time.monotonic() - begun:.0f} s")
        unpublished = [v for row in rows[1:] for v in row.videos]
        rows.append(scenarios.x_failures(stage, unpublished))
        print(table(rows))
        print(f"client requests retried: {stage.client.failures}; "
              f"total {time.monotonic() - started:.0f} s; seed {args.seed}")
        return 0 if all(row.ok for row in rows) else 1
    finally:
        for name in ("transcode", "default", "web"):
            if name in parts:
                parts[name].stop()
        for name in ("weed", "redis", "postgres"):
            if name in parts:
                parts[name].server.kill()
        if "weed" in parts:
            parts["weed"].forget_sockets()
        if args.keep:
            log(f"chaos: logs kept in {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
