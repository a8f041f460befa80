"""How fast is a resumable (tus) upload, against copying the same bytes over a bare socket?

Usage: python bench/upload.py [--size 2G] [--chunk 32M] [--part 8M] [--workers 1]

Sets up its own PostgreSQL database (dropped at the end) and a scratch folder (removed), then:
  raw       the file sent over a loopback socket to a sink in this process that discards it
  raw_disk  the same into a sink that writes it to a file and fsyncs it (what disk adds)
  tus       the file uploaded the way the portal's tus-js-client does it, chunk by chunk
            (32 MiB PATCHes, as the browser), to the app under gunicorn (one sync worker)
            with local storage: creation, every PATCH and the final assembly of the original
The sender is the same for all three: the kernel's sendfile from the page cache, so the
figures compare what receives the bytes. The server's memory is sampled every 20 ms (psutil
RSS, and VmHWM from /proc at the end) during the tus upload; its growth is measured from the
RSS after a small warm-up upload, so it shows what a big file costs beyond a small one.
MB = 10^6 bytes. Human lines on stderr; the last stdout line is one JSON object of the figures.
"""

from __future__ import annotations

import argparse
import base64
import filecmp
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `python bench/upload.py`

from harness import free_port, gunicorn, log, scratch  # noqa: E402

MB = 1_000_000
MiB = 1024 * 1024
PASSWORD = "bench-password-not-secret"  # noqa: S105 - a throwaway user in a throwaway db
UNITS = {"": 1, "K": 1024, "M": MiB, "G": 1024 * MiB}


def parse_size(text: str) -> int:
    match = re.fullmatch(r"(\d+)([KMG]?)i?B?", text.strip().upper())
    if not match:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (e.g. 2G, 512M)")
    return int(match.group(1)) * UNITS[match.group(2)]


# -- setup ---------------------------------------------------------------------------------


def prepare_app(env: dict[str, str]) -> tuple[str, list[str]]:
    """Schema, channels, a contributor and two videos waiting for a file (warm-up, bench)."""
    os.environ.update(env)
    from flask_migrate import upgrade
    from werkzeug.security import generate_password_hash

    from careers_tv import create_app
    from careers_tv.extensions import db
    from careers_tv.models import Role, User, VideoStatus
    from careers_tv.services import videos as video_service
    from careers_tv.services.channels import get_channel, seed_channels

    app = create_app()
    with app.app_context():
        upgrade()
        seed_channels()
        user = User(email="bench@example.com", role=Role.CONTRIBUTOR,
                    password_hash=generate_password_hash(PASSWORD))
        db.session.add(user)
        ids = []
        for title in ("Warm-up", "Benchmark upload"):
            video = video_service.create_video(get_channel("corporate"), title, created_by=user)
            video.transition(VideoStatus.UPLOADING)
            ids.append(video.public_id)
        db.session.commit()
        email = user.email
        db.session.remove()
        db.engine.dispose()  # the bench process keeps no connection to the database it drops
        return email, ids


def make_source(path: Path, size: int) -> None:
    block = 16 * MiB
    with open(path, "wb") as out:
        left = size
        while left:
            out.write(os.urandom(min(block, left)))
            left -= min(block, left)


# -- HTTP by hand (sendfile for bodies, like the raw sinks) ---------------------------------


def request(port: int, method: str, path: str, headers: dict | None = None, body: bytes = b"",
            source=None, offset: int = 0, count: int = 0) -> tuple[int, dict, bytes]:
    length = count if source is not None else len(body)
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close",
             f"Content-Length: {length}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    with socket.create_connection(("127.0.0.1", port), timeout=600) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        if source is not None:
            sock.sendfile(source, offset, count)
        response = http.client.HTTPResponse(sock, method=method)
        response.begin()
        headers = dict(response.getheaders())
        headers["Set-Cookie"] = response.msg.get_all("Set-Cookie") or []
        return response.status, headers, response.read()


