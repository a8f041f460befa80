"""The chaos run's own services, which it may stop and restart at will: a PostgreSQL cluster,
a Redis server and a SeaweedFS server of its own (never the machine's), the fake X API, then
gunicorn and Celery workers of the app against them."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import boto3
import psycopg
import redis
import requests
from botocore.config import Config

PROJECT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check, what: str, timeout: float = 60, every: float = 0.2):
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = check()
            if value:
                return value
        except Exception as exc:  # not yet
            last = exc
        time.sleep(every)
    raise TimeoutError(f"{what} not within {timeout:g} s (last error: {last})")


class Process:
    """A child in its own process group, logging to a file."""

    def __init__(self, name: str, command: list[str], log_dir: Path, env: dict | None = None,
                 cwd: Path | None = None, user: str | None = None):
        self.name, self.command, self.env, self.cwd = name, command, env, cwd
        self.log_path = log_dir / f"{name}.log"
        self.user = user
        self.process: subprocess.Popen | None = None

    def start(self) -> Process:
        command = self.command
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                command, env=self.env, cwd=self.cwd, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True)
        return self

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.alive():
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)

    def stop(self) -> None:
        self.kill(signal.SIGTERM)


class Postgres:
    """A throwaway cluster on a free port (trust auth), run as the postgres user."""

    def __init__(self, root: Path):
        self.root = root / "pg"
        self.port = free_port()
        self.bin = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
        self.root.mkdir()
        shutil.chown(self.root, "postgres", "postgres")
        subprocess.run(["runuser", "-u", "postgres", "--", str(self.bin / "initdb"), "-D",
                        str(self.root / "data"), "--auth=trust", "-U", "postgres",
                        "--no-sync"], check=True, capture_output=True)
        self.server = Process("postgres", [
            str(self.bin / "postgres"), "-D", str(self.root / "data"), "-p", str(self.port),
            "-k", str(self.root), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
            "-c", "max_connections=200"], root, user="postgres")

    @property
    def admin_dsn(self) -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/careers_tv"

    def start(self) -> None:
        self.server.start()
        wait_until(lambda: psycopg.connect(self.admin_dsn, connect_timeout=1).close() or True,
                   "PostgreSQL")

    def create_database(self) -> None:
        with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
            conn.execute("CREATE DATABASE careers_tv")

    def restart(self) -> None:
        """A fast shutdown (every connection cut), then the same cluster back."""
        self.server.kill(signal.SIGINT)
        self.start()


class Redis:
    def __init__(self, root: Path):
        self.port = free_port()
        self.server = Process("redis", ["redis-server", "--port", str(self.port), "--bind",
                                        "127.0.0.1", "--save", "", "--appendonly", "no"], root)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.server.start()
        wait_until(lambda: redis.Redis.from_url(self.url).ping(), "Redis")

    def restart(self) -> None:
        """Killed and started empty: every message it held is gone (it keeps nothing)."""
        self.server.kill()
        self.start()


class Seaweed:
    """`weed server` with S3 and an identity; restartable on the same folder and ports."""

    def __init__(self, root: Path):
        self.root = root / "weed"
        (self.root / "data").mkdir(parents=True)
        self.access_key = "AK" + secrets.token_hex(8).upper()
        self.secret_key = secrets.token_urlsafe(30)
        config = self.root / "s3.json"
        config.write_text(json.dumps({"identities": [{
            "name": "chaos", "credentials": [{"accessKey": self.access_key,
                                              "secretKey": self.secret_key}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}))
        ports = []
        while len(ports) < 4:  # each service also takes its port + 10000 for gRPC
            port = free_port()
            if port < 50000 and port not in ports:
                ports.append(port)
        master, volume, filer, self.s3_port = ports
        self.grpc_ports = {"master": master, "volume": volume, "filer": filer, "s3": self.s3_port}
        weed = BIN / "weed" if (BIN / "weed").exists() else Path(shutil.which("weed"))
        self.server = Process("weed", [
            str(weed), "-logtostderr", "server", f"-dir={self.root / 'data'}", "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1", f"-master.port={master}", f"-volume.port={volume}",
            f"-filer.port={filer}", f"-filer.localSocket={self.root / 'filer.sock'}", "-s3",
            f"-s3.port={self.s3_port}", f"-s3.config={config}",
            f"-s3.localSocket={self.root / 's3.sock'}", "-s3.port.iceberg=0",
            "-s3.port.lance=0", "-master.volumeSizeLimitMB=256", "-volume.max=0",
            "-volume.preStopSeconds=0", "-master.telemetry=false"], root, cwd=self.root)
        self.bucket = "chaos-media"

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.s3_port}"

    def client(self):
        return boto3.client("s3", endpoint_url=self.endpoint_url, region_name="us-east-1",
                            aws_access_key_id=self.access_key,
                            aws_secret_access_key=self.secret_key,
                            config=Config(s3={"addressing_style": "path"},
                                          connect_timeout=2, read_timeout=10,
                                          retries={"max_attempts": 1}))

    def start(self) -> None:
        self.server.start()

        def writable():
            client = self.client()
            try:
                client.create_bucket(Bucket=self.bucket)
            except client.exceptions.BucketAlreadyOwnedByYou:
                pass
            except Exception as exc:
                if "BucketAlreadyExists" not in str(exc):
                    raise
            client.put_object(Bucket=self.bucket, Key="chaos-probe", Body=b"ok")
            return True

        wait_until(writable, "SeaweedFS S3", timeout=90)

    def stop(self) -> None:
        self.server.kill()

    def forget_sockets(self) -> None:
        """weed puts its gRPC unix sockets in /tmp whatever the flags: drop ours."""
        for service, port in self.grpc_ports.items():
            Path(f"/tmp/seaweedfs-{service}-grpc-{port + 10000}.sock").unlink(missing_ok=True)

    def restart(self) -> None:
        self.stop()
        self.start()

    @property
    def env(self) -> dict[str, str]:
        return {"STORAGE_URL": f"s3://{self.bucket}/careers-tv",
                "S3_ENDPOINT_URL": self.endpoint_url, "AWS_ACCESS_KEY_ID": self.access_key,
                "AWS_SECRET_ACCESS_KEY": self.secret_key}


class Web:
    def __init__(self, root: Path, env: dict):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = Process("gunicorn", [
            str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "app:app"], root,
            env={**env, "BIND": f"127.0.0.1:{self.port}", "WEB_CONCURRENCY": "2",
                 "PUBLIC_BASE_URL": f"http://127.0.0.1:{self.port}"}, cwd=PROJECT)

    def start(self) -> None:
        self.server.start()
        wait_until(lambda: requests.get(f"{self.url}/healthz", timeout=2).ok, "gunicorn")


def worker(name: str, queues: str, root: Path, env: dict, beat: bool = False) -> Process:
    folder = root / f"worker-{name}"
    (folder / "tmp").mkdir(parents=True, exist_ok=True)
    command = [str(BIN / "celery"), "-A", "careers_tv.worker", "worker", "-n",
               f"{name}@chaos", "-Q", queues, "--concurrency", "1", "--loglevel", "INFO",
               "--without-gossip", "--without-mingle", "--without-heartbeat"]
    if beat:
        command += ["--beat", "--schedule", str(folder / "beat-schedule")]
    return Process(f"worker-{name}", command, root,
                   env={**env, "TMPDIR": str(folder / "tmp")}, cwd=PROJECT)


def wait_for_worker(process: Process, timeout: float = 60) -> None:
    wait_until(lambda: b"ready." in process.log_path.read_bytes().split(b"--- restart ---")[-1],
               f"{process.name} ready", timeout=timeout)


def restart_worker(process: Process) -> None:
    with open(process.log_path, "ab") as log:
        log.write(b"\n--- restart ---\n")
    process.start()
    wait_for_worker(process)
