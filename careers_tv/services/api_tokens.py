"""API tokens: created and revoked by admins, checked on every API request.

A token is `ctv_` and 43 random URL-safe characters (256 bits). Only its SHA-256 is stored: a
fast hash is enough for a secret that long (nobody can try 2^256 guesses), and it lets a
request find its token with one indexed lookup. Every request reads the row again, so a
revoked token, or one whose admin was deactivated, is refused from the next request on.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import timedelta

import sqlalchemy as sa

from ..clock import utcnow
from ..extensions import db
from ..i18n import N_
from ..models import ApiToken, Role, Scope, User
from .users import UserError

TOKEN_PREFIX = "ctv_"  # noqa: S105 - not a secret: what every token starts with
SHOWN_PREFIX_LENGTH = 12  # "ctv_" and 8 characters of the secret
MAX_NAME_LENGTH = 120
# last_used_at is written at most this often per token, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=5)


class TokenError(UserError):
    """A token request that cannot be honoured; the message is for people."""


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(actor: User, name: str, scopes: Iterable[Scope | str]) -> tuple[ApiToken, str]:
    """A new token acting for `actor` (an admin); returns it and its secret, which is shown
    once and never stored. The caller commits."""
    if not actor.has_role(Role.ADMIN):
        raise TokenError(N_("Only administrators can create API tokens."))
    name = " ".join(name.split())
    if not name:
        raise TokenError(N_("Give the token a name that says who uses it."))
    if len(name) > MAX_NAME_LENGTH:
        raise TokenError(N_("A token's name has at most %(count)d characters."),
                         count=MAX_NAME_LENGTH)
    try:
        chosen = {Scope(scope) if isinstance(scope, str) else scope for scope in scopes}
    except ValueError as exc:
        raise TokenError(N_("Unknown scope.")) from exc
    if not chosen:
        raise TokenError(N_("Choose at least one scope."))
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name,
        token_hash=_digest(secret),
        prefix=secret[:SHOWN_PREFIX_LENGTH],
        scopes=" ".join(scope.value for scope in Scope if scope in chosen),
        user=actor,
    )
    db.session.add(token)
    db.session.flush()
    return token, secret


def find_token(secret: str) -> ApiToken | None:
    """The live token with this secret: not revoked, and its admin still active."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 128:
        return None
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == _digest(secret)))
    if token is None or token.revoked or not token.user.active:
        return None
    return token


def mark_used(token: ApiToken) -> None:
    """Note when the token was last used (coarsely); the caller commits."""
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        token.last_used_at = now


def list_tokens() -> list[ApiToken]:
    """Every token, the live ones first, newest first."""
    return list(db.session.scalars(
        sa.select(ApiToken).order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(),
                                     ApiToken.id.desc())
    ))


def get_token(token_id: int) -> ApiToken | None:
    return db.session.get(ApiToken, token_id)


def revoke(token: ApiToken) -> None:
    """Refuse the token from now on (the row stays, for the record); the caller commits."""
    if token.revoked_at is None:
        token.revoked_at = utcnow()
