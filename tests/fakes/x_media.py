"""The fake X API's v2 chunked media upload: initialize, append, finalize, STATUS polls.

See x_api.py's docstring for the shapes; the finished upload is judged at finalize (segments
0..n-1, size equal to total_bytes, ffprobe duration at most 140 s) and the verdict shows after
one `in_progress` poll.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from werkzeug.wrappers import Request, Response

from tests.fakes.x_http import XError, json_response

MAX_VIDEO_SECONDS = 140
MAX_VIDEO_BYTES = 512 * 1024 * 1024
_MEDIA_KEY_PREFIX = {"tweet_image": "3", "tweet_gif": "16", "tweet_video": "7",
                     "amplify_video": "13"}


@dataclass
class Upload:
    id: str
    media_key: str
    media_type: str
    total_bytes: int
    category: str
    segments: dict[int, bytes] = field(default_factory=dict)
    state: str = "uploading"  # → pending (finalized) → in_progress → succeeded | failed
    verdict: str | None = None  # why processing will fail, decided at finalize
    duration: float | None = None


class MediaUploadEndpoints:
    """Mixed into FakeX, which provides these attributes."""

    uploads: dict[str, Upload]
    _ids: itertools.count
    _lock: threading.RLock

    def _initialize(self, request: Request) -> Response:
        fields = request.get_json(silent=True) or request.form
        media_type = fields.get("media_type")
        category = fields.get("media_category", "tweet_video")
        try:
            total_bytes = int(fields.get("total_bytes", ""))
        except (TypeError, ValueError) as exc:
            raise XError(400, "Invalid Request", "total_bytes must be an integer.") from exc
        if media_type != "video/mp4" or category not in _MEDIA_KEY_PREFIX:
            raise XError(400, "Invalid Request",
                         "This fake accepts media_type video/mp4 with a known media_category.")
        if not 0 < total_bytes <= MAX_VIDEO_BYTES:
            raise XError(400, "Invalid Request", "total_bytes must be between 1 and 512 MB.")
        media_id = str(next(self._ids))
        upload = Upload(media_id, f"{_MEDIA_KEY_PREFIX[category]}_{media_id}", media_type,
                        total_bytes, category)
        with self._lock:
            self.uploads[media_id] = upload
        return json_response({"data": {"id": media_id, "media_key": upload.media_key,
                               "expires_after_secs": 86400}})

    def _upload(self, media_id: str) -> Upload:
        upload = self.uploads.get(media_id)
        if upload is None:
            raise XError(400, "Invalid Request", f"Unknown media_id {media_id}.")
        return upload

    def _append(self, request: Request, media_id: str) -> Response:
        upload = self._upload(media_id)
        if upload.state != "uploading":
            raise XError(400, "Invalid Request", "This upload is already finalized.")
        try:
            index = int(request.form.get("segment_index", ""))
        except ValueError as exc:
            raise XError(400, "Invalid Request", "segment_index must be an integer.") from exc
        chunk = request.files.get("media")
        if chunk is None or not 0 <= index <= 999:
            raise XError(400, "Invalid Request",
                         "APPEND needs segment_index 0-999 and a `media` file part.")
        upload.segments[index] = chunk.read()
        return json_response({"data": {"expires_at": int(time.time()) + 86400}})

    def _finalize(self, request: Request, media_id: str) -> Response:
        upload = self._upload(media_id)
        if upload.state == "uploading":
            upload.verdict = self._judge(upload)
            upload.state = "pending"
        return json_response({"data": self._media_data(upload)})

    def _judge(self, upload: Upload) -> str | None:
        """Why processing will fail, or None: the checks X makes on a finished upload."""
        indexes = sorted(upload.segments)
        if indexes != list(range(len(indexes))):
            return f"Segments are not contiguous: {indexes}."
        assembled = b"".join(upload.segments[i] for i in indexes)
        if len(assembled) != upload.total_bytes:
            return f"Received {len(assembled)} bytes, expected total_bytes {upload.total_bytes}."
        upload.duration = _probe_duration(assembled)
        if upload.duration is None:
            return "Unsupported video format."
        if upload.duration > MAX_VIDEO_SECONDS:
            return f"Duration too long, maximum:{MAX_VIDEO_SECONDS}, actual:{upload.duration:g}."
        return None

    def _status(self, request: Request) -> Response:
        if request.args.get("command") != "STATUS":
            raise XError(400, "Invalid Request", "command must be STATUS.")
        upload = self._upload(request.args.get("media_id", ""))
        if upload.state == "uploading":
            raise XError(400, "Invalid Request", "This upload is not finalized.")
        if upload.state == "pending":
            upload.state = "in_progress"
        elif upload.state == "in_progress":
            upload.state = "failed" if upload.verdict else "succeeded"
        return json_response({"data": self._media_data(upload)})

    def _media_data(self, upload: Upload) -> dict[str, Any]:
        info: dict[str, Any] = {"state": upload.state}
        if upload.state in ("pending", "in_progress"):
            info["check_after_secs"] = 1
        if upload.state == "in_progress":
            info["progress_percent"] = 50
        if upload.state == "failed":
            info["error"] = {"code": 1, "name": "InvalidMedia", "message": upload.verdict}
        return {"id": upload.id, "media_key": upload.media_key, "size": upload.total_bytes,
                "expires_after_secs": 86400, "processing_info": info}


def _probe_duration(data: bytes) -> float | None:
    with tempfile.NamedTemporaryFile(suffix=".mp4") as handle:
        handle.write(data)
        handle.flush()
        done = subprocess.run(
            ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "json",
             handle.name], capture_output=True, timeout=60, check=False)
    try:
        return float(json.loads(done.stdout)["format"]["duration"])
    except (ValueError, KeyError, TypeError):
        return None
