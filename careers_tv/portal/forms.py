import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

VIDEO_LANGUAGES = [SelectChoice("fr", "Français"), SelectChoice("en", "English")]


class NoControls:
    """Refuse control characters (C0, DEL, C1), as the API does: nobody types them, they break
    pages, feeds and posts, and PostgreSQL refuses NUL outright. `lines` keeps tab and line
    breaks, for multi-line text."""

    def __init__(self, lines: bool = False) -> None:
        self.pattern = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]" if lines
                                  else r"[\x00-\x1f\x7f-\x9f]")

    def __call__(self, form, field) -> None:
        if isinstance(field.data, str) and self.pattern.search(field.data):
            raise ValidationError(_("Remove the control characters (invisible characters "
                                    "such as NUL or escape) from this field."))


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])


class LogoutForm(FlaskForm):
    """No fields: the CSRF token is the point."""


class ActionForm(FlaskForm):
    """A button that changes something (retry, unpublish, delete): only the CSRF token."""


class VideoForm(FlaskForm):
    """What the team writes about a video, on upload and later."""

    channel = SelectField(_l("Channel"), coerce=int, validators=[DataRequired()])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200), NoControls()])
    description = TextAreaField(_l("Description"),
                                validators=[Optional(), Length(max=5000), NoControls(lines=True)])
    language = SelectField(_l("Language spoken"), choices=VIDEO_LANGUAGES)
    speaker_name = StringField(_l("Speaker's name"),
                               validators=[Optional(), Length(max=200), NoControls()])
    speaker_title = StringField(_l("Speaker's job title"),
                                validators=[Optional(), Length(max=200), NoControls()])
    entity = StringField(_l("Entity"), validators=[Optional(), Length(max=120), NoControls()])
    country = StringField(_l("Country (two-letter code)"), validators=[
        Optional(), Regexp(r"^[A-Za-z]{2}$", message=_l("Two letters, such as FR or GB."))])
    tags = StringField(_l("Tags (separated by commas)"),
                       validators=[Optional(), Length(max=600), NoControls()])
    consent_reference = StringField(_l("Consent reference"),
                                    validators=[Optional(), Length(max=120), NoControls()])
    consent_expires_on = DateField(_l("Consent expires on"), validators=[Optional()])
    # Read by services/chapters.py (one a line, or a WebVTT file), which says what is wrong
    # and on which line; the video's page shows these two only (its duration is known there).
    chapters = TextAreaField(_l("Chapters"), validators=[Optional()])
    chapters_file = FileField(_l("Or a WebVTT chapters file"))

    def metadata(self) -> dict:
        """The fields as services.editorial takes them (the channel is looked up apart)."""
        return {name: getattr(self, name).data for name in (
            "title", "description", "language", "speaker_name", "speaker_title", "entity",
            "country", "consent_reference", "consent_expires_on")}


class CaptionForm(FlaskForm):
    language = SelectField(_l("Caption language"), choices=VIDEO_LANGUAGES)
    file = FileField(_l("Caption file (SRT or WebVTT)"), validators=[FileRequired()])


class PosterForm(FlaskForm):
    key = HiddenField(validators=[DataRequired()])


class PublishForm(FlaskForm):
    without_captions = BooleanField(_l("Publish without captions"))
    unreviewed_captions = BooleanField(_l("Publish with automatic captions no one has reviewed"))


class ScheduleForm(FlaskForm):
    publish_at = DateTimeLocalField(_l("Publish on"), format="%Y-%m-%dT%H:%M",
                                    validators=[DataRequired()])
    without_captions = BooleanField(_l("Publish without captions"))
    unreviewed_captions = BooleanField(_l("Publish with automatic captions no one has reviewed"))
