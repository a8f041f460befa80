"""An API client that does what a patient careers-site client does: create a video, send its
file with tus resuming after any failure, publish it when it is ready."""

from __future__ import annotations

import base64
import time
from pathlib import Path
from urllib.parse import urljoin

import requests

TUS = {"Tus-Resumable": "1.0.0"}
CHUNK = 5 * 1024 * 1024
PATIENCE = 120.0  # seconds a request may keep failing (a store or database restarting)


class Client:
    def __init__(self, base_url: str, token: str):
        self.base = base_url
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"
        self.failures = 0  # requests that failed and were tried again

    def _retry(self, send, ok=(200, 201, 204)):
        deadline = time.monotonic() + PATIENCE
        while True:
            try:
                response = send()
                if response.status_code in ok:
                    return response
                if response.status_code < 500 and response.status_code != 429:
                    raise RuntimeError(f"{response.status_code}: {response.text[:300]}")
            except requests.RequestException:
                pass
            self.failures += 1
            if time.monotonic() > deadline:
                raise TimeoutError("the API kept failing")
            time.sleep(0.5)

    def create(self, title: str, channel: str = "temoignages") -> str:
        response = self._retry(lambda: self.session.post(
            f"{self.base}/api/v1/videos", json={"channel": channel, "title": title}, timeout=10),
            ok=(201,))
        return response.json()["id"]

    def upload(self, public_id: str, path: Path, on_chunk=None, chunk: int = CHUNK) -> None:
        """Send the file; after a failed PATCH, ask the server where it got to and go on."""
        data = path.read_bytes()
        metadata = ",".join(f"{k} {base64.b64encode(v.encode()).decode()}"
                            for k, v in (("video", public_id), ("filename", path.name)))
        created = self._retry(lambda: self.session.post(
            f"{self.base}/api/v1/uploads", timeout=10, headers={
                **TUS, "Upload-Length": str(len(data)), "Upload-Metadata": metadata}),
            ok=(201,))
        location = urljoin(self.base, created.headers["Location"])
        offset, chunks = 0, 0
        deadline = time.monotonic() + PATIENCE
        while offset < len(data):
            try:
                response = self.session.patch(location, data=data[offset:offset + chunk],
                                              timeout=30, headers={
                                                  **TUS, "Upload-Offset": str(offset),
                                                  "Content-Type":
                                                      "application/offset+octet-stream"})
                if response.status_code == 204:
                    offset = int(response.headers["Upload-Offset"])
                    chunks += 1
                    if on_chunk:
                        on_chunk(chunks)
                    deadline = time.monotonic() + PATIENCE
                    continue
            except requests.RequestException:
                pass
            self.failures += 1
            if time.monotonic() > deadline:
                raise TimeoutError(f"upload of {public_id} kept failing")
            time.sleep(0.5)
            head = self._retry(lambda: self.session.head(location, headers=TUS, timeout=10),
                               ok=(200,))
            offset = int(head.headers["Upload-Offset"])

    def video(self, public_id: str) -> dict:
        return self._retry(lambda: self.session.get(f"{self.base}/api/v1/videos/{public_id}",
                                                    timeout=10)).json()

    def publish(self, public_id: str) -> None:
        self._retry(lambda: self.session.post(
            f"{self.base}/api/v1/videos/{public_id}/publish", timeout=10))
