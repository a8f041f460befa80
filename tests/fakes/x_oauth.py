"""OAuth 1.0a user-context checks for the fake X API, signature included.

What is checked here, for every request: an `Authorization: OAuth ...` header (each parameter
once), the configured consumer key and access token, `oauth_signature_method="HMAC-SHA1"`,
version 1.0 when given, the HMAC-SHA1 signature itself, a timestamp within five minutes of the
server's clock, and a nonce never seen before. `SIGNATURES_VERIFIED` is True.

The signature is recomputed with oauthlib (RFC 5849 §3.4), not by hand, so a client's signing
is checked against an independent implementation:

- parameters: the header's `oauth_*` (without oauth_signature and realm), the query string, and
  the body only when it is `application/x-www-form-urlencoded` (§3.4.1.3.1: JSON and multipart
  bodies are not signed, so the append's file part and a post's JSON are not covered);
- base string URI: scheme, Host header (host:port) and the raw path as the client sent them;
- key: consumer secret & token secret; compared in constant time (oauthlib's
  `safe_string_equals`, through `verify_hmac_sha1`).

The signature is checked before the nonce is remembered, so a forged request does not use up
the nonce of a genuine one.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from urllib.parse import unquote

from oauthlib.common import Request as OAuthRequest
from oauthlib.oauth1.rfc5849 import signature
from werkzeug.wrappers import Request

SIGNATURES_VERIFIED = True
TIMESTAMP_TOLERANCE_SECONDS = 300
FORM_URLENCODED = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class Credentials:
    """The app's and the account's keys; fixed values, for tests only."""

    consumer_key: str = "fake-x-consumer-key"
    consumer_secret: str = "fake-x-consumer-secret"
    access_token: str = "1234567890-fake-x-access-token"
    access_token_secret: str = "fake-x-access-token-secret"


TEST_CREDENTIALS = Credentials()


class OAuthError(Exception):
    """Why a request's OAuth header is refused (for the fake's log; X says only Unauthorized)."""


def parse_authorization(header: str | None) -> dict[str, str]:
    """The parameters of an `Authorization: OAuth k="v", ...` header; each may appear once."""
    if not header or not header.startswith("OAuth "):
        raise OAuthError("no OAuth Authorization header")
    params: dict[str, str] = {}
    for part in header[len("OAuth "):].split(","):
        key, sep, value = part.strip().partition("=")
        if not sep or len(value) < 2 or value[0] != '"' or value[-1] != '"':
            raise OAuthError(f"malformed OAuth parameter {part.strip()!r}")
        if unquote(key) in params:
            raise OAuthError(f"duplicate OAuth parameter {unquote(key)!r}")
        params[unquote(key)] = unquote(value[1:-1])
    return params


def request_uri(request: Request) -> str:
    """The absolute URI as the client sent it: scheme, Host header (host:port), raw path and
    query. werkzeug's own `request.url` re-quotes the decoded path, which could differ."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if not raw or not raw.startswith("/"):
        return request.url
    return f"{request.scheme}://{request.host}{raw}"


def signature_matches(request: Request, header: str, consumer_secret: str,
                      token_secret: str) -> bool:
    """Recompute the HMAC-SHA1 signature with oauthlib and compare it in constant time."""
    uri = request_uri(request)
    # Only a form-encoded body is signed (RFC 5849 §3.4.1.3.1); JSON and multipart are not.
    body = request.get_data(as_text=True) if request.mimetype == FORM_URLENCODED else ""
    try:
        signed = OAuthRequest(uri, request.method, body, {"Authorization": header})
        signed.params = signature.collect_parameters(
            uri_query=signed.uri_query, body=body, headers={"Authorization": header},
            exclude_oauth_signature=True)
        signed.signature = parse_authorization(header).get("oauth_signature", "")
        return signature.verify_hmac_sha1(signed, consumer_secret, token_secret)
    except ValueError:  # oauthlib refuses a query or body with characters it cannot decode
        return False


class OAuthChecker:
    """Checks one account's requests; remembers nonces so a replayed request is refused."""

    def __init__(self, credentials: Credentials):
        self.credentials = credentials
        self._nonces: set[str] = set()
        self._lock = threading.Lock()

    def check(self, request: Request, now: float | None = None) -> None:
        """Raise OAuthError unless the request would be accepted (see the module docstring)."""
        header = request.headers.get("Authorization")
        params = parse_authorization(header)
        now = time.time() if now is None else now
        expected = {
            "oauth_consumer_key": self.credentials.consumer_key,
            "oauth_token": self.credentials.access_token,
            "oauth_signature_method": "HMAC-SHA1",
        }
        for key, value in expected.items():
            if params.get(key) != value:
                raise OAuthError(f"{key} is {params.get(key)!r}")
        if params.get("oauth_version", "1.0") != "1.0":
            raise OAuthError("oauth_version is not 1.0")
        if not params.get("oauth_signature"):
            raise OAuthError("no oauth_signature")
        try:
            timestamp = int(params.get("oauth_timestamp", ""))
        except ValueError as exc:
            raise OAuthError("oauth_timestamp is not an integer") from exc
        if abs(now - timestamp) > TIMESTAMP_TOLERANCE_SECONDS:
            raise OAuthError("oauth_timestamp is more than five minutes off")
        nonce = params.get("oauth_nonce")
        if not nonce:
            raise OAuthError("no oauth_nonce")
        if not signature_matches(request, header, self.credentials.consumer_secret,
                                 self.credentials.access_token_secret):
            raise OAuthError("oauth_signature does not match")  # the value is never logged
        with self._lock:
            if nonce in self._nonces:
                raise OAuthError("oauth_nonce already used")
            self._nonces.add(nonce)
