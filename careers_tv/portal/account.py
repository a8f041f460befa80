"""Staff account pages: password change."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import limiter
from ..models import Role
from ..ratelimit import account_key, failed, password_change_limit, record_failure
from ..services import users as user_service
from .access import role_required
from .admin_forms import PasswordChangeForm
from .auth import start_session
from .blueprint import bp


@bp.route("/account/password", methods=["GET", "POST"])
# Someone at an unlocked screen must not be able to guess the password to take the account.
@limiter.limit(password_change_limit, key_func=account_key, methods=["POST"],
               deduct_when=failed)
@role_required(Role.CONTRIBUTOR)
def account_password():
    form = PasswordChangeForm()
    status = 200
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            user_service.change_password(user, form.current_password.data,
                                         form.new_password.data)
        except user_service.WrongPassword as exc:
            record_failure()
            form.current_password.errors.append(_(exc.message, **exc.params))
            status = 400
        except user_service.UserError as exc:
            form.new_password.errors.append(_(exc.message, **exc.params))
            status = 400
        else:
            # The session id names the password hash: every other session is now void, and
            # this one is opened again with the new hash.
            start_session(user)
            flash(_("Your password was changed. Your other sessions were signed out."),
                  "success")
            return redirect(url_for("portal.account_password"))
    elif request.method == "POST":
        status = 400
    return render_template("portal/account/password.html", form=form), status