class Browser:
    """A logged-in portal session: cookies and the CSRF token, as tus-js-client sends them."""

    def __init__(self, port: int, email: str) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        _s, _h, page = self.call("GET", "/portal/login")
        token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        form = urlencode({"email": email, "password": PASSWORD, "csrf_token": token.decode()})
        status, _h, _b = self.call("POST", "/portal/login", form.encode(),
                                   {"Content-Type": "application/x-www-form-urlencoded"})
        if status != 302:
            raise RuntimeError(f"login failed: {status}")
        # Logging in starts a new session: its token is on every portal page, for scripts.
        _s, _h, page = self.call("GET", "/portal/")
        self.token = re.search(rb'<meta name="csrf-token" content="([^"]+)"',
                               page).group(1).decode()

    def call(self, method, path, body=b"", headers=None, **kwargs):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        status, response_headers, data = request(self.port, method, path, headers, body, **kwargs)
        for cookie in response_headers["Set-Cookie"]:
            name, _eq, rest = cookie.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return status, response_headers, data

    def tus_upload(self, source, size: int, video: str, chunk: int) -> int:
        """Create, then PATCH chunk by chunk; returns the number of PATCHes."""
        tus = {"Tus-Resumable": "1.0.0", "X-CSRFToken": self.token}
        metadata = ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in
                            {"video": video, "filename": "bench.mp4",
                             "filetype": "video/mp4"}.items())
        status, headers, body = self.call("POST", "/api/v1/uploads", headers={
            **tus, "Upload-Length": str(size), "Upload-Metadata": metadata})
        if status != 201:
            raise RuntimeError(f"creation refused: {status} {body[:300]!r}")
        url, offset, patches = headers["Location"], 0, 0
        while offset < size:
            count = min(chunk, size - offset)
            status, headers, body = self.call("PATCH", url, headers={
                **tus, "Upload-Offset": str(offset),
                "Content-Type": "application/offset+octet-stream"},
                source=source, offset=offset, count=count)
            if status != 204:
                raise RuntimeError(f"PATCH at {offset} refused: {status} {body[:300]!r}")
            offset, patches = int(headers["Upload-Offset"]), patches + 1
        return patches


# -- the raw baselines ---------------------------------------------------------------------


