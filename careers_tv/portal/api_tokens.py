"""Admin pages for the API's tokens: the list, the form that creates one, and revoking.

A new token's secret exists only in the response to the POST that created it: the page is
rendered directly (no redirect, no flash, so the secret never enters the session cookie), is
marked `no-store`, and nothing here logs it. Every other page shows the prefix only.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..links import site_url
from ..models import Role
from ..services import api_tokens as token_service
from .access import role_required
from .admin_forms import SCOPE_HINTS, ApiTokenForm, ButtonForm
from .blueprint import bp


def _list_page(form: ApiTokenForm, status: int = 200):
    return render_template("portal/admin/api_tokens.html", tokens=token_service.list_tokens(),
                           form=form, button_form=ButtonForm(formdata=None),
                           scope_hints=SCOPE_HINTS), status


@bp.get("/admin/api-tokens")
@role_required(Role.ADMIN)
def admin_api_tokens():
    return _list_page(ApiTokenForm(formdata=None))


@bp.post("/admin/api-tokens")
@role_required(Role.ADMIN)
def admin_api_token_create():
    form = ApiTokenForm()
    if not form.validate_on_submit():
        return _list_page(form, 400)
    try:
        token, secret = token_service.create_token(current_user._get_current_object(),
                                                   form.name.data, form.scopes.data)
    except token_service.TokenError as exc:  # nothing was added: no rollback needed
        flash(_(exc.message, **exc.params), "error")
        return _list_page(form, 400)
    db.session.commit()
    return _created_page(token, secret)


def _created_page(token, secret: str):
    """The one page that shows the secret: 201, and kept out of every cache."""
    html = render_template("portal/admin/api_token_created.html", token=token, secret=secret,
                           example_url=site_url(url_for("api.list_channels")))
    return html, 201, {"Cache-Control": "no-store"}


@bp.post("/admin/api-tokens/<int:token_id>/revoke")
@role_required(Role.ADMIN)
def admin_api_token_revoke(token_id: int):
    token = token_service.get_token(token_id)
    if token is None:
        abort(404)
    if not ButtonForm().validate_on_submit():
        abort(400)
    token_service.revoke(token)
    db.session.commit()
    flash(_("Token “%(name)s” (%(prefix)s…) revoked.", name=token.name, prefix=token.prefix),
          "success")
    return redirect(url_for("portal.admin_api_tokens"))
