"""Signing in and out, the session's user, and the page shown when guessing is throttled."""

from __future__ import annotations

import time

from flask import flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_limiter import RateLimitExceeded
from flask_login import current_user, login_user, logout_user

from ..extensions import limiter, login_manager
from ..models import User
from ..ratelimit import failed, ip_key, login_email_key, login_limit, record_failure
from ..services import sessions
from ..services import users as user_service
from .access import safe_next
from .admin_forms import PasswordChangeForm
from .blueprint import bp
from .forms import LoginForm, LogoutForm


@login_manager.user_loader
def load_user(session_id: str):
    if not sessions.is_live():  # signed out (or changed password) since: a replayed copy
        return None
    return user_service.user_for_session(session_id)


def start_session(user: User) -> None:
    """A fresh session for a user who just proved who they are.

    Whatever the browser carried before (a planted session, an older login) is dropped, its
    id revoked, and the session id names the current password hash, so this also re-logs
    the user in after a password change, under a new id.
    """
    sessions.end()
    session.clear()
    login_user(user)
    sessions.begin()


@bp.route("/login", methods=["GET", "POST"])
# Two counts of wrong passwords: per client address, and per account tried (so guesses spread
# over many addresses are throttled too). The 11th try within a minute is refused outright.
@limiter.limit(login_limit, key_func=ip_key, methods=["POST"], deduct_when=failed)
@limiter.limit(login_limit, key_func=login_email_key, methods=["POST"], deduct_when=failed)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("portal.dashboard"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        user = user_service.authenticate(form.email.data, form.password.data)
        if user is not None:
            target = safe_next(request.args.get("next")) or url_for("portal.dashboard")
            start_session(user)
            return redirect(target)
        record_failure()
        flash(_("Wrong email or password."), "error")
        status = 401
    elif request.method == "POST":
        status = 400
    return render_template("portal/login.html", form=form), status


@bp.post("/logout")
def logout():
    form = LogoutForm()
    if form.validate_on_submit():
        sessions.end()
        logout_user()
        session.clear()
    return redirect(url_for("portal.login"))


@bp.errorhandler(RateLimitExceeded)
def too_many_attempts(_exc: RateLimitExceeded):
    """A page, not a JSON blob: the form again, saying why it cannot be used right now."""
    if request.endpoint == "portal.account_password":
        flash(_("Too many wrong passwords, try again later."), "error")
        body = render_template("portal/account/password.html",
                               form=PasswordChangeForm(formdata=None))
    else:
        flash(_("Too many attempts, wait a minute."), "error")
        body = render_template("portal/login.html",
                               form=LoginForm(formdata=None, email=request.form.get("email")))
    response = make_response(body, 429)
    current = limiter.current_limit
    wait = int(current.reset_at - time.time()) if current is not None else 60
    response.headers["Retry-After"] = str(max(wait, 1))
    return response
