"""Forms of the account and admin pages (each with its CSRF token, as every FlaskForm)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    PasswordField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from ..models import Role, Scope
from ..services.api_tokens import MAX_NAME_LENGTH as TOKEN_NAME_MAX_LENGTH
from ..services.channels import NAME_MAX_LENGTH, SLUG_MAX_LENGTH
from ..services.users import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH

ROLE_LABELS = {
    Role.CONTRIBUTOR.value: _l("Contributor"),
    Role.EDITOR.value: _l("Editor"),
    Role.ADMIN.value: _l("Admin"),
}
ROLE_CHOICES = [SelectChoice(value, label) for value, label in ROLE_LABELS.items()]


def _new_password_field(label):
    return PasswordField(label, validators=[
        DataRequired(),
        Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH,
               message=_l("Between %(min)d and %(max)d characters.")),
    ])


def _confirmation_field():
    return PasswordField(_l("New password again"), validators=[
        DataRequired(), EqualTo("new_password", message=_l("The two new passwords differ.")),
    ])


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(_l("Current password"),
                                     validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)])
    new_password = _new_password_field(_l("New password"))
    confirm_password = _confirmation_field()


class PasswordResetForm(FlaskForm):
    """An admin sets someone's password (they forgot it, or it leaked)."""

    new_password = _new_password_field(_l("New password"))
    confirm_password = _confirmation_field()


class UserCreateForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    display_name = StringField(_l("Name"), validators=[Optional(), Length(max=120)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, default=Role.CONTRIBUTOR.value)
    new_password = _new_password_field(_l("Initial password"))


class UserRoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)


class ButtonForm(FlaskForm):
    """A button that changes something (deactivate, reactivate, delete): the token only."""


class ChannelForm(FlaskForm):
    name_fr = StringField(_l("Name in French"),
                          validators=[DataRequired(), Length(max=NAME_MAX_LENGTH)])
    name_en = StringField(_l("Name in English"),
                          validators=[DataRequired(), Length(max=NAME_MAX_LENGTH)])
    description_fr = TextAreaField(_l("Description in French"),
                                   validators=[Optional(), Length(max=2000)])
    description_en = TextAreaField(_l("Description in English"),
                                   validators=[Optional(), Length(max=2000)])
    hashtag = StringField(_l("Hashtag for announcements on X (without #)"),
                          validators=[Optional(), Length(max=65)])

    def texts(self) -> dict:
        """The fields as services.channels takes them."""
        return {name: getattr(self, name).data or "" for name in (
            "name_fr", "name_en", "description_fr", "description_en", "hashtag")}


class ChannelCreateForm(ChannelForm):
    slug = StringField(_l("Address name (lowercase letters, digits, hyphens)"),
                       validators=[DataRequired(), Length(max=SLUG_MAX_LENGTH)])


# What each scope lets a client do, in a line (the API reference has the details).
SCOPE_HINTS = {
    Scope.READ.value: _l("read the catalogue with this token's own rate limit"),
    Scope.UPLOAD.value: _l("create videos, send their files, edit them"),
    Scope.PUBLISH.value: _l("publish and unpublish videos"),
}


class ApiTokenForm(FlaskForm):
    """A new API token. The same rules are checked again by services.api_tokens; the messages
    are the service's own, so both say the same thing."""

    name = StringField(_l("Name (who or what uses it)"), validators=[
        DataRequired(message=_l("Give the token a name that says who uses it.")),
        Length(max=TOKEN_NAME_MAX_LENGTH,
               message=_l("A token's name has at most %(count)d characters.",
                          count=TOKEN_NAME_MAX_LENGTH)),
    ])
    # The scopes are API words (the reference uses them), so their labels stay as they are.
    scopes = SelectMultipleField(
        _l("Scopes"), choices=[SelectChoice(scope.value, scope.value) for scope in Scope],
        validators=[DataRequired(message=_l("Choose at least one scope."))],
        invalid_choice_message=_l("Unknown scope."))
