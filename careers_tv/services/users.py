"""Staff accounts: creation and password checks."""

from __future__ import annotations

import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..models import Role, User
from ..models._types import utcnow

MIN_PASSWORD_LENGTH = 12
# A hash to compare against when the email is unknown, so both cases take the same time.
_DUMMY_HASH = generate_password_hash("timing-equaliser-not-a-password")


class UserError(ValueError):
    """A request about a user that cannot be honoured; the message is for people."""


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    local, _, domain = email.partition("@")
    if not local or "." not in domain or any(c.isspace() for c in email) or len(email) > 254:
        raise UserError(f"not a valid email address: {email!r}")
    return email


def create_user(email: str, password: str, role: Role | str, display_name: str = "") -> User:
    email = normalise_email(email)
    role = Role(role)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    if db.session.scalar(sa.select(User.id).where(User.email == email)) is not None:
        raise UserError(f"a user with the email {email} already exists")
    user = User(email=email, password_hash=generate_password_hash(password), role=role,
                display_name=display_name or email.split("@")[0])
    db.session.add(user)
    db.session.commit()
    return user


def authenticate(email: str, password: str) -> User | None:
    try:
        email = normalise_email(email)
    except UserError:
        email = ""
    user = db.session.scalar(sa.select(User).where(User.email == email)) if email else None
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    user.last_login_at = utcnow()
    db.session.commit()
    return user


def get_user(user_id: int) -> User | None:
    return db.session.get(User, user_id)
