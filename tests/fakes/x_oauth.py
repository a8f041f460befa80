"""OAuth 1.0a user-context checks for the fake X API.

What is checked here, for every request: an `Authorization: OAuth ...` header, the configured
consumer key and access token, `oauth_signature_method="HMAC-SHA1"`, version 1.0 when given, a
timestamp within five minutes of the server's clock, a nonce never seen before, and a signature.

The signature VALUE is not verified yet: the right library for it, oauthlib, is not a dependency
of the project (neither oauthlib nor requests-oauthlib is installed), and a hand-made HMAC-SHA1
checked against a hand-made HMAC-SHA1 would only test itself. `SIGNATURES_VERIFIED` says so, and
the X client's tests must not claim more until it is True. The design for when oauthlib is added:

    from oauthlib.oauth1.rfc5849 import signature
    params = signature.collect_parameters(uri_query=request.query_string.decode(),
                                          headers={"Authorization": header},
                                          body=<form body if urlencoded, else "">,
                                          exclude_oauth_signature=True)
    base = signature.signature_base_string(
        request.method, signature.base_string_uri(request.url),
        signature.normalize_parameters(params))
    expected = signature.sign_hmac_sha1(base, consumer_secret, token_secret)
    hmac.compare_digest(expected, oauth["oauth_signature"])

JSON and multipart bodies are not part of the signature base string (RFC 5849 §3.4.1.3.1: only
`application/x-www-form-urlencoded` bodies are); query parameters (the STATUS poll) are.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from urllib.parse import unquote

SIGNATURES_VERIFIED = False
TIMESTAMP_TOLERANCE_SECONDS = 300


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
    """The `oauth_*` parameters of an `Authorization: OAuth k="v", ...` header."""
    if not header or not header.startswith("OAuth "):
        raise OAuthError("no OAuth Authorization header")
    params: dict[str, str] = {}
    for part in header[len("OAuth "):].split(","):
        key, sep, value = part.strip().partition("=")
        if not sep or len(value) < 2 or value[0] != '"' or value[-1] != '"':
            raise OAuthError(f"malformed OAuth parameter {part.strip()!r}")
        params[unquote(key)] = unquote(value[1:-1])
    return params


class OAuthChecker:
    """Checks one account's requests; remembers nonces so a replayed request is refused."""

    def __init__(self, credentials: Credentials):
        self.credentials = credentials
        self._nonces: set[str] = set()
        self._lock = threading.Lock()

    def check(self, header: str | None, now: float | None = None) -> None:
        """Raise OAuthError unless the header would be accepted (see the module docstring)."""
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
        with self._lock:
            if nonce in self._nonces:
                raise OAuthError("oauth_nonce already used")
            self._nonces.add(nonce)
