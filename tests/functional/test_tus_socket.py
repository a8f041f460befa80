"""tus over real sockets to a real server: a PATCH cut off half-way keeps what arrived, and
two PATCHes of one upload at once do not both write."""

from __future__ import annotations

import os
import re
import socket
import struct
import threading
import time
from dataclasses import dataclass

import pytest
import requests
import sqlalchemy as sa
from werkzeug.serving import make_server

from careers_tv.extensions import db
from careers_tv.models import Video, VideoStatus
from careers_tv.storage.base import MIN_PART_SIZE
from tests.factories import PASSWORD, UserFactory, VideoFactory
from tests.functional.tus_client import (
    ENDPOINT,
    LOGIN_TOKEN,
    PAGE_TOKEN,
    TUS,
    metadata_header,
)

PART = MIN_PART_SIZE
WAIT = 30  # seconds; a bound on waiting for the server, never a measured figure


@dataclass
class Server:
    url: str
    patches_done: threading.Semaphore


@pytest.fixture
def server(app, committed, monkeypatch):
    """The app under werkzeug's threaded server on a free port, counting finished PATCHes."""
    monkeypatch.setitem(app.config, "UPLOAD_PART_BYTES", PART)
    done = threading.Semaphore(0)

    def counting(environ, start_response):
        try:
            return app(environ, start_response)
        finally:
            if environ["REQUEST_METHOD"] == "PATCH":
                done.release()

    httpd = make_server("127.0.0.1", 0, counting, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield Server(f"http://127.0.0.1:{httpd.server_port}", done)
    httpd.shutdown()
    thread.join(WAIT)


class Uploader:
    """A logged-in browser: a requests session plus the raw bits a socket needs."""

    def __init__(self, server: Server, email: str) -> None:
        self.base = server.url
        self.http = requests.Session()
        self.http.headers["Accept-Language"] = "en"
        page = self.http.get(f"{self.base}/portal/login", timeout=WAIT).text
        login = self.http.post(f"{self.base}/portal/login", timeout=WAIT, data={
            "email": email, "password": PASSWORD,
            "csrf_token": LOGIN_TOKEN.search(page).group(1)})
        assert login.ok and login.url.endswith("/portal/")
        self.token = PAGE_TOKEN.search(login.text).group(1)

    def create(self, length: int, video: str) -> str:
        response = self.http.post(f"{self.base}{ENDPOINT}", timeout=WAIT, headers={
            **TUS, "X-CSRFToken": self.token, "Upload-Length": str(length),
            "Upload-Metadata": metadata_header(video=video, filename="talk.mp4")})
        assert response.status_code == 201
        return response.headers["Location"]

    def offset(self, path: str) -> int:
        response = self.http.head(f"{self.base}{path}", headers=TUS, timeout=WAIT)
        assert response.status_code == 200
        return int(response.headers["Upload-Offset"])

    def patch(self, path: str, offset: int, data: bytes) -> requests.Response:
        return self.http.patch(f"{self.base}{path}", data=data, timeout=WAIT, headers={
            **TUS, "X-CSRFToken": self.token, "Upload-Offset": str(offset),
            "Content-Type": "application/offset+octet-stream"})

    def raw_patch(self, path: str, offset: int, length: int) -> socket.socket:
        """Open a PATCH announcing `length` bytes and send only its headers."""
        host, port = self.base.removeprefix("http://").split(":")
        sock = socket.create_connection((host, int(port)), timeout=WAIT)
        cookies = "; ".join(f"{c.name}={c.value}" for c in self.http.cookies)
        head = (f"PATCH {path} HTTP/1.1\r\nHost: {host}:{port}\r\nCookie: {cookies}\r\n"
                f"Tus-Resumable: 1.0.0\r\nX-CSRFToken: {self.token}\r\n"
                f"Upload-Offset: {offset}\r\nContent-Length: {length}\r\n"
                f"Content-Type: application/offset+octet-stream\r\n\r\n")
        sock.sendall(head.encode())
        return sock


def read_status(sock: socket.socket) -> int:
    received = b""
    while b"\r\n" not in received:
        chunk = sock.recv(4096)
        if not chunk:
            break
        received += chunk
    return int(received.split(b" ", 2)[1])


@pytest.fixture
def waiting_video(committed):
    user = UserFactory()
    video = VideoFactory(created_by=user, status=VideoStatus.UPLOADING)
    db.session.commit()
    return user.email, video.id, video.public_id


def finish_and_check(uploader: Uploader, path: str, data: bytes, video_id: int, app) -> None:
    offset = uploader.offset(path)
    response = uploader.patch(path, offset, data[offset:])
    assert response.status_code == 204, response.text
    assert response.headers["Upload-Offset"] == str(len(data))
    db.session.expire_all()
    video = db.session.get(Video, video_id)
    assert video.status is VideoStatus.QUEUED
    with app.extensions["storage"].open(video.original_key) as body:
        assert body.read() == data


def test_a_patch_cut_half_way_keeps_what_arrived(app, server, waiting_video):
    email, video_id, public_id = waiting_video
    uploader = Uploader(server, email)
    data = os.urandom(2 * PART + 4321)
    path = uploader.create(len(data), public_id)
    sent = PART + 777  # a whole part and a tail
    sock = uploader.raw_patch(path, 0, len(data))
    sock.sendall(data[:sent])
    sock.shutdown(socket.SHUT_WR)  # the connection drops: no more bytes will come
    assert server.patches_done.acquire(timeout=WAIT)
    sock.close()
    assert uploader.offset(path) == sent
    finish_and_check(uploader, path, data, video_id, app)


def test_a_reset_connection_keeps_the_parts_that_arrived(app, server, waiting_video):
    email, video_id, public_id = waiting_video
    uploader = Uploader(server, email)
    data = os.urandom(3 * PART)
    path = uploader.create(len(data), public_id)
    sock = uploader.raw_patch(path, 0, len(data))
    sock.sendall(data[:PART + 4096])
    deadline = time.monotonic() + WAIT
    while uploader.offset(path) < PART and time.monotonic() < deadline:
        time.sleep(0.05)  # until the server has stored the first part
    # An abortive close (RST), like a network that goes away: unread bytes are lost.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()
    assert server.patches_done.acquire(timeout=WAIT)
    assert PART <= uploader.offset(path) <= PART + 4096
    finish_and_check(uploader, path, data, video_id, app)


def row_locks_on_uploads() -> int:
    with db.engine.connect() as conn:
        return conn.scalar(sa.text(
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "WHERE c.relname = 'uploads' AND l.mode = 'RowShareLock' AND l.granted"))


def test_a_second_patch_while_one_is_writing_gets_409(app, server, waiting_video):
    email, video_id, public_id = waiting_video
    uploader = Uploader(server, email)
    data = os.urandom(PART + 99)
    path = uploader.create(len(data), public_id)
    first = uploader.raw_patch(path, 0, len(data))
    first.sendall(data[:1000])
    deadline = time.monotonic() + WAIT
    while not row_locks_on_uploads() and time.monotonic() < deadline:
        time.sleep(0.05)  # until the first PATCH holds the upload's row lock
    second = uploader.patch(path, 0, data)
    assert second.status_code == 409
    assert "another request" in second.json()["error"]["message"]
    first.sendall(data[1000:])
    assert read_status(first) == 204
    first.close()
    assert uploader.offset(path) == len(data)
    db.session.expire_all()
    video = db.session.get(Video, video_id)
    assert video.status is VideoStatus.QUEUED
    with app.extensions["storage"].open(video.original_key) as body:
        assert body.read() == data


def test_a_lock_held_by_another_process_refuses_the_patch(app, server, waiting_video):
    email, _video_id, public_id = waiting_video
    uploader = Uploader(server, email)
    path = uploader.create(10, public_id)
    upload_id = re.sub(r".*/", "", path)
    with db.engine.connect() as other:
        with other.begin():
            other.execute(sa.text("SELECT id FROM uploads WHERE id = :id FOR UPDATE"),
                          {"id": upload_id})
            refused = uploader.patch(path, 0, b"0123456789")
            assert refused.status_code == 409
    assert uploader.offset(path) == 0
    assert uploader.patch(path, 0, b"0123456789").status_code == 204
