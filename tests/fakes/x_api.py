"""A local fake of the X API v2: posts and chunked video upload, with X's errors on demand.

A real HTTP server (werkzeug, threaded) on 127.0.0.1 and a free port; `FakeX.base_url` is what
X_API_BASE_URL is set to. Every endpoint needs OAuth 1.0a user context, HMAC-SHA1 signature
verified with oauthlib (x_oauth.py says what is signed and checked).

Endpoints and the choices made where X's documentation is vague:

- `POST /2/tweets`, JSON `{"text": ..., "media": {"media_ids": [...]}}` → 201
  `{"data": {"id", "text", "edit_history_tweet_ids"}}`; the echoed text has its URLs replaced by
  t.co links, as X does (`FakeX.posts` keeps the text as sent). Refusals:
  over 280 weighted characters or a media id that is unknown or not processed → 400 in X's
  "invalid request" shape (`errors[0].message` says why); a text this account already posted →
  403 "You are not allowed to create a Tweet with duplicate content.".
- `POST /2/media/upload/initialize`, JSON or form: media_type, total_bytes (≤ 512 MB),
  media_category → 200 `{"data": {"id", "media_key", "expires_after_secs"}}`.
- `POST /2/media/upload/{id}/append`, multipart: `segment_index` (0-999) and a `media` file part
  → 200 `{"data": {"expires_at": <epoch>}}`.
- `POST /2/media/upload/{id}/finalize` → 200 with `processing_info` `{"state": "pending",
  "check_after_secs": 1}`. The assembled bytes are checked here: size must equal total_bytes,
  segments must run 0..n-1, and ffprobe must read a duration ≤ 140 s (a real check on the bytes;
  there is no switch to fake it).
- `GET /2/media/upload?command=STATUS&media_id=...` → the first poll answers `in_progress`
  (check_after_secs 1), every later one `succeeded` or `failed` with an `error`
  `{"code", "name", "message"}`. Progress is counted in polls, not seconds, so tests never wait.

Weighted length: x_text.py (twitter-text v3 rules, and where the fake differs).

Rate limits: every response carries x-rate-limit-limit / -remaining / -reset (epoch seconds),
counted per endpoint in a 15-minute window (default 100 requests); when a window is used up the
endpoint answers 429 until its reset time, with no Retry-After header.

Scripted behaviours (`fail_next`, `slow_next`, `drop_next`) are queued and each one is used by the
next request whose path starts with its `path` (default: any request). A 429 script empties the
endpoint's window for `reset_in` seconds, so a client that retries early gets 429 again.
"""

from __future__ import annotations

import itertools
import socket
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from werkzeug.routing import Map, Rule
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from tests.fakes.x_http import TITLES, XError, json_response, problem
from tests.fakes.x_media import MediaUploadEndpoints, Upload
from tests.fakes.x_oauth import (
    SIGNATURES_VERIFIED,
    TEST_CREDENTIALS,
    Credentials,
    OAuthChecker,
    OAuthError,
)
from tests.fakes.x_text import MAX_WEIGHTED_LENGTH, shorten_urls, weighted_length

DUPLICATE_MESSAGE = "You are not allowed to create a Tweet with duplicate content."


@dataclass(frozen=True)
class Post:
    """One accepted post, as the fake received it."""

    id: str
    text: str
    media_ids: tuple[str, ...]
    at: datetime


@dataclass
class _Script:
    kind: str  # "fail" | "slow" | "drop"
    path: str | None
    status: int = 0
    reset_in: float = 0.0
    seconds: float = 0.0


@dataclass
class _Window:
    remaining: int
    reset_at: float


