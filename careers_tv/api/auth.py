"""Who is calling the API: a bearer token (`Authorization: Bearer ctv_…`), or nobody.

Reading the public catalogue needs no token. A request that sends one is checked whatever it
asks for, so a revoked or mistyped token is refused at once rather than silently read as
anonymous. The portal's session cookie counts only on the tus endpoint (the portal's own
uploads), never here.
"""

from __future__ import annotations

from flask import abort, g, request
from werkzeug.exceptions import Unauthorized

from ..extensions import db
from ..models import ApiToken, Scope, User
from ..services import api_tokens

REALM = "careers-tv"


def _challenge(error: str | None) -> str:
    return f'Bearer realm="{REALM}"' + (f', error="{error}"' if error else "")


class TokenRefused(Unauthorized):
    """401 with the RFC 6750 challenge saying why."""

    def __init__(self, description: str, error: str | None) -> None:
        super().__init__(description)
        self.challenge = _challenge(error)

    def get_headers(self, environ=None, scope=None):
        return [*super().get_headers(environ, scope), ("WWW-Authenticate", self.challenge)]


def _refuse(message: str, error: str | None = "invalid_token") -> None:
    raise TokenRefused(message, error)


def sends_token() -> bool:
    return "Authorization" in request.headers


def current_token() -> ApiToken | None:
    """The request's token, checked (401 when it is not a live one); None without one."""
    if "api_token" in g:
        return g.api_token
    header = request.headers.get("Authorization")
    token = None
    if header is not None:
        scheme, _space, secret = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            _refuse("send the token as: Authorization: Bearer <token>", "invalid_request")
        token = api_tokens.find_token(secret.strip())
        if token is None:
            _refuse("this token is not valid: it may have been revoked")
        api_tokens.mark_used(token)
        db.session.commit()
    g.api_token = token
    return token


def token_user() -> User | None:
    token = current_token()
    return token.user if token is not None else None


def require(scope: Scope) -> ApiToken:
    """The request's token, which must hold `scope` (401 without one, 403 without the scope)."""
    token = current_token()
    if token is None:
        _refuse(f"this needs a token with the {scope.value} scope", None)
    if not token.allows(scope):
        abort(403, f"this token lacks the {scope.value} scope")
    return token


def manager() -> User | None:
    """The user behind a token that may see videos before they are public (upload or
    publish scope), else None."""
    token = current_token()
    if token is None or not (token.allows(Scope.UPLOAD) or token.allows(Scope.PUBLISH)):
        return None
    return token.user
