from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..extensions import db
from ._types import UTCDateTime


class Scope(enum.Enum):
    """What a client may do with a token. Reading the public catalogue needs no token at all;
    `read` gives a client its own rate limit and its own uploads' state."""

    READ = "read"
    UPLOAD = "upload"
    PUBLISH = "publish"


class ApiToken(db.Model):
    """A client's key to the API. Only a SHA-256 of the secret is kept: the secret is shown
    once, when an admin creates it. The token acts for the admin who created it, limited to
    its scopes."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # The first characters of the secret, so people can tell their tokens apart.
    prefix: Mapped[str] = mapped_column(sa.String(16))
    scopes: Mapped[str] = mapped_column(sa.String(64))  # space-separated Scope values
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User", lazy="joined")

    @property
    def scope_set(self) -> frozenset[Scope]:
        return frozenset(Scope(value) for value in self.scopes.split())

    def allows(self, scope: Scope) -> bool:
        return scope in self.scope_set

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def __repr__(self) -> str:
        return f"<ApiToken {self.prefix}… {self.scopes!r}>"