class FakeX(MediaUploadEndpoints):
    """The fake server and what it has seen. Start with `start()` or use it as a context manager."""

    signatures_verified = SIGNATURES_VERIFIED  # True: oauthlib recomputes each one

    def __init__(self, credentials: Credentials = TEST_CREDENTIALS, *, rate_limit: int = 100,
                 rate_window_seconds: int = 900):
        self.credentials = credentials
        self.rate_limit, self.rate_window_seconds = rate_limit, rate_window_seconds
        self._ids = itertools.count(1_860_000_000_000_000_001)
        self._lock = threading.RLock()
        self.reset()
        self._server = None
        self._thread: threading.Thread | None = None
        self._urls = Map([
            Rule("/2/tweets", methods=["POST"], endpoint="create_post"),
            Rule("/2/media/upload/initialize", methods=["POST"], endpoint="initialize"),
            Rule("/2/media/upload/<media_id>/append", methods=["POST"], endpoint="append"),
            Rule("/2/media/upload/<media_id>/finalize", methods=["POST"], endpoint="finalize"),
            Rule("/2/media/upload", methods=["GET"], endpoint="status"),
        ])

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> FakeX:
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        # A short poll interval: stop() waits for the serve loop to notice, once per test.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,),
                                        name="fake-x", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeX:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:<port>`, without a trailing slash (X_API_BASE_URL)."""
        assert self._server is not None, "FakeX is not started"
        return f"http://127.0.0.1:{self._server.server_port}"

    def reset(self) -> None:
        """Forget everything seen and scripted (posts, uploads, nonces, windows, revocation);
        the server keeps its port, so a session-wide fake can serve each test afresh."""
        with self._lock:
            self.posts: list[Post] = []
            self.uploads: dict[str, Upload] = {}
            self.requests: list[tuple[str, str, int | None]] = []  # (method, path, status|None)
            self.auth_failures: list[str] = []  # why requests got 401 (never secrets)
            self._oauth = OAuthChecker(self.credentials)
            self._credentials_rejected = False
            self._scripts: list[_Script] = []
            self._windows: dict[str, _Window] = {}

    # -- scripting ------------------------------------------------------------------------------

    def fail_next(self, status: int, *, times: int = 1, reset_in: float = 60.0,
                  path: str | None = None) -> None:
        """Answer the next `times` requests with `status` (X's JSON error shape), nothing
        recorded. 429 instead empties the endpoint's rate window for `reset_in` seconds."""
        with self._lock:
            for _ in range(times):
                self._scripts.append(_Script("fail", path, status=status, reset_in=reset_in))

    def slow_next(self, seconds: float, *, times: int = 1, path: str | None = None) -> None:
        """Handle the next request(s) normally (a post IS recorded), then wait before answering."""
        with self._lock:
            self._scripts += [_Script("slow", path, seconds=seconds) for _ in range(times)]

    def drop_next(self, *, times: int = 1, path: str | None = None) -> None:
        """Handle the next request(s) normally (recorded), then close the connection unanswered."""
        with self._lock:
            self._scripts += [_Script("drop", path) for _ in range(times)]

    def reject_credentials(self) -> None:
        """From now on answer every request 401, as X does for revoked tokens."""
        self._credentials_rejected = True

    @property
    def env(self) -> dict[str, str]:
        """The app's settings for talking to this fake: X_API_BASE_URL and the four keys."""
        c = self.credentials
        return {"X_API_BASE_URL": self.base_url, "X_CONSUMER_KEY": c.consumer_key,
                "X_CONSUMER_SECRET": c.consumer_secret, "X_ACCESS_TOKEN": c.access_token,
                "X_ACCESS_TOKEN_SECRET": c.access_token_secret}

    def post_texts(self) -> list[str]:
        """The texts of the accepted posts, in order."""
        return [post.text for post in self.posts]

    # -- HTTP -----------------------------------------------------------------------------------

    def _wsgi(self, environ: dict, start_response: Any) -> Any:
        request = Request(environ)
        script = self._take_script(request.path)
        response = self._respond(request, script)
        answered = None if script and script.kind == "drop" else response.status_code
        with self._lock:
            self.requests.append((request.method, request.path, answered))
        if script and script.kind == "slow":
            time.sleep(script.seconds)
        if script and script.kind == "drop":
            environ["werkzeug.socket"].shutdown(socket.SHUT_RDWR)
            return Response(status=500)(environ, start_response)  # its write fails: unanswered
        return response(environ, start_response)

    def _take_script(self, path: str) -> _Script | None:
        with self._lock:
            for index, script in enumerate(self._scripts):
                if script.path is None or path.startswith(script.path):
                    return self._scripts.pop(index)
        return None

    def _respond(self, request: Request, script: _Script | None) -> Response:
        adapter = self._urls.bind_to_environ(request.environ)
        try:
            endpoint, args = adapter.match()
        except Exception:  # noqa: BLE001 - werkzeug's NotFound / MethodNotAllowed
            return problem(404, "Not Found")
        with self._lock:
            window = self._window(endpoint)
            if script and script.kind == "fail":
                if script.status != 429:
                    title = TITLES.get(script.status, "Error")
                    return self._with_limits(problem(script.status, title), window)
                window.remaining, window.reset_at = 0, time.time() + script.reset_in
            if window.remaining <= 0:
                return self._with_limits(problem(429, "Too Many Requests"), window)
            window.remaining -= 1
        try:
            self._authenticate(request)
            response = getattr(self, f"_{endpoint}")(request, **args)
        except XError as error:
            response = problem(error.status, error.detail, error.message)
        return self._with_limits(response, window)

    def _window(self, endpoint: str) -> _Window:
        with self._lock:
            window = self._windows.get(endpoint)
            if window is None or time.time() >= window.reset_at:
                window = _Window(self.rate_limit, time.time() + self.rate_window_seconds)
                self._windows[endpoint] = window
            return window

    def _with_limits(self, response: Response, window: _Window) -> Response:
        response.headers["x-rate-limit-limit"] = str(self.rate_limit)
        response.headers["x-rate-limit-remaining"] = str(max(window.remaining, 0))
        response.headers["x-rate-limit-reset"] = str(int(window.reset_at))
        return response

    def _authenticate(self, request: Request) -> None:
        reason = "credentials rejected" if self._credentials_rejected else None
        if reason is None:
            try:
                self._oauth.check(request)
            except OAuthError as error:
                reason = str(error)
        if reason is not None:
            with self._lock:
                self.auth_failures.append(reason)
            raise XError(401, "Unauthorized")

    # -- posts ----------------------------------------------------------------------------------

    def _create_post(self, request: Request) -> Response:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise XError(400, "Invalid Request", "The request body is not a JSON object.")
        text = body.get("text")
        media_ids = tuple((body.get("media") or {}).get("media_ids") or ())
        if not isinstance(text, str) or not (text.strip() or media_ids):
            raise XError(400, "Invalid Request", "The `text` field is missing or empty.")
        length = weighted_length(text)
        if length > MAX_WEIGHTED_LENGTH:
            raise XError(400, "Invalid Request",
                         f"The weighted length of `text` [{length}] is over "
                         f"{MAX_WEIGHTED_LENGTH}.")
        for media_id in media_ids:
            upload = self.uploads.get(str(media_id))
            if upload is None or upload.state != "succeeded":
                raise XError(400, "Invalid Request", f"Your media IDs are invalid: {media_id}.")
        with self._lock:
            if any(post.text == text for post in self.posts):
                raise XError(403, DUPLICATE_MESSAGE)
            post = Post(str(next(self._ids)), text, tuple(str(m) for m in media_ids),
                        datetime.now(UTC))
            self.posts.append(post)
        data = {"id": post.id, "text": shorten_urls(text), "edit_history_tweet_ids": [post.id]}
        return json_response({"data": data}, 201)
