from __future__ import annotations

import enum
import hashlib
import hmac
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import utcnow
from ..extensions import db
from ._types import UTCDateTime, str_enum


class Role(enum.Enum):
    CONTRIBUTOR = "contributor"
    EDITOR = "editor"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def at_least(self, other: Role) -> bool:
        return self.rank >= other.rank


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(str_enum(Role, "user_role"), default=Role.CONTRIBUTOR)
    display_name: Mapped[str] = mapped_column(sa.String(120), default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_active(self) -> bool:  # flask-login
        return self.active

    def get_id(self) -> str:  # flask-login: what the session (and a remember cookie) holds
        # The id plus a keyed fingerprint of the password hash: changing the password makes
        # every session opened with the old one name nobody (services.users.user_for_session).
        key = current_app.config["SECRET_KEY"]
        key = key.encode() if isinstance(key, str) else key
        fingerprint = hmac.new(key, b"session:" + self.password_hash.encode(), hashlib.sha256)
        return f"{self.id}:{fingerprint.hexdigest()[:32]}"

    def has_role(self, role: Role) -> bool:
        return self.role.at_least(role)

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role.value}>"