def raw_copy(source, size: int, into: Path | None) -> float:
    """Seconds to move `size` bytes over loopback into a sink (discarding, or into a file)."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    finished = {}

    def sink():
        conn, _addr = listener.accept()
        buffer = bytearray(MiB)
        view = memoryview(buffer)
        received = 0
        out = open(into, "wb") if into else None
        with conn:
            while received < size:
                n = conn.recv_into(buffer)
                if not n:
                    break
                if out:
                    out.write(view[:n])
                received += n
        if out:
            out.flush()
            os.fsync(out.fileno())
            out.close()
        finished["at"], finished["bytes"] = time.perf_counter(), received

    thread = threading.Thread(target=sink)
    thread.start()
    started = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendfile(source, 0, size)
    thread.join()
    listener.close()
    if finished["bytes"] != size:
        raise RuntimeError(f"the raw sink got {finished['bytes']} of {size} bytes")
    return finished["at"] - started


# -- server memory -------------------------------------------------------------------------


def vm_hwm(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


class Sampler(threading.Thread):
    def __init__(self, process: psutil.Process) -> None:
        super().__init__(daemon=True)
        self.process, self.peak, self.stop = process, 0, threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                self.peak = max(self.peak, self.process.memory_info().rss)
            except psutil.Error:
                return  # the server is gone (the run was interrupted)
            self.stop.wait(0.02)


def worker_process(server: subprocess.Popen) -> psutil.Process:
    children = psutil.Process(server.pid).children()
    if len(children) != 1:
        raise RuntimeError(f"expected one gunicorn worker, found {len(children)}")
    return children[0]


# -- main ----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=parse_size, default=parse_size("2G"))
    parser.add_argument("--chunk", type=parse_size, default=parse_size("32M"),
                        help="bytes per PATCH (the portal sends 32 MiB)")
    parser.add_argument("--part", type=parse_size, default=parse_size("8M"),
                        help="UPLOAD_PART_BYTES of the server")
    args = parser.parse_args()
    with scratch("bench-upload-") as (folder, database_url):
        figures = run(args, folder, database_url)
    print(json.dumps(figures))


def run(args, scratch: Path, database_url: str) -> dict:
    size = args.size
    env = {key: value for key, value in os.environ.items()
           if key not in ("CELERY_BROKER_URL", "STORAGE_URL", "MEDIA_BASE_URL")}
    env.update({
        "DATABASE_URL": database_url,
        "CAREERS_TV_INSTANCE": str(scratch / "instance"),  # the embedded broker goes here
        "STORAGE_URL": (scratch / "media").as_uri(),
        "SECRET_KEY": "bench-secret-not-for-production",
        "UPLOAD_PART_BYTES": str(args.part),
        "UPLOAD_MAX_BYTES": str(max(size, 8 * 1024**3)),
    })
    email, (warm_video, video) = prepare_app(env)
    source_path = scratch / "source.bin"
    log(f"writing {size / MB:.0f} MB of random bytes...")
    make_source(source_path, size)
    port = free_port()
    with gunicorn("app:app", env, scratch / "gunicorn.log", port=port, timeout=600) as server, \
            open(source_path, "rb") as source:
        worker = worker_process(server)
        browser = Browser(port, email)
        warm = min(size, 2 * args.part + 12345)
        browser.tus_upload(source, warm, warm_video, args.chunk)  # imports, pools, code paths
        baseline_rss, baseline_hwm = worker.memory_info().rss, vm_hwm(worker.pid)

        # Each run starts with no dirty pages left to write back from the one before: on a
        # disk-bound run, an earlier run's backlog would otherwise be counted against it.
        os.sync()
        raw_seconds = raw_copy(source, size, None)
        log(f"raw loopback sink:     {size / MB / raw_seconds:8.1f} MB/s ({raw_seconds:.2f} s)")
        os.sync()
        disk_seconds = raw_copy(source, size, scratch / "raw-copy.bin")
        (scratch / "raw-copy.bin").unlink()
        os.sync()
        log(f"raw sink into a file:  {size / MB / disk_seconds:8.1f} MB/s ({disk_seconds:.2f} s)")

        sampler = Sampler(worker)
        cpu_before = worker.cpu_times()
        sampler.start()
        started = time.perf_counter()
        patches = browser.tus_upload(source, size, video, args.chunk)
        tus_seconds = time.perf_counter() - started
        sampler.stop.set()
        sampler.join()
        cpu_after = worker.cpu_times()
        user_cpu, system_cpu = (cpu_after.user - cpu_before.user,
                                cpu_after.system - cpu_before.system)
        cpu = user_cpu + system_cpu
        hwm = vm_hwm(worker.pid)
        log(f"tus through gunicorn:  {size / MB / tus_seconds:8.1f} MB/s ({tus_seconds:.2f} s, "
            f"{patches} PATCHes, server CPU {user_cpu:.1f} s user + {system_cpu:.1f} s system)")
    peak = max(sampler.peak, hwm if hwm > baseline_hwm else 0)
    growth = max(0, peak - baseline_rss)
    log(f"server RSS after warm-up {baseline_rss / MB:.1f} MB, peak growth during the upload "
        f"{growth / MB:.1f} MB (part {args.part / MiB:.0f} MiB, chunk {args.chunk / MiB:.0f} MiB)")
    originals = list((scratch / "media" / "originals").glob(f"{video}/*"))
    if len(originals) != 1 or not filecmp.cmp(source_path, originals[0], shallow=False):
        raise RuntimeError("the stored original differs from the file sent")
    log("the stored original is byte-identical to the source")
    return {
        "size_bytes": size,
        "chunk_bytes": args.chunk,
        "part_bytes": args.part,
        "patches": patches,
        "tus_mb_s": round(size / MB / tus_seconds, 1),
        "raw_mb_s": round(size / MB / raw_seconds, 1),
        "raw_disk_mb_s": round(size / MB / disk_seconds, 1),
        "throughput_ratio": round(raw_seconds / tus_seconds, 3),
        "server_cpu_seconds": round(cpu, 2),
        "server_baseline_rss_mb": round(baseline_rss / MB, 1),
        "server_peak_rss_growth_mb": round(growth / MB, 1),
    }


if __name__ == "__main__":
    main()
