"""The app really served (gunicorn in a subprocess), and a proxy that can slow or cut the line.

The proxy stands between Chromium and the server like a shaky office connection: it can
throttle what the browser sends (so a progress bar has time to move) and cut one connection
after a given number of bytes of an upload (so the tus client must resume). It also notes
every request line with its `Upload-Offset`, which is how a test sees where a resume started.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

PROJECT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    def __init__(self, env: dict, log_dir: Path, port: int | None = None,
                 extra_args: list[str] | None = None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_dir / "gunicorn.log"
        self.log = self.log_path.open("wb")
        command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}",
                   "--workers", "2", "--threads", "4", "--timeout", "120", "--access-logfile", "-",
                   "--no-control-socket",  # else it takes ~/.gunicorn/gunicorn.ctl from others
                   *(extra_args or ()), "app:app"]
        self.process = subprocess.Popen(command, cwd=PROJECT, env={**os.environ, **env},
                                        stdout=self.log, stderr=subprocess.STDOUT,
                                        start_new_session=True)

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"gunicorn exited:\n{self.log_path.read_text()[-3000:]}")
            try:
                if requests.get(self.url + "/healthz", timeout=5).ok:
                    return
            except requests.RequestException:  # not listening yet, or still booting
                pass
            time.sleep(0.1)
        pytest.fail(f"gunicorn not ready:\n{self.log_path.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()


REQUEST_LINE = re.compile(rb"^(GET|POST|PATCH|HEAD|DELETE|OPTIONS|PUT) (\S+) HTTP/1\.[01]\r\n",
                          re.M)
OFFSET = re.compile(rb"\r\nUpload-Offset: *(\d+)\r\n", re.I)


@dataclass
class Seen:
    method: str
    path: str
    offset: int | None
    sent: int = 0  # bytes the browser sent for this request (headers included)


@dataclass
class ProxyControl:
    bytes_per_second: float | None = None  # throttle what the browser sends
    cut_patch_after: int | None = None  # cut the next PATCH after this many bytes, once
    cuts: int = 0
    seen: list[Seen] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Proxy:
    """A TCP proxy on a free loopback port in front of `target_port`."""

    def __init__(self, target_port: int):
        self.target = ("127.0.0.1", target_port)
        self.control = ProxyControl()
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.running = True
        threading.Thread(target=self._accept, daemon=True).start()

    def requests_seen(self, method: str) -> list[Seen]:
        with self.control.lock:
            return [s for s in self.control.seen if s.method == method]

    def _accept(self) -> None:
        while self.running:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target)
            except OSError:  # the server is stopping (end of test): refuse this one too
                client.close()
                continue
            threading.Thread(target=self._upward, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._downward, args=(upstream, client), daemon=True).start()

    def _upward(self, client: socket.socket, upstream: socket.socket) -> None:
        control = self.control
        in_patch, sent_in_patch, current = False, 0, None
        try:
            while True:
                data = client.recv(64 * 1024)
                if not data:
                    break
                for match in REQUEST_LINE.finditer(data):
                    offset = OFFSET.search(data, match.start())
                    current = Seen(match.group(1).decode(), match.group(2).decode(),
                                   int(offset.group(1)) if offset else None)
                    with control.lock:
                        control.seen.append(current)
                    in_patch, sent_in_patch = match.group(1) == b"PATCH", 0
                if current is not None:
                    current.sent += len(data)
                if in_patch:
                    sent_in_patch += len(data)
                    with control.lock:
                        cut = (control.cut_patch_after is not None
                               and sent_in_patch >= control.cut_patch_after)
                        if cut:
                            control.cut_patch_after, control.cuts = None, control.cuts + 1
                    if cut:  # the line drops mid-upload: both ends see a reset
                        _close(client, upstream)
                        return
                upstream.sendall(data)
                if control.bytes_per_second:
                    time.sleep(len(data) / control.bytes_per_second)
        except OSError:
            pass
        _close(client, upstream)

    def _downward(self, upstream: socket.socket, client: socket.socket) -> None:
        try:
            while data := upstream.recv(64 * 1024):
                client.sendall(data)
        except OSError:
            pass
        _close(client, upstream)

    def stop(self) -> None:
        self.running = False
        self.server.close()


def _close(*sockets: socket.socket) -> None:
    for sock in sockets:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()
