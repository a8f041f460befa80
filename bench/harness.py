"""What the benchmarks that serve the app share: a scratch database, gunicorn, free ports."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_DSN = os.environ.get(
    "TEST_PG_ADMIN_DSN", "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
)
PG_URL_BASE = os.environ.get("TEST_PG_URL_BASE", "postgresql+psycopg://postgres@127.0.0.1:5432")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def scratch_database():
    """A fresh PostgreSQL database for one run, dropped afterwards (even after an error)."""
    name = f"careers_tv_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_URL_BASE}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_DSN, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def scratch(prefix: str):
    """A temporary folder and a fresh database for one run, both gone afterwards; a SIGTERM
    unwinds like Ctrl-C, so whatever the run started inside the block is stopped too."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        with scratch_database() as database_url:
            yield folder, database_url
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def gunicorn(target: str, env: dict[str, str], log_path: Path, *, port: int, cwd: Path = ROOT,
             workers: int = 1, threads: int = 1, timeout: int = 60, config: Path | None = None):
    """`target` under gunicorn on 127.0.0.1:`port` until the block ends; yields the process.

    With `config` (a gunicorn config file, e.g. deploy/gunicorn.conf.py) the workers, threads
    and timeouts are that file's, not the arguments': the bench serves as production does."""
    if config is None:
        tuning = ["--workers", str(workers), "--threads", str(threads), "--timeout", str(timeout),
                  "--graceful-timeout", "5"]
    else:
        tuning = ["--config", str(config)]
    command = [sys.executable, "-m", "gunicorn", *tuning, "--bind", f"127.0.0.1:{port}",
               "--error-logfile", str(log_path),
               "--no-control-socket",  # else it takes ~/.gunicorn/gunicorn.ctl from others
               target]
    with open(log_path, "ab") as out:
        server = subprocess.Popen(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                  stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn {target} did not start:\n"
                                   + log_path.read_text()[-3000:])
            time.sleep(0.1)
        yield server
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
