"""Admin pages: users and channels. Admins only; every change a POST with its CSRF token.

A refused change (bad input, or a rule such as "the last admin stays") re-shows the page
with the reason and a 4xx status; a done change redirects with a message.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..models import Role
from ..services import channels as channel_service
from ..services import users as user_service
from .access import role_required
from .admin_forms import (
    ROLE_LABELS,
    ButtonForm,
    ChannelCreateForm,
    ChannelForm,
    PasswordResetForm,
    UserCreateForm,
    UserRoleForm,
)
from .auth import start_session
from .blueprint import bp


def _message(exc) -> str:
    return _(exc.message, **exc.params)


# --- users -------------------------------------------------------------------------------

def _user_or_404(user_id: int):
    user = user_service.get_user(user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/admin/users", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def admin_users():
    """The list of accounts, and the form that creates one (POST)."""
    form = UserCreateForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = user_service.create_user(
                form.email.data, form.new_password.data, form.role.data,
                display_name=form.display_name.data or "")
        except user_service.UserError as exc:
            flash(_message(exc), "error")
            status = 400
        else:
            flash(_("Account %(email)s created.", email=user.email), "success")
            return redirect(url_for("portal.admin_users"))
    elif form.is_submitted():
        status = 400
    return render_template("portal/admin/users.html", users=user_service.list_users(),
                           form=form, role_labels=ROLE_LABELS), status


def _user_page(user, status: int = 200, role_form=None, password_form=None):
    role_form = role_form or UserRoleForm(formdata=None, role=user.role.value)
    return render_template(
        "portal/admin/user.html", user=user, role_form=role_form,
        password_form=password_form or PasswordResetForm(formdata=None),
        button_form=ButtonForm(formdata=None),
        is_self=user.id == current_user.id, role_labels=ROLE_LABELS,
    ), status


@bp.get("/admin/users/<int:user_id>")
@role_required(Role.ADMIN)
def admin_user(user_id: int):
    return _user_page(_user_or_404(user_id))


@bp.post("/admin/users/<int:user_id>/role")
@role_required(Role.ADMIN)
def admin_user_role(user_id: int):
    user = _user_or_404(user_id)
    form = UserRoleForm()
    if not form.validate_on_submit():
        return _user_page(user, 400, role_form=form)
    try:
        user_service.change_role(current_user._get_current_object(), user, form.role.data)
    except user_service.UserError as exc:
        flash(_message(exc), "error")
        return _user_page(user, 409)
    flash(_("%(email)s is now %(role)s.", email=user.email,
            role=ROLE_LABELS[form.role.data]), "success")
    return redirect(url_for("portal.admin_user", user_id=user.id))


def _set_active(user_id: int, active: bool):
    user = _user_or_404(user_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        user_service.set_active(current_user._get_current_object(), user, active)
    except user_service.UserError as exc:
        flash(_message(exc), "error")
        return _user_page(user, 409)
    if active:
        flash(_("%(email)s can sign in again.", email=user.email), "success")
    else:
        flash(_("%(email)s is deactivated and signed out.", email=user.email), "success")
    return redirect(url_for("portal.admin_user", user_id=user.id))


@bp.post("/admin/users/<int:user_id>/deactivate")
@role_required(Role.ADMIN)
def admin_user_deactivate(user_id: int):
    return _set_active(user_id, False)


@bp.post("/admin/users/<int:user_id>/reactivate")
@role_required(Role.ADMIN)
def admin_user_reactivate(user_id: int):
    return _set_active(user_id, True)


@bp.post("/admin/users/<int:user_id>/password")
@role_required(Role.ADMIN)
def admin_user_password(user_id: int):
    user = _user_or_404(user_id)
    form = PasswordResetForm()
    if not form.validate_on_submit():
        return _user_page(user, 400, password_form=form)
    try:
        user_service.set_password(user, form.new_password.data)
    except user_service.UserError as exc:
        flash(_message(exc), "error")
        return _user_page(user, 400)
    if user.id == current_user.id:
        start_session(user)  # the reset voided this session too; keep the admin signed in
    flash(_("New password set for %(email)s; their sessions were signed out.",
            email=user.email), "success")
    return redirect(url_for("portal.admin_user", user_id=user.id))


# --- channels ----------------------------------------------------------------------------

def _channel_or_404(channel_id: int):
    channel = channel_service.get_channel_by_id(channel_id)
    if channel is None:
        abort(404)
    return channel


@bp.route("/admin/channels", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def admin_channels():
    """The list of channels, and the form that creates one (POST)."""
    form = ChannelCreateForm()
    status = 200
    if form.validate_on_submit():
        try:
            channel = channel_service.create_channel(form.slug.data, **form.texts())
        except channel_service.ChannelError as exc:
            flash(_message(exc), "error")
            status = 400
        else:
            flash(_("Channel %(slug)s created.", slug=channel.slug), "success")
            return redirect(url_for("portal.admin_channels"))
    elif form.is_submitted():
        status = 400
    return render_template("portal/admin/channels.html",
                           channels=channel_service.list_channels(),
                           video_counts=channel_service.video_counts(), form=form), status


def _channel_page(channel, form, status: int = 200):
    return render_template("portal/admin/channel.html", channel=channel, form=form,
                           button_form=ButtonForm(formdata=None),
                           video_count=channel_service.video_counts().get(channel.id, 0)), status


@bp.route("/admin/channels/<int:channel_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def admin_channel(channel_id: int):
    """Edit a channel's names, descriptions and hashtag (POST saves)."""
    channel = _channel_or_404(channel_id)
    form = ChannelForm(obj=channel)
    if not form.is_submitted():
        return _channel_page(channel, form)
    if not form.validate():
        return _channel_page(channel, form, 400)
    try:
        channel_service.update_channel(channel, **form.texts())
    except channel_service.ChannelError as exc:
        flash(_message(exc), "error")
        return _channel_page(channel, form, 400)
    flash(_("Channel %(slug)s saved.", slug=channel.slug), "success")
    return redirect(url_for("portal.admin_channel", channel_id=channel.id))


@bp.post("/admin/channels/<int:channel_id>/delete")
@role_required(Role.ADMIN)
def admin_channel_delete(channel_id: int):
    channel = _channel_or_404(channel_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    slug = channel.slug
    try:
        channel_service.delete_channel(channel)
    except channel_service.ChannelError as exc:
        flash(_message(exc), "error")
        return _channel_page(channel, ChannelForm(formdata=None, obj=channel), 409)
    flash(_("Channel %(slug)s deleted.", slug=slug), "success")
    return redirect(url_for("portal.admin_channels"))
