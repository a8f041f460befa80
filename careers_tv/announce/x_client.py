"""A small client for the X API v2: a post (with a video if asked), OAuth 1.0a user context,
X's errors as exceptions. The video goes up through the v2 chunked media upload: initialize,
append each chunk, finalize, then poll STATUS until X has processed it.

requests + requests_oauthlib rather than tweepy: tweepy's host is fixed, and X_API_BASE_URL must
be able to point at a local fake. The exceptions carry what the outbox needs to decide (retry
when, give up why); the credentials never appear in them, in a repr or in a log line.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import requests
from requests_oauthlib import OAuth1

log = logging.getLogger(__name__)
# oauthlib and requests_oauthlib log the signed request at DEBUG, access token included:
# never below INFO, whatever level the app runs at.
for _name in ("oauthlib", "requests_oauthlib"):
    logging.getLogger(_name).setLevel(max(logging.getLogger(_name).level, logging.INFO))

POST_PATH = "/2/tweets"
MEDIA_PATH = "/2/media/upload"
CHUNK_BYTES = 4 * 1024 * 1024  # X takes up to 5 MB an append
MAX_PROCESSING_WAIT_SECONDS = 120.0  # then the upload counts as unavailable, to retry later
DUPLICATE_MARKER = "duplicate content"


class XError(Exception):
    """Anything X (or the way to it) answered other than a new post."""


class RateLimited(XError):
    """429: try again at `reset_at` (from x-rate-limit-reset), not before."""

    def __init__(self, reset_at: datetime | None):
        when = reset_at.isoformat(timespec="seconds") if reset_at else "an unknown time"
        super().__init__(f"X rate limit reached; it resets at {when}")
        self.reset_at = reset_at


class Duplicate(XError):
    """403 duplicate content: X already has a post with this text from this account."""


class BadCredentials(XError):
    """401: the keys or tokens were refused (revoked, expired, wrong)."""


class Rejected(XError):
    """Another 4xx: X refused the post; the message is X's own reason."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


class MediaFailed(XError):
    """X received the video but would not process it; the message is X's own reason."""


class Unavailable(XError):
    """5xx, a timeout or a broken connection: X may or may not have received the post."""


def _reset_time(response: requests.Response) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(response.headers["x-rate-limit-reset"]), UTC)
    except (KeyError, ValueError, OverflowError, OSError):
        return None


