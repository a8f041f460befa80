"""A small client for the X API v2: one post, OAuth 1.0a user context, X's errors as exceptions.

requests + requests_oauthlib rather than tweepy: tweepy's host is fixed, and X_API_BASE_URL must
be able to point at a local fake. The exceptions carry what the outbox needs to decide (retry
when, give up why); the credentials never appear in them, in a repr or in a log line.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import requests
from requests_oauthlib import OAuth1

log = logging.getLogger(__name__)
# oauthlib and requests_oauthlib log the signed request at DEBUG, access token included:
# never below INFO, whatever level the app runs at.
for _name in ("oauthlib", "requests_oauthlib"):
    logging.getLogger(_name).setLevel(max(logging.getLogger(_name).level, logging.INFO))

POST_PATH = "/2/tweets"
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

    def post(self, text: str) -> str:
        """Create a post; returns its id, or raises one of this module's errors."""
        url = self.base_url + POST_PATH
        try:
            response = self._session.post(url, json={"text": text}, auth=self._auth,
                                          timeout=self.timeout)
        except requests.Timeout as exc:
            raise Unavailable(f"X did not answer within {self.timeout:g} s") from exc
        except requests.RequestException as exc:
            # The exception's text names the URL, never the Authorization header.
            raise Unavailable(f"could not reach X ({type(exc).__name__})") from exc
        status = response.status_code
        if status in (200, 201):
            try:
                return str(response.json()["data"]["id"])
            except (ValueError, KeyError, TypeError) as exc:
                raise Unavailable("X answered without a post id") from exc
        message = _message(response)
        log.info("X answered %s to a post: %s", status, message)
        if status == 429:
            raise RateLimited(_reset_time(response))
        if status == 401:
            raise BadCredentials(message)
        if status == 403 and DUPLICATE_MARKER in message.lower():
            raise Duplicate(message)
        if 400 <= status < 500:
            raise Rejected(status, message)
        raise Unavailable(f"X answered {status}: {message}")
