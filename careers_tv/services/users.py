"""Staff accounts: creation, password checks and changes, roles, (de)activation."""

from __future__ import annotations

import hmac

import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from ..clock import utcnow
from ..extensions import db
from ..i18n import N_
from ..models import Role, User

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
# A hash to compare against when the email is unknown, so both cases take the same time.
_DUMMY_HASH = generate_password_hash("timing-equaliser-not-a-password")


class UserError(ValueError):
    """A request about a user that cannot be honoured; the message is for people.

    `message` is the English msgid with %(name)s placeholders and `params` their values, so
    the portal can show it translated (`_(exc.message, **exc.params)`) while the CLI prints
    `str(exc)`, which needs no request to pick a language.
    """

    def __init__(self, message: str, **params) -> None:
        self.message = message
        self.params = params
        super().__init__(message % params if params else message)


class WrongPassword(UserError):
    """The current password given to confirm a change is not the account's."""


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    local, _, domain = email.partition("@")
    if not local or "." not in domain or any(c.isspace() for c in email) or len(email) > 254:
        raise UserError(N_("Not a valid email address: %(email)s."), email=email)
    return email


def _password_hash(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(N_("The password must have at least %(count)d characters."),
                        count=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise UserError(N_("The password must have at most %(count)d characters."),
                        count=MAX_PASSWORD_LENGTH)
    return generate_password_hash(password)


def create_user(email: str, password: str, role: Role | str, display_name: str = "") -> User:
    email = normalise_email(email)
    role = Role(role)
    password_hash = _password_hash(password)
    if db.session.scalar(sa.select(User.id).where(User.email == email)) is not None:
        raise UserError(N_("A user with the email %(email)s already exists."), email=email)
    user = User(email=email, password_hash=password_hash, role=role,
                display_name=display_name.strip() or email.split("@")[0])
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


def get_user_by_email(email: str) -> User | None:
    """The account with this email (any case), or None; UserError if it is not an email."""
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def user_for_session(session_id: str) -> User | None:
    """The user a login session names, if that session is still good.

    The session id is `User.get_id()`: the id and a fingerprint of the password hash. A
    changed password, or a deactivated account, makes every session opened before it void.
    """
    user_id, _, _fingerprint = session_id.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active:
        return None
    return user if hmac.compare_digest(user.get_id(), session_id) else None


def list_users() -> list[User]:
    return list(db.session.scalars(sa.select(User).order_by(User.email)))


def change_password(user: User, current_password: str, new_password: str) -> None:
    """The owner's change: the current password proves it is them at the keyboard."""
    if not check_password_hash(user.password_hash, current_password):
        raise WrongPassword(N_("The current password is wrong."))
    set_password(user, new_password)


def set_password(user: User, password: str) -> None:
    """Set a new password (an admin's reset, or a checked change); other sessions end."""
    user.password_hash = _password_hash(password)
    db.session.commit()


def _refuse_losing_the_last_admin(user: User) -> None:
    """Someone must stay able to manage accounts. Locks the admin rows (PostgreSQL) so two
    admins demoting each other at the same moment cannot both succeed."""
    admins = db.session.scalars(
        sa.select(User.id).where(User.role == Role.ADMIN, User.active.is_(True))
        .with_for_update()
    ).all()
    if user.id in admins and len(admins) == 1:
        db.session.rollback()  # let go of the row locks now
        raise UserError(N_("%(email)s is the last active admin: make someone else admin first."),
                        email=user.email)


def change_role(actor: User, user: User, role: Role | str) -> None:
    role = Role(role)
    if role is user.role:
        return
    if user.role is Role.ADMIN:
        if user.id == actor.id:
            raise UserError(N_("You cannot remove your own admin role."))
        _refuse_losing_the_last_admin(user)
    user.role = role
    db.session.commit()


def set_active(actor: User, user: User, active: bool) -> None:
    if active == user.active:
        return
    if not active:
        if user.id == actor.id:
            raise UserError(N_("You cannot deactivate your own account."))
        if user.role is Role.ADMIN:
            _refuse_losing_the_last_admin(user)
    user.active = active
    db.session.commit()