def _message(response: requests.Response) -> str:
    """X's own words for a refusal: errors[].message, else detail, else title, else status."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list):
            messages = [str(e.get("message")) for e in errors
                        if isinstance(e, dict) and e.get("message")]
            if messages:
                return "; ".join(messages)
        for key in ("detail", "title"):
            if body.get(key):
                return str(body[key])
    return f"HTTP {response.status_code} {response.reason or ''}".strip()


@dataclass(frozen=True)
class XAccount:
    """The account announcements go out from: where X is and the four OAuth 1.0a keys.
    Chosen once at start-up (careers_tv/backends.py); None there means X is not configured,
    and announcements are composed and shown in the portal but not sent."""

    base_url: str
    credentials: tuple[str, str, str, str] = field(repr=False)
    timeout: float = 10

    def client(self) -> XClient:
        """A fresh client for one send (its connection pool is closed afterwards)."""
        return XClient(self.base_url, *self.credentials, timeout=self.timeout)


class XClient:
    def __init__(self, base_url: str, consumer_key: str, consumer_secret: str,
                 access_token: str, access_token_secret: str, timeout: float = 10):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._auth = OAuth1(consumer_key, consumer_secret, access_token, access_token_secret)
        self._session = requests.Session()

    def __repr__(self) -> str:  # never the credentials
        return f"XClient({self.base_url!r})"

    def close(self) -> None:
        self._session.close()

    def _request(self, method: str, path: str, **kwargs) -> requests.Response:
        try:
            return self._session.request(method, self.base_url + path, auth=self._auth,
                                         timeout=self.timeout, **kwargs)
        except requests.Timeout as exc:
            raise Unavailable(f"X did not answer within {self.timeout:g} s") from exc
        except requests.RequestException as exc:
            # The exception's text names the URL, never the Authorization header.
            raise Unavailable(f"could not reach X ({type(exc).__name__})") from exc

    def _refusal(self, response: requests.Response, what: str) -> XError:
        """The exception for an answer other than success."""
        status, message = response.status_code, _message(response)
        log.info("X answered %s to %s: %s", status, what, message)
        if status == 429:
            return RateLimited(_reset_time(response))
        if status == 401:
            return BadCredentials(message)
        if status == 403 and DUPLICATE_MARKER in message.lower():
            return Duplicate(message)
        if 400 <= status < 500:
            return Rejected(status, message)
        return Unavailable(f"X answered {status}: {message}")

    def _media_call(self, method: str, path: str, what: str, **kwargs) -> dict:
        response = self._request(method, MEDIA_PATH + path, **kwargs)
        if response.status_code not in (200, 201, 202, 204):
            raise self._refusal(response, what)
        try:
            data = response.json()["data"] if response.content else {}
        except (ValueError, KeyError, TypeError) as exc:
            raise Unavailable(f"X answered {what} without data") from exc
        if not isinstance(data, dict):
            raise Unavailable(f"X answered {what} without data")
        return data

    def upload_video(self, path: Path, *, chunk_bytes: int = CHUNK_BYTES,
                     max_wait: float = MAX_PROCESSING_WAIT_SECONDS) -> str:
        """Upload an MP4 for a post; returns its media id once X has processed it.

        Raises MediaFailed when X will not process it (its reason in the message), Unavailable
        when processing takes longer than `max_wait` seconds, and the post's errors otherwise.
        """
        path = Path(path)
        total = path.stat().st_size
        data = self._media_call("POST", "/initialize", "a media upload", json={
            "media_type": "video/mp4", "total_bytes": total, "media_category": "tweet_video"})
        media_id = str(data.get("id") or "")
        if not media_id:
            raise Unavailable("X answered the media upload without a media id")
        with path.open("rb") as file:
            index = 0
            while chunk := file.read(chunk_bytes):
                self._media_call("POST", f"/{media_id}/append", "a media chunk",
                                 data={"segment_index": str(index)},
                                 files={"media": ("chunk", chunk, "application/octet-stream")})
                index += 1
        info = self._media_call("POST", f"/{media_id}/finalize", "a media finalize")
        self._wait_for_processing(media_id, info.get("processing_info"), max_wait)
        return media_id

    def _wait_for_processing(self, media_id: str, info: object, max_wait: float) -> None:
        deadline = time.monotonic() + max_wait
        while isinstance(info, dict):  # no processing_info: nothing left to wait for
            state = info.get("state")
            if state == "succeeded":
                return
            if state == "failed":
                error = info.get("error") if isinstance(info.get("error"), dict) else {}
                raise MediaFailed(str(error.get("message") or "X could not process the video"))
            try:
                wait = max(float(info.get("check_after_secs", 1)), 0.0)
            except (TypeError, ValueError):
                wait = 1.0
            if time.monotonic() + wait > deadline:
                raise Unavailable(f"X had not processed the video after {max_wait:g} s")
            time.sleep(wait)
            data = self._media_call("GET", "", "a media status",
                                    params={"command": "STATUS", "media_id": media_id})
            info = data.get("processing_info")

    def post(self, text: str, media_ids: list[str] | None = None) -> str:
        """Create a post (with these processed media); returns its id, or raises one of this
        module's errors."""
        body: dict = {"text": text}
        if media_ids:
            body["media"] = {"media_ids": [str(m) for m in media_ids]}
        response = self._request("POST", POST_PATH, json=body)
        if response.status_code in (200, 201):
            try:
                return str(response.json()["data"]["id"])
            except (ValueError, KeyError, TypeError) as exc:
                raise Unavailable("X answered without a post id") from exc
        raise self._refusal(response, "a post")
